"""Learning-rate rules that every framework must apply alike, written once.

`Plateau` is reduce-on-plateau with Keras' semantics (``keras.callbacks.ReduceLROnPlateau``: mode
min, ``min_delta`` 1e-4 absolute, cooldown 0): after ``patience`` epochs in a row without a val_loss
below ``best - min_delta``, lr becomes ``max(lr * factor, min_lr)`` (unless already at or below
``min_lr``) and the count restarts. A framework only reads and writes its learning rate::

    if plateau.step(val_loss):
        lr = plateau.reduce(lr)

torch's ``ReduceLROnPlateau`` is not used: it reduces one epoch later (``bad epochs > patience``,
so ``patience=0`` has no equivalent) and skips reductions smaller than its ``eps``.
"""
from __future__ import annotations

import math
from typing import Any


class Plateau:
    """The reduce-on-plateau rule and its state (``best``, ``wait``), which checkpoints keep."""

    MIN_DELTA = 1e-4

    def __init__(self, factor: float, patience: int, min_lr: float) -> None:
        self.factor, self.patience, self.min_lr = factor, patience, min_lr
        self.best, self.wait = math.inf, 0

    @classmethod
    def of(cls, spec: Any) -> Plateau:
        """From a recipe's `zoo.plugin.TrainSpec` (``factor``, ``plateau_patience``, ``min_lr``)."""
        return cls(spec.factor, spec.plateau_patience, spec.min_lr)

    def step(self, val_loss: float) -> bool:
        """Record one epoch's val_loss; True when the learning rate must be reduced now."""
        if val_loss < self.best - self.MIN_DELTA:
            self.best, self.wait = val_loss, 0
            return False
        self.wait += 1
        if self.wait >= self.patience:
            self.wait = 0
            return True
        return False

    def reduce(self, lr: float) -> float:
        """The reduced learning rate."""
        return max(lr * self.factor, self.min_lr) if lr > self.min_lr else lr

    def state(self) -> dict[str, float]:
        return {"best": self.best, "wait": self.wait}

    def restore(self, state: dict[str, Any]) -> None:
        self.best, self.wait = float(state["best"]), int(state["wait"])
