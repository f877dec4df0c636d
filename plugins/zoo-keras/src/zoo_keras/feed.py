"""Feeding `zoo.data.pipeline.Pipeline` batches to Keras.

Training data is one tf.data.Dataset over epochs ``first .. last - 1``, each epoch exactly
``pipeline.batches(epoch)`` (the order depends only on (seed, epoch)), so a resumed fit sees
the same batches as an uninterrupted one. Elements: ``(images float32 [0, 255],
{"box": (B, 4) xyxy, "label": (B,) int64})``. The dataset engineer's ``zoo_keras.data.dataset``
adapter is used when it is installed, else a Python generator.
"""
from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Iterator
from typing import Any

import numpy as np
from zoo.plugin import Pipeline

from zoo_keras._keras import keras  # noqa: F401 - selects the backend before tensorflow is used


def _tf() -> Any:
    import tensorflow as tf

    return tf


def _as_xy(*element: Any) -> tuple[Any, dict[str, Any]]:
    """An adapter element, ``(images, boxes, labels[, weight])`` or a dict, as ``(x, y)``; y holds
    ``weight`` (the batch's share of its global batch, per item) when the element has one."""
    tf = _tf()
    weight = None
    if len(element) == 1 and isinstance(element[0], dict):
        d = element[0]
        images, box, label = (d.get(k) if k in d else d.get(k + "s") for k in ("image", "box", "label"))
    elif len(element) in (3, 4):
        images, box, label = element[:3]
        weight = element[3] if len(element) == 4 else None
    else:
        raise ValueError(f"unexpected element structure from zoo_keras.data: {len(element)} parts")
    y = {"box": tf.cast(box, tf.float32), "label": tf.cast(label, tf.int64)}
    if weight is not None:
        y["weight"] = tf.fill(tf.shape(y["label"]), tf.cast(weight, tf.float32))
    return tf.cast(images, tf.float32), y


def _adapter() -> Any | None:
    if importlib.util.find_spec("zoo_keras.data") is None:
        return None
    module = importlib.import_module("zoo_keras.data")
    return getattr(module, "dataset", None)


def _generator_dataset(pipeline: Pipeline, epochs: range) -> Any:
    tf = _tf()
    h, w = pipeline.size

    def gen() -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray, np.float32]]:
        for epoch in epochs:
            for batch in pipeline.batches(epoch):
                yield batch.images, batch.boxes, batch.labels, np.float32(batch.weight)

    signature = (tf.TensorSpec((None, h, w, 3), tf.uint8), tf.TensorSpec((None, 4), tf.float32),
                 tf.TensorSpec((None,), tf.int64), tf.TensorSpec((), tf.float32))
    return tf.data.Dataset.from_generator(gen, output_signature=signature)


def train_dataset(pipeline: Pipeline, first: int, last: int) -> Any:
    """Batches of epochs ``first`` to ``last - 1`` in order, as ``(x, y)`` elements; under a
    tf.distribute strategy (`zoo_keras.distributed`) a distributed dataset whose replica ``r`` of
    ``R`` gets part ``r`` of every global batch (`zoo.distributed.split_batch`)."""
    from zoo_keras import distributed

    s = distributed.strategy()
    if s is None:
        return _train_dataset(pipeline, first, last)
    first_epoch = first
    first_replica, total = distributed.replicas()
    local = distributed.local_replicas()

    def per_replica(context: Any) -> Any:
        tf = _tf()
        parts = [_train_dataset(pipeline.sharded(first_replica + g, total), first_epoch, last) for g in range(local)]
        if len(parts) == 1:
            return parts[0]
        # one process, several replicas: its replicas take consecutive elements (round robin)
        return tf.data.Dataset.choose_from_datasets(parts, tf.data.Dataset.range(local).repeat())

    return s.distribute_datasets_from_function(per_replica)


def _train_dataset(pipeline: Pipeline, first: int, last: int) -> Any:
    _tf()
    epochs = range(first, last)
    adapter = _adapter()
    if adapter is not None:
        parts = [adapter(pipeline, epoch) for epoch in epochs]
        ds = parts[0]
        for part in parts[1:]:
            ds = ds.concatenate(part)
    else:
        ds = _generator_dataset(pipeline, epochs)
    return ds.map(_as_xy, num_parallel_calls=1).prefetch(2)


def float_images(images: np.ndarray) -> np.ndarray:
    """uint8 (or float) NHWC images as the float32 [0, 255] the model takes."""
    return np.asarray(images, np.float32)
