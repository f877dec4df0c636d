"""The registrations of zoo-torch, as data (`zoo.plugin.component_hooks`, `zoo.plugin.weights_hook`):
where each component's factory lives and which weights load; no torch import here."""
from __future__ import annotations

from typing import Any

from zoo.plugin import EFFICIENTNET_LITE, component_hooks, hookimpl, weights_hook

FRAMEWORK = "torch"
#: kind -> {module of zoo_torch: the components whose factory (a function of their name) it defines}
FACTORIES = {
    "backbone": {"backbones.simple_cnn": ("simple_cnn",), "backbones.resnet": ("resnet18", "resnet50"),
                 "backbones.vgg": ("vgg16",), "backbones.mobilenet": ("mobilenet_v2",),
                 "backbones.efficientnet_lite": tuple(f"efficientnet_lite{n}" for n in EFFICIENTNET_LITE)},
    "vectorizer": {"vectorizers.pooling": ("flatten", "gap", "gmp"), "vectorizers.conv": ("conv", "conv_gap"),
                   "vectorizers.vote": ("vote",)},
    "head": {"heads.box": ("box", "box_class")},
    "loss": {"losses.regression": ("mse", "smooth_l1", "bce", "log_l2"), "losses.giou": ("giou",),
             "losses.classification": ("focal", "cross_entropy")},
}
#: timm's ImageNet trunks expect ImageNet mean / std
PREPROCESSING = {name: {"preprocessing": "torch"} for name in ("resnet18", "resnet50", "vgg16", "mobilenet_v2")}
#: the ImageNet weights timm downloads from the Hugging Face hub (cache aware, HF_HUB_OFFLINE
#: honoured), with the licenses of timm's pretrained_cfg
DOWNLOADS = {"downloads": {"resnet18": "Apache-2.0", "resnet50": "Apache-2.0", "vgg16": "BSD-3-Clause",
                           "mobilenet_v2": "Apache-2.0"},
             "url": "https://huggingface.co/timm", "description": "timm's default ImageNet tag, from the Hugging Face hub"}

register_backbones, register_vectorizers, register_heads, register_losses = component_hooks(
    FRAMEWORK, __package__, FACTORIES, meta=PREPROCESSING)
register_weights = weights_hook(FRAMEWORK, f"{__package__}.backbones.efficientnet_lite:load_imagenet", **DOWNLOADS)


@hookimpl
def register_frameworks(register: Any) -> None:
    register(FRAMEWORK, f"{__package__}.framework:TorchFramework", requirement="zoo-torch")
