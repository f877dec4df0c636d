"""Input preprocessing modes that backbones declare, applied inside the built model.

A localizer takes RGB images with values in [0, 255] (float32) and applies its backbone's
mode first, so pretrained weights see what they were trained on:

    raw     x unchanged                              (models that normalize inside, e.g. Keras EfficientNet)
    unit    x / 255                                  (simple CNN, Ganz's VGG16 recipes)
    tf      x / 127.5 - 1                            (Keras MobileNetV2, "tf" mode)
    torch   (x / 255 - mean) / std, ImageNet stats   (timm / torchvision weights)
    caffe   RGB->BGR, x - ImageNet BGR mean          (Keras VGG16, ResNet50)

`apply` uses only arithmetic, indexing and ``xp.stack``, so it runs on numpy, torch and Keras
tensors. ``channels_axis`` is -1 for NHWC (Keras, numpy) and 1 for NCHW (torch).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from zoo.interfaces.backbone import PREPROCESSING_MODES

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
CAFFE_BGR_MEAN = (103.939, 116.779, 123.68)

MODES = PREPROCESSING_MODES  # the modes a backbone may declare (`zoo.interfaces.backbone`)


def scale_offset(mode: str) -> tuple[tuple[float, float, float], tuple[float, float, float], bool]:
    """Per-channel ``(scale, offset, flip)`` with ``out = x * scale + offset`` applied after
    reversing the channels when ``flip`` (caffe's BGR); frameworks fold this into one layer."""
    if mode == "raw":
        return (1.0,) * 3, (0.0,) * 3, False
    if mode == "unit":
        return (1 / 255,) * 3, (0.0,) * 3, False
    if mode == "tf":
        return (1 / 127.5,) * 3, (-1.0,) * 3, False
    if mode == "torch":
        scale = tuple(1 / (255 * s) for s in IMAGENET_STD)
        offset = tuple(-m / s for m, s in zip(IMAGENET_MEAN, IMAGENET_STD))
        return scale, offset, False  # type: ignore[return-value]
    if mode == "caffe":
        return (1.0,) * 3, tuple(-m for m in CAFFE_BGR_MEAN), True  # type: ignore[return-value]
    raise ValueError(f"unknown preprocessing {mode!r}; valid: {', '.join(MODES)}")


#: values per row when a framework applies the affine to channels-last memory as rows of 16
#: pixels x 3 channels: torch and TensorFlow do not vectorize a broadcast over an innermost
#: dimension of 3 (1.05 and 2.7 ms for 32 images at 64 px on one core, 0.07 and 0.48 ms as rows)
ROW = 48


def row_scale_offset(mode: str) -> tuple[tuple[float, ...], tuple[float, ...], bool]:
    """`scale_offset` of `mode` with the scale and offset tiled along a row of `ROW` values (16
    pixels of 3 channels): ``rows * scale + offset`` on images viewed as ``(-1, ROW)``, which
    needs a pixel count per batch that is a multiple of 16."""
    scale, offset, flip = scale_offset(mode)
    return tuple(scale) * (ROW // 3), tuple(offset) * (ROW // 3), flip


def apply(images: Any, mode: str, channels_axis: int = -1, xp: Any = np) -> Any:
    """Preprocess float images in [0, 255] with `mode`."""
    scale, offset, flip = scale_offset(mode)
    order = (2, 1, 0) if flip else (0, 1, 2)
    chans = [_channel(images, c, channels_axis) * scale[i] + offset[i] for i, c in enumerate(order)]
    return xp.stack(chans, channels_axis)


def _channel(images: Any, c: int, axis: int) -> Any:
    return images[..., c] if axis == -1 else images[:, c]
