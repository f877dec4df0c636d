"""Custom layers of the localizer."""
from __future__ import annotations

from typing import Any

from zoo.plugin import preprocess

from zoo_keras._keras import keras, layers, ops


@keras.saving.register_keras_serializable(package="zoo_keras")
class Preprocess(layers.Layer):
    """A `zoo.preprocess` mode folded into one op: reverse the channels when the mode flips them
    (caffe's BGR), then ``x * scale + offset`` per channel. Input RGB float in [0, 255], NHWC.

    The three channels are the innermost dimension, and a broadcast over a dimension of 3 does
    not vectorize: 2.7 ms for 32 images at 64 px on one AMD core, against 0.26 ms for a scalar
    affine. When every image holds a multiple of 16 pixels, the batch is viewed as rows of
    ``preprocess.ROW`` values with the scale and offset tiled along them
    (`zoo.preprocess.row_scale_offset`): 0.48 ms."""

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
        shape = tuple(x.shape)
        rows = len(shape) == 4 and shape[3] == 3 and bool(shape[1] and shape[2]) \
            and (shape[1] * shape[2] * 3) % preprocess.ROW == 0
        scale, offset, _ = preprocess.row_scale_offset(self.mode) if rows else (self.scale, self.offset, None)
        scale = ops.convert_to_tensor(scale, dtype=self.compute_dtype)
        offset = ops.convert_to_tensor(offset, dtype=self.compute_dtype)
        if not rows:
            return x * scale + offset
        out = ops.reshape(x, (-1, preprocess.ROW)) * scale + offset
        return ops.reshape(out, (-1, *shape[1:]))

    def compute_output_shape(self, input_shape: tuple[int | None, ...]) -> tuple[int | None, ...]:
        return input_shape

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "mode": self.mode}
