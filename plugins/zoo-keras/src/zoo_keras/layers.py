"""Custom layers of the localizer."""
from __future__ import annotations

from typing import Any

from zoo.plugin import preprocess

from zoo_keras._keras import keras, layers, ops


@keras.saving.register_keras_serializable(package="zoo_keras")
class Preprocess(layers.Layer):
    """A `zoo.preprocess` mode folded into one affine: reverse the channels when the mode flips
    them (caffe's BGR), then ``x * scale + offset`` per channel. Input RGB in [0, 255], NHWC, of
    any dtype (uint8 from zoo's feed); computed in float32, output in the layer's compute dtype.

    A mode with one scale and one offset for all channels (unit, tf, raw) is a scalar affine,
    its zero offset or unit scale left out. A per-channel one broadcasts over the innermost
    dimension of 3, which does not vectorize: 2.7 ms for 32 images at 64 px on one AMD core;
    when every image holds a multiple of 16 pixels the batch is viewed as rows of
    ``preprocess.ROW`` values with the scale and offset tiled along them
    (`zoo.preprocess.row_scale_offset`): 0.48 ms. float32 then a cast, not bfloat16 throughout:
    TensorFlow emulates bfloat16 arithmetic on CPU (0.25 against 0.43 ms for ``unit`` there)."""

    def __init__(self, mode: str, **kwargs: Any) -> None:
        # no autocast: under mixed_bfloat16 Keras would cast the input to bfloat16 before `call`
        # casts it back to float32 (two passes over the batch for nothing)
        kwargs.setdefault("autocast", False)
        super().__init__(**kwargs)
        self.mode = mode
        scale, offset, self.flip = preprocess.scale_offset(mode)
        self.scale = tuple(float(s) for s in scale)
        self.offset = tuple(float(o) for o in offset)

    def call(self, x: Any) -> Any:
        x = ops.cast(x, "float32")
        if self.flip:
            x = ops.flip(x, axis=-1)
        if len(set(self.scale)) == 1 and len(set(self.offset)) == 1:
            out = x * self.scale[0] if self.scale[0] != 1.0 else x
            out = out + self.offset[0] if self.offset[0] != 0.0 else out
        else:
            out = self._per_channel(x)
        return ops.cast(out, self.compute_dtype)

    def _per_channel(self, x: Any) -> Any:
        shape = tuple(x.shape)
        rows = len(shape) == 4 and shape[3] == 3 and bool(shape[1] and shape[2]) \
            and (shape[1] * shape[2] * 3) % preprocess.ROW == 0
        scale, offset, _ = preprocess.row_scale_offset(self.mode) if rows else (self.scale, self.offset, None)
        scale = ops.convert_to_tensor(scale, dtype="float32")
        offset = ops.convert_to_tensor(offset, dtype="float32")
        if not rows:
            return x * scale + offset
        out = ops.reshape(x, (-1, preprocess.ROW)) * scale + offset
        return ops.reshape(out, (-1, *shape[1:]))

    def compute_output_shape(self, input_shape: tuple[int | None, ...]) -> tuple[int | None, ...]:
        return input_shape

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "mode": self.mode}
