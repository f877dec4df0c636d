"""Class losses on (logits (N, K), labels (N,) int): focal (lars76 softmax or torchvision's
sigmoid form) and softmax cross-entropy."""
from __future__ import annotations

from typing import Any

from zoo_keras._keras import keras, ops

CLIP = 1e-7


class ClassLoss:
    """``loss(logits, labels)``: casts logits to float32, labels to int32, one-hots them when asked."""

    def __init__(self, name: str, fn: Any, one_hot: bool) -> None:
        self.name, self.fn, self.one_hot = name, fn, one_hot

    def __call__(self, logits: Any, labels: Any) -> Any:
        logits = ops.cast(logits, "float32")
        labels = ops.cast(ops.reshape(labels, (-1,)), "int32")
        target = ops.one_hot(labels, ops.shape(logits)[-1]) if self.one_hot else labels
        return self.fn(target, logits)

    def __repr__(self) -> str:
        return f"<zoo_keras loss {self.name}>"


def _softmax_focal(alpha: float, gamma: float) -> Any:
    def fn(y: Any, logits: Any) -> Any:
        q = ops.clip(ops.softmax(logits, axis=-1), CLIP, 1.0 - CLIP)
        pos = alpha * ops.power(1.0 - q, gamma) * y * ops.log(q)
        neg = (1.0 - alpha) * ops.power(q, gamma) * (1.0 - y) * ops.log(1.0 - q)
        return -ops.mean(pos + neg)
    return fn


def focal(alpha: float = 0.9, gamma: float = 2.0, mode: str = "softmax") -> ClassLoss:
    """softmax: lars76's per-class focal loss on clipped softmax probabilities, mean over N x K;
    binary: torchvision's sigmoid_focal_loss (Keras' BinaryFocalCrossentropy with class
    balancing), mean over N x K."""
    if mode == "softmax":
        return ClassLoss("focal", _softmax_focal(alpha, gamma), one_hot=True)
    if mode == "binary":
        return ClassLoss("focal", keras.losses.BinaryFocalCrossentropy(
            apply_class_balancing=True, alpha=alpha, gamma=gamma, from_logits=True), one_hot=True)
    raise ValueError(f"focal: mode {mode!r} is not one of 'softmax', 'binary'")


def cross_entropy() -> ClassLoss:
    """Softmax cross-entropy, the mean over the batch."""
    return ClassLoss("cross_entropy", keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                     one_hot=False)
