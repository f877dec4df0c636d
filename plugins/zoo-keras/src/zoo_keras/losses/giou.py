"""1 - generalized IoU of decoded xyxy boxes, as torchvision's generalized_box_iou_loss
(eps 1e-7, mean reduction), written with keras.ops so it is differentiable.

One difference, only for invalid predictions (x2 < x1 or y2 < y1): the prediction's x2, y2 are
raised to x1, y1 (an empty box). torchvision assumes valid boxes; on inverted ones its areas
turn negative and ``1 - GIoU`` falls without bound (a model trained with it learns inverted
boxes: loss -59 on the default recipe). Sorting the corners instead would make a swapped box
as good as the right one. For valid boxes the value is torchvision's exactly.
"""
from __future__ import annotations

from typing import Any

from zoo_keras._keras import ops
from zoo_keras.losses._base import Loss

EPS = 1e-7


def giou_loss(target: Any, pred: Any) -> Any:
    """Mean of 1 - GIoU over the batch; boxes (N, 4) normalized xyxy."""
    x1, y1 = pred[..., 0], pred[..., 1]
    x2, y2 = ops.maximum(pred[..., 2], x1), ops.maximum(pred[..., 3], y1)
    gx1, gy1, gx2, gy2 = (target[..., i] for i in range(4))
    ix1, iy1 = ops.maximum(x1, gx1), ops.maximum(y1, gy1)
    ix2, iy2 = ops.minimum(x2, gx2), ops.minimum(y2, gy2)
    # torchvision's "overlap ? w * h : 0", as relu(w) * relu(h): the same value and gradient, fewer ops
    inter = ops.relu(ix2 - ix1) * ops.relu(iy2 - iy1)
    union = (x2 - x1) * (y2 - y1) + (gx2 - gx1) * (gy2 - gy1) - inter
    iou = inter / (union + EPS)
    hull = (ops.maximum(x2, gx2) - ops.minimum(x1, gx1)) * (ops.maximum(y2, gy2) - ops.minimum(y1, gy1))
    return ops.mean(1.0 - (iou - (hull - union) / (hull + EPS)))


def giou() -> Loss:
    """Factory: the GIoU loss (space: decoded)."""
    return Loss("giou", giou_loss)
