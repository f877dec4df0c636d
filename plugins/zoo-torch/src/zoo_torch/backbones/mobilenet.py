"""MobileNetV2 trunks from timm (mobilenetv2_035 ... _140), up to the final 1x1 conv + BN + ReLU6:
1280 channels (1792 for alpha 1.4)."""
from __future__ import annotations

from torch import nn

from zoo_torch.weights import create_timm

TIMM_NAMES = {0.35: "mobilenetv2_035", 0.5: "mobilenetv2_050", 0.75: "mobilenetv2_075",
              1.0: "mobilenetv2_100", 1.4: "mobilenetv2_140"}


def mobilenet_v2(*, weights: str, alpha: float, input_size: tuple[int, int]) -> nn.Module:
    """(N, 3, H, W) -> (N, 1280 or 1792, H/32, W/32)."""
    del input_size
    return create_timm(TIMM_NAMES[float(alpha)], weights, num_classes=0, global_pool="")
