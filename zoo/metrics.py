"""Evaluation metrics, computed once here in numpy for every framework.

All boxes are normalized xyxy. IoU clamps the intersection at zero on each axis (the lars76
seed did not, which gave disjoint boxes a spurious positive IoU) and treats inverted
predictions as empty.
"""
from __future__ import annotations

from typing import Any

import numpy as np

CORLOC_IOU = 0.5


def iou(pred: np.ndarray, true: np.ndarray) -> np.ndarray:
    """Per-row IoU of two (N, 4) xyxy arrays, in [0, 1]."""
    pred = np.asarray(pred, np.float64)
    true = np.asarray(true, np.float64)
    iw = np.clip(np.minimum(pred[:, 2], true[:, 2]) - np.maximum(pred[:, 0], true[:, 0]), 0, None)
    ih = np.clip(np.minimum(pred[:, 3], true[:, 3]) - np.maximum(pred[:, 1], true[:, 1]), 0, None)
    inter = iw * ih
    area_p = np.clip(pred[:, 2] - pred[:, 0], 0, None) * np.clip(pred[:, 3] - pred[:, 1], 0, None)
    area_t = np.clip(true[:, 2] - true[:, 0], 0, None) * np.clip(true[:, 3] - true[:, 1], 0, None)
    union = area_p + area_t - inter
    return np.where(union > 0, inter / np.where(union > 0, union, 1), 0.0)


def localization_metrics(pred_boxes: np.ndarray, true_boxes: np.ndarray,
                         pred_labels: np.ndarray | None = None,
                         true_labels: np.ndarray | None = None) -> dict[str, float]:
    """mean IoU, CorLoc (share with IoU >= 0.5) and, with labels, accuracy and top-1 localization."""
    ious = iou(pred_boxes, true_boxes)
    hit = ious >= CORLOC_IOU
    out = {"iou": float(ious.mean()) if len(ious) else 0.0,
           "corloc": float(hit.mean()) if len(ious) else 0.0,
           "n": int(len(ious))}
    if pred_labels is not None and true_labels is not None and len(true_labels):
        right = np.asarray(pred_labels) == np.asarray(true_labels)
        out["accuracy"] = float(right.mean())
        out["top1_loc"] = float((right & hit).mean())
    return out


def mean_box(train_boxes: np.ndarray) -> np.ndarray:
    """The mean training box, the baseline every model must beat."""
    return np.asarray(train_boxes, np.float64).mean(axis=0)


def baseline_metrics(train_boxes: np.ndarray, true_boxes: np.ndarray,
                     train_labels: np.ndarray | None = None,
                     true_labels: np.ndarray | None = None) -> dict[str, Any]:
    """Metrics of always predicting the mean training box (and the most common training class)."""
    box = mean_box(train_boxes)
    pred = np.repeat(box[None], len(true_boxes), axis=0)
    labels = None
    if train_labels is not None and true_labels is not None and len(train_labels) and train_labels.min() >= 0:
        labels = np.full(len(true_boxes), np.bincount(train_labels).argmax())
    out: dict[str, Any] = localization_metrics(pred, true_boxes, labels, true_labels if labels is not None else None)
    out["box"] = [round(float(v), 4) for v in box]
    return out
