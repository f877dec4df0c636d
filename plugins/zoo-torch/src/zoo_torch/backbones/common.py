"""Shared pieces of the hand-written backbones."""
from __future__ import annotations

from torch import nn

#: Keras-style batch norm everywhere we write layers by hand: eps 1e-3, momentum 0.99 (torch 0.01)
BN_EPS = 1e-3
BN_MOMENTUM = 0.01


def batch_norm(channels: int) -> nn.BatchNorm2d:
    return nn.BatchNorm2d(channels, eps=BN_EPS, momentum=BN_MOMENTUM)
