"""GIoU loss on decoded normalized xyxy boxes: mean(1 - GIoU) (torchvision, eps 1e-7)."""
from __future__ import annotations

import torch
from torchvision.ops import generalized_box_iou_loss

from zoo_torch.losses.regression import Loss


def giou() -> Loss:
    """``loss(pred_xyxy (N, 4), target_xyxy (N, 4)) -> scalar``."""
    def loss(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return generalized_box_iou_loss(pred.float(), target.float(), reduction="mean", eps=1e-7)

    loss.__name__ = loss.__qualname__ = "giou"
    return loss
