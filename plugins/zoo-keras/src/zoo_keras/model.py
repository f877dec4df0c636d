"""Assembly of a plan into one Keras localizer: Preprocess -> backbone -> vectorizer -> head.

The localizer is a functional `Localizer` (a keras.Model): input RGB float32 (N, H, W, 3) in
[0, 255], outputs ``{"box": (N, E)[, "logits": (N, K)]}`` in float32. Its training objective
(the recipe's weighted loss terms) is attached as `Localizer.objective`; `compute_loss` uses it,
so ``model.fit`` trains on ``(images, {"box": xyxy, "label": labels})``.
"""
from __future__ import annotations

from collections.abc import Callable
from contextlib import contextmanager
from typing import Any, Iterator

from zoo.plugin import Objective, Plan, share_initial_weights

from zoo_keras import weight_layout
from zoo_keras._keras import keras, layers, ops
from zoo_keras.layers import Preprocess

LossFn = Callable[[dict[str, Any], dict[str, Any]], Any]


class Localizer(keras.Model):
    """A functional model whose loss is its recipe's objective (see the module docstring)."""

    objective: LossFn | None = None
    #: c of the L2 term c * sum(w^2) added to the loss (adam / sgd weight decay, torch-style)
    l2: float = 0.0

    def compute_loss(self, x: Any = None, y: Any = None, y_pred: Any = None, sample_weight: Any = None,
                     training: bool = True) -> Any:
        if self.objective is None:
            raise RuntimeError("this localizer has no objective; build it with zoo_keras.model.build_localizer")
        loss = self.objective(y_pred, y)
        extra = 0.0
        if self.l2:
            extra = extra + self.l2 * ops.sum(ops.stack([ops.sum(ops.square(ops.cast(w, "float32")))
                                                        for w in self.trainable_weights]))
        if self.losses:
            extra = extra + ops.sum(ops.stack([ops.cast(v, "float32") for v in self.losses]))
        if isinstance(y, dict) and "weight" in y:
            # several replicas (zoo_keras.distributed): tf.distribute sums their gradients, so
            # the batch term counts by the part's share of the global batch, the rest once in all
            import tensorflow as tf

            replicas = tf.distribute.get_strategy().num_replicas_in_sync
            return loss * ops.mean(ops.cast(y["weight"], "float32")) + extra / replicas
        return loss + extra

    def _maybe_symbolic_build(self, iterator: Any = None, data_batch: Any = None) -> Any:
        from zoo_keras import distributed

        if iterator is not None and distributed.multi_worker(getattr(self, "_distribute_strategy", None)):
            return distributed.symbolic_build(self, iterator)
        return super()._maybe_symbolic_build(iterator=iterator, data_batch=data_batch)

    def train_step(self, data: Any) -> Any:
        from zoo_keras import distributed

        logs = super().train_step(data)
        return distributed.shaped_logs(logs) if distributed.multi_worker(self.distribute_strategy) else logs


def make_objective(objective: Objective) -> LossFn:
    """``objective(pred, target) -> scalar``: the core's objective in Keras ops. `target` holds
    ``box`` (N, 4) normalized xyxy and ``label`` (N,)."""

    def loss(pred: dict[str, Any], target: dict[str, Any]) -> Any:
        outputs = {**pred, "box": ops.cast(pred["box"], "float32")}
        total, _ = objective(outputs, ops.cast(target["box"], "float32"), target["label"], xp=ops)
        return total

    return loss


@contextmanager
def precision(mode: str) -> Iterator[None]:
    """Layers created inside use the ``mixed_bfloat16`` policy for ``bf16``; restored after."""
    old = keras.config.dtype_policy()
    keras.config.set_dtype_policy("mixed_bfloat16" if mode == "bf16" else "float32")
    try:
        yield
    finally:
        keras.config.set_dtype_policy(old)


def _as_part(layer: Any, part: str) -> Any:
    """`layer` named after its part: the adapter finds parts by these names (`summary`), so a
    factory may return a layer under any name, e.g. keras.applications' own ``mobilenetv2_1.00_224``.
    The name does not enter the weights file (Keras 3 stores layers by position and class)."""
    layer.name = part
    return layer


def build_localizer(plan: Plan) -> Localizer:
    """The plan's localizer, its layers in the recipe's precision, its objective attached."""
    h, w = plan.input_size
    keras.utils.set_random_seed(plan.recipe.train.seed)
    with precision(plan.recipe.train.precision):
        backbone = _as_part(plan.build("backbone", input_size=(h, w)), "backbone")
        inputs = keras.Input((h, w, 3), name="image")
        fmap = backbone(Preprocess(plan.preprocessing, name="preprocess")(inputs))
        channels, size = int(fmap.shape[-1]), (int(fmap.shape[1]), int(fmap.shape[2]))
        plan.check_feature_map(channels, size)
        vectorizer = _as_part(plan.build("vectorizer", in_channels=channels, in_size=size), "vectorizer")
        vector = vectorizer(fmap)
        head = _as_part(plan.build("head", in_features=int(vector.shape[-1]), in_channels=channels,
                                   num_classes=plan.num_classes), "head")
        pooled = layers.GlobalAveragePooling2D(name="pooled")(fmap) if getattr(head, "uses_pooled", False) else None
        outputs = head(vector, pooled)
    share_initial_weights(plan, {"backbone": backbone, "vectorizer": vectorizer, "head": head},
                          weight_layout.get_weights, weight_layout.set_weights)
    model = Localizer(inputs, dict(outputs), name=f"{plan.recipe.name}_keras".replace("-", "_"))
    model.objective = make_objective(plan.objective())
    return model
