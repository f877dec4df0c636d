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
from zoo.data.pipeline import Pipeline

from zoo_keras._keras import keras  # noqa: F401 - selects the backend before tensorflow is used


def _tf() -> Any:
    import tensorflow as tf

    return tf


def _as_xy(*element: Any) -> tuple[Any, dict[str, Any]]:
    """An adapter element, ``(images, boxes, labels)`` or a dict, as ``(x, y)``."""
    tf = _tf()
    if len(element) == 1 and isinstance(element[0], dict):
        d = element[0]
        images, box, label = (d.get(k) if k in d else d.get(k + "s") for k in ("image", "box", "label"))
    elif len(element) == 3:
        images, box, label = element
    else:
        raise ValueError(f"unexpected element structure from zoo_keras.data: {len(element)} parts")
    return tf.cast(images, tf.float32), {"box": tf.cast(box, tf.float32), "label": tf.cast(label, tf.int64)}


def _adapter() -> Any | None:
    if importlib.util.find_spec("zoo_keras.data") is None:
        return None
    module = importlib.import_module("zoo_keras.data")
    return getattr(module, "dataset", None)


def _generator_dataset(pipeline: Pipeline, epochs: range) -> Any:
    tf = _tf()
    h, w = pipeline.size

    def gen() -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        for epoch in epochs:
            for batch in pipeline.batches(epoch):
                yield batch.images, batch.boxes, batch.labels

    signature = (tf.TensorSpec((None, h, w, 3), tf.uint8), tf.TensorSpec((None, 4), tf.float32),
                 tf.TensorSpec((None,), tf.int64))
    return tf.data.Dataset.from_generator(gen, output_signature=signature)


def train_dataset(pipeline: Pipeline, first: int, last: int) -> Any:
    """Batches of epochs ``first`` to ``last - 1`` in order, as ``(x, y)`` elements."""
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
