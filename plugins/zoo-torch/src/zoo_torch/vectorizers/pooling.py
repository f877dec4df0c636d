"""flatten (NHWC order, so dense weights carry to Keras unchanged), gap and gmp:
(N, C, h, w) -> (N, D)."""
from __future__ import annotations

import torch
from torch import nn


class Flatten(nn.Module):
    """(N, C, h, w) -> (N, h*w*C) in NHWC order."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.permute(0, 2, 3, 1).flatten(1)


class GlobalPool(nn.Module):
    """(N, C, h, w) -> (N, C): mean ("avg") or max over the spatial axes."""

    def __init__(self, mode: str) -> None:
        super().__init__()
        self.mode = mode

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.mean((2, 3)) if self.mode == "avg" else x.amax((2, 3))

    def extra_repr(self) -> str:
        return self.mode


def flatten(*, in_channels: int, in_size: tuple[int, int]) -> nn.Module:
    del in_channels, in_size
    return Flatten()


def gap(*, in_channels: int, in_size: tuple[int, int]) -> nn.Module:
    del in_channels, in_size
    return GlobalPool("avg")


def gmp(*, in_channels: int, in_size: tuple[int, int]) -> nn.Module:
    del in_channels, in_size
    return GlobalPool("max")
