"""zoo hook implementations of zoo-keras: one line per component, no framework import."""
from __future__ import annotations

from typing import Any

from zoo.plugin import EFFICIENTNET_LITE, EFFICIENTNET_LITE_IMAGENET, hookimpl

FW = "keras"
KERAS_HUB_LICENSES = {"resnet50": "MIT", "vgg16": "CC-BY-4.0", "mobilenet_v2": "Apache-2.0"}
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
    for n in EFFICIENTNET_LITE:
        register(f"efficientnet_lite{n}", f"{_B}.efficientnet_lite:efficientnet_lite{n}", framework=FW)


@hookimpl
def register_weights(register: Any) -> None:
    for fields in EFFICIENTNET_LITE_IMAGENET.values():
        register("imagenet", frameworks=(FW,), loader=f"{_B}.efficientnet_lite:load_imagenet", **fields)
    # keras.applications downloads these (cached under ~/.keras/models); licenses of the files as
    # the keras-applications README states them
    for backbone, license_ in KERAS_HUB_LICENSES.items():
        register("imagenet", backbone=backbone, frameworks=(FW,), license=license_,
                 url="https://github.com/keras-team/keras-applications",
                 description="keras.applications' ImageNet file, downloaded on first use")


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
