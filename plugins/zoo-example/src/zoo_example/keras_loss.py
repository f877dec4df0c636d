"""DIoU loss on Keras with keras.ops, the same formula as torchvision's distance_box_iou_loss
(eps 1e-7): 1 - IoU + (centre distance)^2 / (enclosing box diagonal)^2, mean over the batch."""
from __future__ import annotations

import os
from typing import Any

EPS = 1e-7


def diou() -> Any:
    """``loss(pred_xyxy (N, 4), target_xyxy (N, 4)) -> scalar``."""
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    from keras import ops

    def loss(pred: Any, target: Any) -> Any:
        pred, target = ops.cast(pred, "float32"), ops.cast(target, "float32")
        x1, y1, x2, y2 = (pred[..., i] for i in range(4))
        gx1, gy1, gx2, gy2 = (target[..., i] for i in range(4))
        ix1, iy1 = ops.maximum(x1, gx1), ops.maximum(y1, gy1)
        ix2, iy2 = ops.minimum(x2, gx2), ops.minimum(y2, gy2)
        inter = ops.where(ops.logical_and(ix2 > ix1, iy2 > iy1), (ix2 - ix1) * (iy2 - iy1), ops.zeros_like(x1))
        union = (x2 - x1) * (y2 - y1) + (gx2 - gx1) * (gy2 - gy1) - inter
        iou = inter / (union + EPS)
        diag = (ops.maximum(x2, gx2) - ops.minimum(x1, gx1)) ** 2 + (ops.maximum(y2, gy2) - ops.minimum(y1, gy1)) ** 2
        centres = ((x1 + x2) / 2 - (gx1 + gx2) / 2) ** 2 + ((y1 + y2) / 2 - (gy1 + gy2) / 2) ** 2
        return ops.mean(1.0 - iou + centres / (diag + EPS))

    loss.__name__ = loss.__qualname__ = "diou"
    return loss
