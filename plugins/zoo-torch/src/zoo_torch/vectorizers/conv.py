"""conv (lars76: k x k valid conv + activation, then flatten in NHWC order) and conv_gap
(Analytics Vidhya: conv + activation, then global average pooling)."""
from __future__ import annotations

from torch import nn

from zoo.plugin import check_kernel_fits
from zoo_torch.vectorizers.pooling import Flatten, GlobalPool


def _conv_block(in_channels: int, in_size: tuple[int, int], filters: int, kernel: int, stride: int,
                activation: str, name: str) -> list[nn.Module]:
    check_kernel_fits(name, kernel, in_size)
    layers: list[nn.Module] = [nn.Conv2d(in_channels, filters, kernel, stride=stride, padding=0)]
    if activation == "relu":
        layers.append(nn.ReLU(inplace=True))
    return layers


def conv(*, in_channels: int, in_size: tuple[int, int], filters: int, kernel: int, stride: int,
         activation: str) -> nn.Sequential:
    """(N, C, h, w) -> (N, filters * h' * w')."""
    return nn.Sequential(*_conv_block(in_channels, in_size, filters, kernel, stride, activation, "conv"), Flatten())


def conv_gap(*, in_channels: int, in_size: tuple[int, int], filters: int, kernel: int, stride: int,
             activation: str) -> nn.Sequential:
    """(N, C, h, w) -> (N, filters)."""
    return nn.Sequential(*_conv_block(in_channels, in_size, filters, kernel, stride, activation, "conv_gap"),
                         GlobalPool("avg"))
