"""The registrations of zoo-example: declarations here, factories by "module:function" string,
so loading the plugin imports no framework."""
from __future__ import annotations

from typing import Any

from zoo.plugin import Param, declare_backbone, declare_dataset, declare_loss, hookimpl

EFFICIENTNET_B0 = declare_backbone(
    "efficientnet_b0",
    description="EfficientNet-B0 trunk up to the 1280-channel head conv (timm / keras.applications)",
    # torch: timm's ImageNet weights expect ImageNet mean/std ("torch"). Keras: EfficientNetB0
    # rescales and normalizes inside and expects [0, 255], so its registration says "raw".
    meta={"out_channels": 1280, "preprocessing": "torch", "stride": 32},
)

DIOU = declare_loss(
    "diou", target="box", space="decoded",
    description="1 - distance IoU of the decoded boxes (Zheng et al. 2020; torchvision's eps 1e-7)",
)

LABELME = declare_dataset(
    "labelme",
    description="LabelMe JSON folder: one JSON per image, the largest rectangle is its box",
    params={
        "root": Param("", str, help="folder of the LabelMe .json files (searched recursively)"),
        "classes": Param(True, bool, help="use the rectangle labels as classes"),
        "val": Param(0.1, float, help="share of items in the val split"),
        "test_share": Param(0.2, float, help="share of items in the test split"),
        "seed": Param(0, int, help="seed of the split"),
        "strict": Param(False, bool, help="turn every skipped JSON into an error"),
    },
    classes=lambda p: {"classes": bool(p["classes"])},
)


@hookimpl
def register_backbones(register: Any) -> None:
    register(EFFICIENTNET_B0, "zoo_example.torch_backbone:efficientnet_b0", framework="torch")
    register(EFFICIENTNET_B0, "zoo_example.keras_backbone:efficientnet_b0", framework="keras",
             meta={"preprocessing": "raw"})


@hookimpl
def register_weights(register: Any) -> None:
    # the factories load these themselves (timm's hub / keras.applications' download, cache aware)
    register("imagenet", backbone="efficientnet_b0", frameworks=("torch",), license="Apache-2.0",
             url="https://huggingface.co/timm/efficientnet_b0.ra_in1k", description="timm's efficientnet_b0.ra_in1k")
    register("imagenet", backbone="efficientnet_b0", frameworks=("keras",), license="Apache-2.0",
             url="https://keras.io/api/applications/efficientnet/", description="keras.applications' EfficientNetB0")


@hookimpl
def register_losses(register: Any) -> None:
    register(DIOU, "zoo_example.torch_loss:diou", framework="torch")
    register(DIOU, "zoo_example.keras_loss:diou", framework="keras")


@hookimpl
def register_datasets(register: Any) -> None:
    register(LABELME, "zoo_example.labelme:labelme")
