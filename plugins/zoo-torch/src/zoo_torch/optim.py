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

from zoo.plugin import ADAM_EPSILON, Plateau, TrainSpec


def make_optimizer(params: Iterable[Any], spec: TrainSpec) -> torch.optim.Optimizer:
    """The recipe's optimizer over `params` (tensors or param groups). Adam and AdamW are torch's
    fused kernels (one update for every tensor, no host read of the step count per tensor):
    mobilenet_v2's optimizer step measured 3.7x faster than the default per-tensor loop on CPU;
    on devices without fused kernels, the default."""
    params = list(params)
    if spec.optimizer in ("adam", "adamw"):
        kind = torch.optim.Adam if spec.optimizer == "adam" else torch.optim.AdamW
        return kind(params, lr=spec.lr, weight_decay=spec.weight_decay, eps=ADAM_EPSILON, fused=_fusable(params))
    if spec.optimizer == "sgd":
        return torch.optim.SGD(params, lr=spec.lr, momentum=spec.momentum, weight_decay=spec.weight_decay)
    raise ValueError(f"unknown optimizer {spec.optimizer!r}; valid: adam, adamw, sgd")


def _fusable(params: list[Any]) -> bool | None:
    tensors = [t for p in params for t in (p["params"] if isinstance(p, dict) else [p])]
    return True if tensors and all(t.device.type in ("cpu", "cuda") and t.is_floating_point() for t in tensors) \
        else None


class Schedule:
    """The recipe's schedule; call `step_batch` after every optimizer step and `step_epoch`
    with the epoch's val_loss."""

    def __init__(self, optimizer: torch.optim.Optimizer, spec: TrainSpec, steps_per_epoch: int) -> None:
        self.kind = spec.schedule
        self.optimizer = optimizer
        self.scheduler: Any = None
        self.plateau: Plateau | None = None
        if self.kind == "plateau":
            self.plateau = Plateau.of(spec)
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
        if self.plateau is not None and self.plateau.step(val_loss):
            for group in self.optimizer.param_groups:
                group["lr"] = self.plateau.reduce(group["lr"])

    def state_dict(self) -> dict[str, Any]:
        if self.plateau is not None:
            return {**self.plateau.state(), "lr": [g["lr"] for g in self.optimizer.param_groups]}
        return self.scheduler.state_dict() if self.scheduler is not None else {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if self.plateau is not None and state:
            self.plateau.restore(state)
            for group, lr in zip(self.optimizer.param_groups, state["lr"]):
                group["lr"] = lr
        elif self.scheduler is not None and state:
            self.scheduler.load_state_dict(state)
