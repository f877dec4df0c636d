"""The shared calling convention: Keras losses take (y_true, y_pred); zoo's take (pred, target)."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from zoo_keras._keras import ops


class Loss:
    """Wraps ``fn(target, pred)`` into ``loss(pred, target)``, both cast to float32, times `scale`."""

    def __init__(self, name: str, fn: Callable[[Any, Any], Any], scale: float = 1.0) -> None:
        self.name = name
        self.fn = fn
        self.scale = scale

    def __call__(self, pred: Any, target: Any) -> Any:
        value = self.fn(ops.cast(target, "float32"), ops.cast(pred, "float32"))
        return value * self.scale if self.scale != 1.0 else value

    def __repr__(self) -> str:
        return f"<zoo_keras loss {self.name}>"
