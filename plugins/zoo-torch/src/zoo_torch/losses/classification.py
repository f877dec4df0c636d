"""Class losses, ``loss(logits (N, K), labels (N,) int) -> scalar``."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torchvision.ops import sigmoid_focal_loss

from zoo_torch.losses.regression import EPS, Loss


def focal(*, alpha: float, gamma: float, mode: str) -> Loss:
    """softmax (lars76): mean over N x K of -[alpha (1-q)^gamma y log q + (1-alpha) q^gamma (1-y) log(1-q)],
    q = softmax(logits) clipped to [1e-7, 1-1e-7], y one-hot. binary: torchvision's
    sigmoid_focal_loss with one-hot targets, mean over N x K."""
    def loss(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        logits = logits.float()
        y = F.one_hot(labels.long(), logits.shape[-1]).float()
        if mode == "binary":
            return sigmoid_focal_loss(logits, y, alpha=alpha, gamma=gamma, reduction="mean")
        q = logits.softmax(-1).clamp(EPS, 1 - EPS)
        pos = alpha * (1 - q) ** gamma * y * torch.log(q)
        neg = (1 - alpha) * q ** gamma * (1 - y) * torch.log(1 - q)
        return -(pos + neg).mean()

    loss.__name__ = loss.__qualname__ = f"focal_{mode}"
    return loss


def cross_entropy() -> Loss:
    """mean softmax cross-entropy."""
    def loss(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        return F.cross_entropy(logits.float(), labels.long())

    loss.__name__ = loss.__qualname__ = "cross_entropy"
    return loss
