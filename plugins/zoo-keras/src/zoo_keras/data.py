"""The Keras input feed: the core's `zoo.data.Pipeline` as tf.data, the same arrays as torch's
DataLoader.

`dataset(pipeline, epoch)` is one epoch as ``(images uint8 (B, H, W, 3), boxes float32
(B, 4), labels int64 (B,), weight float32 ())`` in position order: the positions of
``pipeline.local_batches(epoch)`` (all of each batch at world size 1, this rank's parts of them
when the pipeline is sharded, the same items as torch's loader). Sharding is explicit here;
tf.distribute's auto-sharding is never applied to it. Two ways to the same arrays:

* a split held in memory (``pipeline.held()``, `zoo.data.held`): its arrays become tensors once,
  and every batch is a gather of its rows (``pipeline.held_rows``, one numpy_function per
  epoch), with no Python per batch, as a hand-written model fed from tensors in memory;
* any other split: each batch made by ``pipeline.batch`` in one numpy_function call (one call per
  batch, not per item: per-item calls made the feed a sixth of the default recipe's step on one
  core, docs/performance.md), ``pipeline.workers`` batches in parallel, in order, prefetched.

`train_dataset(pipeline, first, last)` is what ``model.fit`` reads: epochs ``first .. last - 1``
in order, each exactly ``pipeline.batches(epoch)`` (the order depends only on (seed, epoch)), so
a resumed fit sees the same batches as an uninterrupted one; elements ``(images uint8,
{"box": (B, 4) xyxy, "label": (B,) int64, "weight": (B,) float32})``, where ``weight`` is the
batch's share of its global batch, per item. The images stay uint8 through tf.data: the model's
float32 input casts them inside the train step, so the feed's buffers and copies hold a quarter
of float32's bytes. Zoo against a hand-written Keras fit on the default recipe (bench_speed.py,
lockstep, one AMD core): 0.95 fp32 / 0.92 bf16 with a numpy_function per batch, 1.00 / 0.99
with the held feed and the leaner Preprocess (docs/performance.md).
"""
from __future__ import annotations

import weakref
from typing import Any

import numpy as np
from zoo.plugin import Held, Pipeline

from zoo_keras._keras import keras  # noqa: F401 - selects the backend before tensorflow is used


def _tf() -> Any:
    import tensorflow as tf

    return tf


def dataset(pipeline: Pipeline, epoch: int) -> Any:
    """A ``tf.data.Dataset`` of one epoch of `pipeline` (see the module docstring)."""
    held = pipeline.held()
    if held is not None:
        return _held_epochs(pipeline, held, epoch, epoch + 1, xy=False)
    tf = _tf()
    h, w = pipeline.size
    count = len(pipeline.local_batches(epoch))

    def fetch(k: np.int64) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.float32]:
        batch = pipeline.batch(epoch, int(k))
        return (np.ascontiguousarray(batch.images, np.uint8), np.asarray(batch.boxes, np.float32),
                np.asarray(batch.labels, np.int64), np.float32(batch.weight))

    def load(k: Any) -> tuple[Any, Any, Any, Any]:
        images, box, label, weight = tf.numpy_function(fetch, [k], (tf.uint8, tf.float32, tf.int64, tf.float32),
                                                       stateful=False)
        images.set_shape((None, h, w, 3))
        box.set_shape((None, 4))
        label.set_shape((None,))
        weight.set_shape(())
        return images, box, label, weight

    data = tf.data.Dataset.range(count).map(load, num_parallel_calls=max(1, pipeline.workers), deterministic=True)
    data = data.with_options(_no_autoshard(tf))
    return data.prefetch(tf.data.AUTOTUNE)


