"""Shared pieces of the hand-written backbones."""
from __future__ import annotations

from torch import nn

from zoo.plugin import BN_EPSILON, BN_MOMENTUM

#: the core's batch norm of hand-written backbones, in torch's convention
BN_EPS = BN_EPSILON
TORCH_BN_MOMENTUM = 1 - BN_MOMENTUM


def batch_norm(channels: int) -> nn.BatchNorm2d:
    return nn.BatchNorm2d(channels, eps=BN_EPS, momentum=TORCH_BN_MOMENTUM)


def glorot(module: nn.Module) -> nn.Module:
    """Initialise the convolutions and dense layers we write by hand as Keras does (Glorot-uniform
    kernels, zero biases), so a recipe starts from the same distribution on both frameworks."""
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            nn.init.xavier_uniform_(m.weight)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
    return module
