"""Box regression losses on encoded boxes, ``loss(pred, target) -> scalar`` (means over all
elements), computed in float32 whatever the autocast precision."""
from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F

EPS = 1e-7
Loss = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def _f32(fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor], name: str) -> Loss:
    def loss(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return fn(pred.float(), target.float())

    loss.__name__ = loss.__qualname__ = name
    return loss


def mse() -> Loss:
    """mean((p - t)^2)."""
    return _f32(F.mse_loss, "mse")


def smooth_l1(*, beta: float) -> Loss:
    """mean(0.5 d^2 / beta if |d| < beta else |d| - 0.5 beta)."""
    return _f32(lambda p, t: F.smooth_l1_loss(p, t, beta=beta), "smooth_l1")


def bce() -> Loss:
    """mean(-(t log p + (1 - t) log(1 - p))), p clipped to [1e-7, 1 - 1e-7]; soft targets allowed."""
    def fn(p: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        p = p.clamp(EPS, 1 - EPS)
        return -(t * torch.log(p) + (1 - t) * torch.log(1 - p)).mean()

    return _f32(fn, "bce")


def log_l2() -> Loss:
    """lars76: mean(log((p - t)^2 + 1))."""
    return _f32(lambda p, t: torch.log1p((p - t) ** 2).mean(), "log_l2")
