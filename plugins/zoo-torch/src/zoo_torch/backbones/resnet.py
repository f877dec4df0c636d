"""ResNet trunks from timm (``num_classes=0, global_pool=""``: the model returns the last
feature map). resnet18 uses Keras-style batch norm (eps 1e-3, momentum 0.9) so it matches the
hand-written Keras resnet18 exactly, and starts every BN gamma at 1 as Keras does (timm's
``zero_init_last`` would zero each block's last gamma: the shared initial weights would then differ
between frameworks); resnet50 keeps timm's defaults."""
from __future__ import annotations

from functools import partial

from torch import nn

from zoo_torch.backbones.common import BN_EPS, TORCH_BN_MOMENTUM
from zoo_torch.weights import create_timm


def resnet18(*, weights: str, input_size: tuple[int, int]) -> nn.Module:
    """(N, 3, H, W) -> (N, 512, H/32, W/32); 11,176,512 parameters."""
    del input_size
    norm = partial(nn.BatchNorm2d, eps=BN_EPS, momentum=TORCH_BN_MOMENTUM)
    return create_timm("resnet18", weights, num_classes=0, global_pool="", norm_layer=norm, zero_init_last=False)


def resnet50(*, weights: str, input_size: tuple[int, int]) -> nn.Module:
    """(N, 3, H, W) -> (N, 2048, H/32, W/32)."""
    del input_size
    return create_timm("resnet50", weights, num_classes=0, global_pool="")
