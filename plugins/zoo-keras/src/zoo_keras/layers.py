"""Custom layers of the localizer."""
from __future__ import annotations

from typing import Any

from zoo.plugin import preprocess

from zoo_keras._keras import keras, layers, ops


@keras.saving.register_keras_serializable(package="zoo_keras")
class Preprocess(layers.Layer):
    """A `zoo.preprocess` mode folded into one op: reverse the channels when the mode flips them
    (caffe's BGR), then ``x * scale + offset`` per channel. Input RGB float in [0, 255], NHWC."""

    def __init__(self, mode: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.mode = mode
        scale, offset, self.flip = preprocess.scale_offset(mode)
        self.scale = tuple(float(s) for s in scale)
        self.offset = tuple(float(o) for o in offset)

    def call(self, x: Any) -> Any:
        x = ops.cast(x, self.compute_dtype)
        if self.flip:
            x = ops.flip(x, axis=-1)
        scale = ops.convert_to_tensor(self.scale, dtype=self.compute_dtype)
        offset = ops.convert_to_tensor(self.offset, dtype=self.compute_dtype)
        return x * scale + offset

    def compute_output_shape(self, input_shape: tuple[int | None, ...]) -> tuple[int | None, ...]:
        return input_shape

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "mode": self.mode}
