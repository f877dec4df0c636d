"""Hook implementations only: one registration per component. No torch import here."""
from __future__ import annotations

from typing import Any

from zoo.plugin import EFFICIENTNET_LITE, EFFICIENTNET_LITE_IMAGENET, hookimpl

_PKG = "zoo_torch"
FRAMEWORK = "torch"
#: licenses of timm's default ImageNet weights (timm's pretrained_cfg "license")
TIMM_HUB_LICENSES = {"resnet18": "Apache-2.0", "resnet50": "Apache-2.0", "vgg16": "BSD-3-Clause",
                     "mobilenet_v2": "Apache-2.0"}


@hookimpl
def register_backbones(register: Any) -> None:
    register("simple_cnn", f"{_PKG}.backbones.simple_cnn:simple_cnn", framework=FRAMEWORK)
    register("resnet18", f"{_PKG}.backbones.resnet:resnet18", framework=FRAMEWORK, meta={"preprocessing": "torch"})
    register("resnet50", f"{_PKG}.backbones.resnet:resnet50", framework=FRAMEWORK, meta={"preprocessing": "torch"})
    register("vgg16", f"{_PKG}.backbones.vgg:vgg16", framework=FRAMEWORK, meta={"preprocessing": "torch"})
    register("mobilenet_v2", f"{_PKG}.backbones.mobilenet:mobilenet_v2", framework=FRAMEWORK,
             meta={"preprocessing": "torch"})
    for n in EFFICIENTNET_LITE:
        register(f"efficientnet_lite{n}", f"{_PKG}.backbones.efficientnet_lite:efficientnet_lite{n}",
                 framework=FRAMEWORK)


@hookimpl
def register_weights(register: Any) -> None:
    for n, fields in EFFICIENTNET_LITE_IMAGENET.items():
        register("imagenet", frameworks=(FRAMEWORK,), loader=f"{_PKG}.backbones.efficientnet_lite:load_imagenet",
                 **fields)
    # timm downloads these from the Hugging Face hub (cache aware, HF_HUB_OFFLINE honoured)
    for backbone, license_ in TIMM_HUB_LICENSES.items():
        register("imagenet", backbone=backbone, frameworks=(FRAMEWORK,), license=license_,
                 url="https://huggingface.co/timm", description="timm's default ImageNet tag, from the Hugging Face hub")


@hookimpl
def register_vectorizers(register: Any) -> None:
    register("flatten", f"{_PKG}.vectorizers.pooling:flatten", framework=FRAMEWORK)
    register("gap", f"{_PKG}.vectorizers.pooling:gap", framework=FRAMEWORK)
    register("gmp", f"{_PKG}.vectorizers.pooling:gmp", framework=FRAMEWORK)
    register("conv", f"{_PKG}.vectorizers.conv:conv", framework=FRAMEWORK)
    register("conv_gap", f"{_PKG}.vectorizers.conv:conv_gap", framework=FRAMEWORK)


@hookimpl
def register_heads(register: Any) -> None:
    register("box", f"{_PKG}.heads.box:box", framework=FRAMEWORK)
    register("box_class", f"{_PKG}.heads.box:box_class", framework=FRAMEWORK)


@hookimpl
def register_losses(register: Any) -> None:
    register("mse", f"{_PKG}.losses.regression:mse", framework=FRAMEWORK)
    register("smooth_l1", f"{_PKG}.losses.regression:smooth_l1", framework=FRAMEWORK)
    register("bce", f"{_PKG}.losses.regression:bce", framework=FRAMEWORK)
    register("log_l2", f"{_PKG}.losses.regression:log_l2", framework=FRAMEWORK)
    register("giou", f"{_PKG}.losses.giou:giou", framework=FRAMEWORK)
    register("focal", f"{_PKG}.losses.classification:focal", framework=FRAMEWORK)
    register("cross_entropy", f"{_PKG}.losses.classification:cross_entropy", framework=FRAMEWORK)


@hookimpl
def register_frameworks(register: Any) -> None:
    register(FRAMEWORK, f"{_PKG}.framework:TorchFramework", requirement="zoo-torch")
