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

from zoo import boxes, init
from zoo.assembly import Part, Plan

from zoo_keras import parity
from zoo_keras._keras import keras, layers, ops
from zoo_keras.layers import Preprocess

Objective = Callable[[dict[str, Any], dict[str, Any]], Any]


class Localizer(keras.Model):
    """A functional model whose loss is its recipe's objective (see the module docstring)."""

    objective: Objective | None = None
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


def make_objective(plan: Plan, terms: list[tuple[Part, Any]]) -> Objective:
    """``objective(pred, target) -> scalar``: sum of weight * term. `target` holds ``box``
    (N, 4) normalized xyxy and ``label`` (N,); box terms get the encoded or decoded box as their
    metadata's ``space`` says, class terms the logits and labels."""
    encoding = plan.encoding

    def objective(pred: dict[str, Any], target: dict[str, Any]) -> Any:
        box = ops.cast(pred["box"], "float32")
        true = ops.cast(target["box"], "float32")
        total = None
        for part, fn in terms:
            meta = part.meta
            if meta["target"] == "class":
                value = fn(pred["logits"], target["label"])
            elif meta["space"] == "decoded":
                value = fn(boxes.decode(box, encoding, xp=ops), true)
            else:
                value = fn(box, boxes.encode(true, encoding, xp=ops))
            value = value * part.weight
            total = value if total is None else total + value
        return total

    return objective


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
        vectorizer = _as_part(plan.build("vectorizer", in_channels=channels, in_size=size), "vectorizer")
        vector = vectorizer(fmap)
        head = _as_part(plan.build("head", in_features=int(vector.shape[-1]), in_channels=channels,
                                   num_classes=plan.num_classes), "head")
        pooled = layers.GlobalAveragePooling2D(name="pooled")(fmap) if getattr(head, "uses_pooled", False) else None
        outputs = head(vector, pooled)
    init.share_initial_weights(plan, {"backbone": backbone, "vectorizer": vectorizer, "head": head},
                               parity.get_weights, parity.set_weights)
    model = Localizer(inputs, dict(outputs), name=f"{plan.recipe.name}_keras".replace("-", "_"))
    model.objective = make_objective(plan, plan.build_losses())
    return model
