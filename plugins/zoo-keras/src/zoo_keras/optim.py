"""Optimizer and learning-rate schedule of a `zoo.recipes.TrainSpec`.

adam and sgd take ``weight_decay`` as an L2 term on the gradient (as torch's Adam / SGD; the
localizer adds it to the loss, see `l2_penalty`); adamw decays decoupled (Keras' AdamW = torch's).
Schedules: exponential ``lr * rate ** (step / decay_steps)`` (continuous) and cosine from lr to
min_lr over all steps are Keras schedules of the optimizer's step count; plateau is `Plateau`,
a callback on val_loss whose state is checkpointed.
"""
from __future__ import annotations

from typing import Any

from zoo.recipes import ADAM_EPSILON, TrainSpec

from zoo_keras._keras import keras, ops


def learning_rate(spec: TrainSpec, steps_per_epoch: int) -> Any:
    """A float, or a Keras LearningRateSchedule of the iteration count."""
    if spec.schedule == "exponential":
        return keras.optimizers.schedules.ExponentialDecay(spec.lr, spec.decay_steps, spec.decay_rate,
                                                           staircase=False)
    if spec.schedule == "cosine":
        total = max(1, spec.epochs * steps_per_epoch)
        return keras.optimizers.schedules.CosineDecay(spec.lr, total, alpha=min(1.0, spec.min_lr / spec.lr))
    return spec.lr


def make_optimizer(spec: TrainSpec, steps_per_epoch: int) -> Any:
    """The recipe's optimizer with its schedule."""
    lr = learning_rate(spec, steps_per_epoch)
    if spec.optimizer == "adam":
        return keras.optimizers.Adam(lr, epsilon=ADAM_EPSILON)
    if spec.optimizer == "adamw":
        return keras.optimizers.AdamW(lr, weight_decay=spec.weight_decay, epsilon=ADAM_EPSILON)
    if spec.optimizer == "sgd":
        return keras.optimizers.SGD(lr, momentum=spec.momentum)
    raise ValueError(f"optimizer {spec.optimizer!r} is not one of adam, adamw, sgd")


def l2_penalty(spec: TrainSpec) -> float:
    """The coefficient c of ``c * sum(w^2)`` added to the loss (c = weight_decay / 2, so the
    gradient gains weight_decay * w as in torch), 0 for adamw."""
    return spec.weight_decay / 2 if spec.optimizer in ("adam", "sgd") else 0.0


def current_lr(optimizer: Any) -> float:
    return float(ops.convert_to_numpy(optimizer.learning_rate))


class Plateau:
    """Keras' ReduceLROnPlateau on val_loss (mode min, min_delta 1e-4 absolute, cooldown 0), as
    zoo-torch: after ``patience`` epochs without improvement, lr = max(lr * factor, min_lr).
    Its state (best, wait) is checkpointed, which Keras' callback does not allow."""

    MIN_DELTA = 1e-4

    def __init__(self, spec: TrainSpec) -> None:
        self.factor, self.patience, self.min_lr = spec.factor, spec.patience, spec.min_lr
        self.best = float("inf")
        self.wait = 0

    def step(self, optimizer: Any, val_loss: float) -> None:
        if val_loss < self.best - self.MIN_DELTA:
            self.best, self.wait = val_loss, 0
            return
        self.wait += 1
        if self.wait >= self.patience:
            lr = current_lr(optimizer)
            optimizer.learning_rate.assign(max(lr * self.factor, self.min_lr))
            self.wait = 0

    def state(self) -> dict[str, float]:
        return {"best": self.best, "wait": self.wait}

    def restore(self, state: dict[str, float]) -> None:
        self.best, self.wait = float(state["best"]), int(state["wait"])
