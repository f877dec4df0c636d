"""The registrations of zoo-keras, as data (`zoo.plugin.component_hooks`, `zoo.plugin.weights_hook`):
where each component's factory lives and which weights load; no framework import here."""
from __future__ import annotations

from typing import Any

from zoo.plugin import EFFICIENTNET_LITE, component_hooks, hookimpl, weights_hook

FW = "keras"
#: kind -> {module of zoo_keras: the components whose factory (a function of their name) it defines}
FACTORIES = {
    "backbone": {"backbones.simple_cnn": ("simple_cnn",), "backbones.resnet18": ("resnet18",),
                 "backbones.applications": ("resnet50", "vgg16", "mobilenet_v2"),
                 "backbones.efficientnet_lite": tuple(f"efficientnet_lite{n}" for n in EFFICIENTNET_LITE)},
    "vectorizer": {"vectorizers.pooling": ("flatten", "gap", "gmp"), "vectorizers.conv": ("conv", "conv_gap"),
                   "vectorizers.vote": ("vote",)},
    "head": {"heads.box": ("box", "box_class")},
    "loss": {"losses.box": ("mse", "smooth_l1", "bce", "log_l2"), "losses.giou": ("giou",),
             "losses.classification": ("focal", "cross_entropy")},
}
#: what each backbone's Keras weights expect (keras.applications' own modes, resnet18 ported from
#: timm); the subclassed ones cannot keep layers frozen by stride (`zoo_keras.freeze`)
META = {"simple_cnn": {"preprocessing": "unit", "freeze_stride": False},
        "resnet18": {"preprocessing": "torch", "freeze_stride": False},
        "resnet50": {"preprocessing": "caffe"}, "vgg16": {"preprocessing": "caffe"},
        "mobilenet_v2": {"preprocessing": "tf"}}
#: the ImageNet files keras.applications downloads (cached under ~/.keras/models), with their
#: licenses as the keras-applications README states them
DOWNLOADS = {"downloads": {"resnet50": "MIT", "vgg16": "CC-BY-4.0", "mobilenet_v2": "Apache-2.0"},
             "url": "https://github.com/keras-team/keras-applications",
             "description": "keras.applications' ImageNet file, downloaded on first use"}

register_backbones, register_vectorizers, register_heads, register_losses = component_hooks(
    FW, __package__, FACTORIES, meta=META)
register_weights = weights_hook(FW, f"{__package__}.backbones.efficientnet_lite:load_imagenet", **DOWNLOADS)


@hookimpl
def register_frameworks(register: Any) -> None:
    register("keras", f"{__package__}.framework:KerasFramework", requirement="zoo-keras")