def _held_epochs(pipeline: Pipeline, held: Held, first: int, last: int, xy: bool) -> Any:
    """Epochs ``first .. last - 1`` of a held split: each batch gathered, by row, from the held
    arrays as tensors; the rows come from ``pipeline.held_rows`` once per epoch, in numpy."""
    tf = _tf()
    images, boxes, labels = _held_tensors(held)
    shape = (-1, *held.images.shape[1:])

    def epoch_rows(epoch: np.int64) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        rows = pipeline.held_rows(int(epoch)) or []
        ends = np.cumsum([len(r) for r, _ in rows], dtype=np.int64)
        bounds = np.stack([np.concatenate([[0], ends[:-1]]), ends], 1)
        return (np.concatenate([r for r, _ in rows]).astype(np.int64), bounds,
                np.array([w for _, w in rows], np.float32))

    def batches(epoch: Any) -> Any:
        flat, bounds, weights = tf.numpy_function(epoch_rows, [epoch], (tf.int64, tf.int64, tf.float32),
                                                  stateful=False)
        flat.set_shape((None,))
        bounds.set_shape((None, 2))
        weights.set_shape((None,))

        def gather(bound: Any, weight: Any) -> Any:
            r = flat[bound[0]:bound[1]]
            # rows of (N, H * W * 3), reshaped: half the time of gathering from (N, H, W, 3) in a map
            batch = (tf.reshape(tf.gather(images, r), shape), tf.gather(boxes, r), tf.gather(labels, r), weight)
            return _as_xy(*batch) if xy else batch

        return tf.data.Dataset.from_tensor_slices((bounds, weights)).map(gather)

    data = tf.data.Dataset.range(first, last).flat_map(batches)
    return data.with_options(_no_autoshard(tf))


_TENSORS: dict[int, tuple[Any, Any, Any]] = {}


def _held_tensors(held: Held) -> tuple[Any, Any, Any]:
    """`held`'s arrays as tensors, the images as rows (N, H * W * 3); made once per held split
    (dropped with it)."""
    tensors = _TENSORS.get(id(held))
    if tensors is None:
        tf = _tf()
        with tf.device("/cpu:0"):
            rows = held.images.reshape(len(held.images), -1)
            tensors = _TENSORS[id(held)] = (tf.constant(rows), tf.constant(held.boxes), tf.constant(held.labels))
        weakref.finalize(held, _TENSORS.pop, id(held), None)
    return tensors


def train_dataset(pipeline: Pipeline, first: int, last: int) -> Any:
    """Batches of epochs ``first`` to ``last - 1`` in order, as ``(x, y)`` elements; under a
    tf.distribute strategy (`zoo_keras.distributed`) a distributed dataset whose replica ``r`` of
    ``R`` gets part ``r`` of every global batch (`zoo.distributed.split_batch`)."""
    from zoo_keras import distributed

    s = distributed.strategy()
    if s is None:
        return _train_dataset(pipeline, first, last)
    first_replica, total = distributed.replicas()
    local = distributed.local_replicas()

    def per_replica(context: Any) -> Any:
        tf = _tf()
        parts = [_train_dataset(pipeline.sharded(first_replica + g, total), first, last) for g in range(local)]
        if len(parts) == 1:
            return parts[0]
        # one process, several replicas: its replicas take consecutive elements (round robin)
        return tf.data.Dataset.choose_from_datasets(parts, tf.data.Dataset.range(local).repeat())

    return s.distribute_datasets_from_function(per_replica)


def float_images(images: np.ndarray) -> np.ndarray:
    """uint8 (or float) NHWC images as the float32 [0, 255] the model takes."""
    return np.asarray(images, np.float32)


def _train_dataset(pipeline: Pipeline, first: int, last: int) -> Any:
    held = pipeline.held()
    if held is not None:
        return _held_epochs(pipeline, held, first, last, xy=True).prefetch(1)
    parts = [dataset(pipeline, epoch) for epoch in range(first, last)]
    ds = parts[0]
    for part in parts[1:]:
        ds = ds.concatenate(part)
    return ds.map(_as_xy, num_parallel_calls=1).prefetch(2)


def _as_xy(images: Any, box: Any, label: Any, weight: Any) -> tuple[Any, dict[str, Any]]:
    """An `dataset` element as ``(x, y)``: x the uint8 images as they are (the model casts them);
    y's ``weight`` repeats the batch's weight per item."""
    tf = _tf()
    y = {"box": tf.cast(box, tf.float32), "label": tf.cast(label, tf.int64)}
    y["weight"] = tf.fill(tf.shape(y["label"]), tf.cast(weight, tf.float32))
    return images, y


def _no_autoshard(tf: Any) -> Any:
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.OFF
    return options
