"""Optimizer and learning-rate schedule from a recipe's `zoo.recipes.TrainSpec`.

Schedules: none; plateau (Keras semantics, on val_loss, per epoch: lr *= factor after `patience`
epochs without improvement, floor min_lr); exponential (per step, continuous: lr * decay_rate ** (step /
decay_steps)); cosine (per step from lr to min_lr over epochs * steps_per_epoch).
"""
from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import torch

from zoo.recipes import ADAM_EPSILON, TrainSpec


def make_optimizer(params: Iterable[torch.nn.Parameter], spec: TrainSpec) -> torch.optim.Optimizer:
    if spec.optimizer == "adam":
        return torch.optim.Adam(params, lr=spec.lr, weight_decay=spec.weight_decay, eps=ADAM_EPSILON)
    if spec.optimizer == "adamw":
        return torch.optim.AdamW(params, lr=spec.lr, weight_decay=spec.weight_decay, eps=ADAM_EPSILON)
    if spec.optimizer == "sgd":
        return torch.optim.SGD(params, lr=spec.lr, momentum=spec.momentum, weight_decay=spec.weight_decay)
    raise ValueError(f"unknown optimizer {spec.optimizer!r}; valid: adam, adamw, sgd")


class Plateau:
    """Keras' ReduceLROnPlateau (mode min, min_delta 1e-4 absolute, cooldown 0): after `patience`
    epochs without improvement, lr = max(lr * factor, min_lr). (torch's waits one epoch longer.)"""

    MIN_DELTA = 1e-4

    def __init__(self, optimizer: torch.optim.Optimizer, factor: float, patience: int, min_lr: float) -> None:
        self.optimizer, self.factor, self.patience, self.min_lr = optimizer, factor, patience, min_lr
        self.best, self.wait = math.inf, 0

    def step(self, value: float) -> None:
        if value < self.best - self.MIN_DELTA:
            self.best, self.wait = value, 0
            return
        self.wait += 1
        if self.wait >= self.patience:
            for group in self.optimizer.param_groups:
                if group["lr"] > self.min_lr:
                    group["lr"] = max(group["lr"] * self.factor, self.min_lr)
            self.wait = 0

    def state_dict(self) -> dict[str, Any]:
        return {"best": self.best, "wait": self.wait, "lr": [g["lr"] for g in self.optimizer.param_groups]}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.best, self.wait = state["best"], state["wait"]
        for group, lr in zip(self.optimizer.param_groups, state["lr"]):
            group["lr"] = lr


class Schedule:
    """The recipe's schedule; call `step_batch` after every optimizer step and `step_epoch`
    with the epoch's val_loss."""

    def __init__(self, optimizer: torch.optim.Optimizer, spec: TrainSpec, steps_per_epoch: int) -> None:
        self.kind = spec.schedule
        self.optimizer = optimizer
        self.scheduler: Any = None
        if self.kind == "plateau":
            self.scheduler = Plateau(optimizer, spec.factor, spec.patience, spec.min_lr)
        elif self.kind == "exponential":
            rate, steps = spec.decay_rate, spec.decay_steps
            self.scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: rate ** (s / steps))
        elif self.kind == "cosine":
            total = max(1, spec.epochs * steps_per_epoch)
            lr, floor = spec.lr, min(spec.min_lr, spec.lr)

            def cosine(step: int) -> float:
                done = min(step, total) / total
                return (floor + (lr - floor) * 0.5 * (1 + math.cos(math.pi * done))) / lr

            self.scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, cosine)
        elif self.kind != "none":
            raise ValueError(f"unknown schedule {self.kind!r}; valid: none, plateau, exponential, cosine")

    @property
    def lr(self) -> float:
        return float(self.optimizer.param_groups[0]["lr"])

    def step_batch(self) -> None:
        if self.kind in ("exponential", "cosine"):
            self.scheduler.step()

    def step_epoch(self, val_loss: float) -> None:
        if self.kind == "plateau":
            self.scheduler.step(val_loss)

    def state_dict(self) -> dict[str, Any]:
        return self.scheduler.state_dict() if self.scheduler is not None else {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if self.scheduler is not None and state:
            self.scheduler.load_state_dict(state)
