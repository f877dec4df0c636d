"""Backbone: the convolutional trunk (no classifier, no pre-logits MLP).

Built object (framework module):
    input   preprocessed images, float32, NCHW (torch) or NHWC (Keras), of the recipe's
            input size; the localizer applies the backbone's declared preprocessing first.
    output  a feature map, (N, C, h, w) on torch or (N, h, w, C) on Keras, C == out_channels.

Factory: ``factory(input_size=(H, W), **params)``. Every backbone takes the parameter
``weights``: ``"none"``, ``"imagenet"`` (the framework's own pretrained loading, cache and
offline aware) or a path to a local file. Offline without the file it raises
`zoo.errors.WeightsError` naming what to provide: a factory about to download calls
`zoo.weights.download_or_fail(component, url, cached=..., put=...)` first, which returns the cached
file, or fails at once when offline.

Metadata (`ComponentInfo.meta`):
    out_channels   int, channels of the feature map
    preprocessing  a mode of `zoo.preprocess` (what the pretrained weights were trained on)
    stride         int, total downsampling factor of the trunk
    min_input      int, optional: the smallest input side it accepts (default: ``stride``);
                   `zoo validate` refuses a recipe whose ``input_size`` is below it
    freeze_stride  bool, optional (default True): False where this implementation cannot keep its
                   first layers frozen by output stride (``train.freeze_stride``), e.g. a subclassed
                   Keras model, whose layers' run order is unknown; `zoo validate -f FW` refuses
                   such a recipe
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from zoo.interfaces.component import ComponentInfo, Meta, Param

#: the preprocessing modes a backbone may declare: name -> formula; `zoo.preprocess` implements
#: them (one affine layer per framework)
PREPROCESSING_MODES: dict[str, str] = {
    "raw": "x unchanged (the backbone normalizes inside)",
    "unit": "x / 255",
    "tf": "x / 127.5 - 1",
    "torch": "(x / 255 - ImageNet mean) / ImageNet std",
    "caffe": "RGB to BGR, then x - ImageNet BGR mean (255 scale)",
}
MODES = PREPROCESSING_MODES

WEIGHTS = Param("none", str, help="none, imagenet, or a path to a local weights file")


def declare_backbone(name: str, *, description: str, params: Mapping[str, Param] | None = None,
                     meta: Meta) -> ComponentInfo:
    """A backbone declaration; adds the standard ``weights`` parameter and checks the metadata keys."""
    if not callable(meta):
        _check_meta(meta)
    return ComponentInfo("backbone", name, {"weights": WEIGHTS, **(params or {})}, description, meta)


def _check_meta(meta: Mapping[str, Any]) -> None:
    missing = {"out_channels", "preprocessing", "stride"} - set(meta)
    if missing:
        raise ValueError(f"backbone metadata lacks {sorted(missing)}")
    if meta["preprocessing"] not in MODES:
        raise ValueError(f"preprocessing {meta['preprocessing']!r} is not one of {sorted(MODES)}")
