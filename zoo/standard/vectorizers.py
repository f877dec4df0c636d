"""Standard vectorizers: feature map (N, C, h, w) / (N, h, w, C) -> (N, D).

Flattening is in NHWC order on both frameworks (torch permutes first), so dense weights carry
from one framework to the other unchanged."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from zoo.interfaces.component import Param
from zoo.interfaces.vectorizer import declare_vectorizer


def _conv_out(size: int, kernel: int, stride: int) -> int:
    return (size - kernel) // stride + 1


def _flatten_out(p: Mapping[str, Any], c: int, hw: tuple[int, int]) -> int:
    return c * hw[0] * hw[1]


def _pool_out(p: Mapping[str, Any], c: int, hw: tuple[int, int]) -> int:
    return c


def _conv_flat_out(p: Mapping[str, Any], c: int, hw: tuple[int, int]) -> int:
    return p["filters"] * _conv_out(hw[0], p["kernel"], p["stride"]) * _conv_out(hw[1], p["kernel"], p["stride"])


def _box_out(p: Mapping[str, Any], c: int, hw: tuple[int, int]) -> int:
    return 4


def _conv_gap_out(p: Mapping[str, Any], c: int, hw: tuple[int, int]) -> int:
    return p["filters"]


_ACT = Param("linear", str, ("linear", "relu"), "activation after the convolution")

VECTORIZERS = (
    declare_vectorizer("flatten", description="flatten the feature map (NHWC order)",
                       meta={"out_features": _flatten_out}),
    declare_vectorizer("gap", description="global average pooling", meta={"out_features": _pool_out}),
    declare_vectorizer("gmp", description="global max pooling", meta={"out_features": _pool_out}),
    declare_vectorizer(
        "conv",
        description="lars76: a k x k valid convolution, then flatten",
        params={"filters": Param(4, int, ge=1), "kernel": Param(3, int, ge=1), "stride": Param(1, int, ge=1),
                "activation": _ACT},
        meta={"out_features": _conv_flat_out},
    ),
    declare_vectorizer(
        "vote",
        description="each cell of the map votes for a box around itself (convs); the box is the "
                    "softmax-weighted mean of the votes: (x1, y1, x2, y2), for a head with dense: false",
        params={"filters": Param(64, int, ge=1, help="width of the hidden conv (ReLU) the score and the votes read"),
                "kernel": Param(1, int, (1, 3, 5), help="side of the hidden conv ('same' padding): 3 lets each cell "
                                                   "see its neighbours before it scores and votes")},
        meta={"out_features": _box_out, "box_encoding": "xyxy"},
    ),
    declare_vectorizer(
        "conv_gap",
        description="Analytics Vidhya: Conv(filters, k, stride, relu, valid), then global average pooling",
        params={"filters": Param(1024, int, ge=1), "kernel": Param(3, int, ge=1), "stride": Param(2, int, ge=1),
                "activation": Param("relu", str, ("linear", "relu"))},
        meta={"out_features": _conv_gap_out},
    ),
)
