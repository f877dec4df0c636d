"""zoo hook implementations of zoo-keras: one line per component, no framework import."""
from __future__ import annotations

from typing import Any

from zoo.hookspecs import hookimpl

FW = "keras"
_B = "zoo_keras.backbones"
_V = "zoo_keras.vectorizers"
_H = "zoo_keras.heads"
_L = "zoo_keras.losses"


@hookimpl
def register_backbones(register: Any) -> None:
    register("simple_cnn", f"{_B}.simple_cnn:simple_cnn", framework=FW, meta={"preprocessing": "unit"})
    register("resnet18", f"{_B}.resnet18:resnet18", framework=FW, meta={"preprocessing": "torch"})
    register("resnet50", f"{_B}.applications:resnet50", framework=FW, meta={"preprocessing": "caffe"})
    register("vgg16", f"{_B}.applications:vgg16", framework=FW, meta={"preprocessing": "caffe"})
    register("mobilenet_v2", f"{_B}.applications:mobilenet_v2", framework=FW, meta={"preprocessing": "tf"})


@hookimpl
def register_vectorizers(register: Any) -> None:
    register("flatten", f"{_V}.pooling:flatten", framework=FW)
    register("gap", f"{_V}.pooling:gap", framework=FW)
    register("gmp", f"{_V}.pooling:gmp", framework=FW)
    register("conv", f"{_V}.conv:conv", framework=FW)
    register("conv_gap", f"{_V}.conv:conv_gap", framework=FW)


@hookimpl
def register_heads(register: Any) -> None:
    register("box", f"{_H}.box:box", framework=FW)
    register("box_class", f"{_H}.box:box_class", framework=FW)


@hookimpl
def register_losses(register: Any) -> None:
    register("mse", f"{_L}.box:mse", framework=FW)
    register("smooth_l1", f"{_L}.box:smooth_l1", framework=FW)
    register("bce", f"{_L}.box:bce", framework=FW)
    register("log_l2", f"{_L}.box:log_l2", framework=FW)
    register("giou", f"{_L}.giou:giou", framework=FW)
    register("focal", f"{_L}.classification:focal", framework=FW)
    register("cross_entropy", f"{_L}.classification:cross_entropy", framework=FW)


@hookimpl
def register_frameworks(register: Any) -> None:
    register("keras", "zoo_keras.framework:KerasFramework", requirement="zoo-keras")
