"""The shared calling convention: Keras losses take (y_true, y_pred); zoo's take (pred, target)."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from zoo_keras._keras import ops


class Loss:
    """Wraps ``fn(target, pred)`` into ``loss(pred, target)``, both cast to float32, times `scale`.

    Under a tf.distribute strategy Keras' own losses divide their mean by the replicas in sync
    (``scale_loss_for_distribution``); zoo weighs each replica's part of the global batch itself
    (`zoo_keras.distributed`), so that division is undone here: every term means the same thing
    at any world size."""

    def __init__(self, name: str, fn: Callable[[Any, Any], Any], scale: float = 1.0) -> None:
        self.name = name
        self.fn = fn
        self.scale = scale

    def __call__(self, pred: Any, target: Any) -> Any:
        value = self.fn(ops.cast(target, "float32"), ops.cast(pred, "float32"))
        scale = self.scale * _keras_replica_division(self.fn)
        return value * scale if scale != 1.0 else value


def _keras_replica_division(fn: Any) -> float:
    """The replicas Keras divided `fn`'s mean by (1 but for a Keras loss with a mean reduction
    under a strategy of several replicas)."""
    from zoo_keras._keras import keras

    if not isinstance(fn, keras.losses.Loss) or fn.reduction not in ("sum_over_batch_size", "mean",
                                                                      "mean_with_sample_weight"):
        return 1.0
    import tensorflow as tf

    return float(tf.distribute.get_strategy().num_replicas_in_sync)

    def __repr__(self) -> str:
        return f"<zoo_keras loss {self.name}>"
