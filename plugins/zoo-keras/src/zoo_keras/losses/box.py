"""Box losses on the encoded box: mse, smooth_l1, bce (Keras' own) and log_l2 (lars76)."""
from __future__ import annotations

from typing import Any

from zoo_keras._keras import keras, ops
from zoo_keras.losses._base import Loss


def mse() -> Loss:
    """mean((p - t)^2) over all values."""
    return Loss("mse", keras.losses.MeanSquaredError())


def smooth_l1(beta: float = 1.0) -> Loss:
    """Huber(delta=beta) / beta = torch's smooth_l1_loss(beta), the mean over all values."""
    if beta <= 0:
        raise ValueError(f"smooth_l1: beta must be > 0, got {beta}")
    return Loss("smooth_l1", keras.losses.Huber(delta=beta), 1.0 / beta)


def bce() -> Loss:
    """Binary cross-entropy with soft targets, p clipped to [1e-7, 1 - 1e-7]."""
    return Loss("bce", keras.losses.BinaryCrossentropy())


def _log_l2(target: Any, pred: Any) -> Any:
    return ops.mean(ops.log1p(ops.square(pred - target)))


def log_l2() -> Loss:
    """lars76's log-MSE: mean(log((p - t)^2 + 1))."""
    return Loss("log_l2", _log_l2)
