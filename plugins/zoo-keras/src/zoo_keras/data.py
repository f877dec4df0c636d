"""tf.data adapter over the neutral `zoo.data.Pipeline`: the same arrays as the torch DataLoader.

`dataset(pipeline, epoch)` yields ``(images uint8 (B, H, W, 3), boxes float32 (B, 4), labels int64 (B,),
weight float32 ())`` in position order: the positions of ``pipeline.local_batches(epoch)`` (all of
each batch at world size 1, this rank's parts of them when the pipeline is sharded, the same items
as torch's loader) mapped through ``pipeline.item`` (numpy_function, run in parallel by
``pipeline.workers`` threads, deterministic order), batched and prefetched. Sharding is explicit
here; tf.distribute's auto-sharding is never applied to it.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from zoo.plugin import Pipeline


def dataset(pipeline: Pipeline, epoch: int) -> Any:
    """A ``tf.data.Dataset`` of one epoch of `pipeline` (see the module docstring)."""
    import tensorflow as tf

    h, w = pipeline.size

    def fetch(position: np.int64) -> tuple[np.ndarray, np.ndarray, np.int64]:
        image, box, label = pipeline.item(epoch, int(position))
        return np.ascontiguousarray(image, np.uint8), np.asarray(box, np.float32), np.int64(label)

    def load(position: Any) -> tuple[Any, Any, Any]:
        image, box, label = tf.numpy_function(fetch, [position], (tf.uint8, tf.float32, tf.int64), stateful=False)
        image.set_shape((h, w, 3))
        box.set_shape((4,))
        label.set_shape(())
        return image, box, label

    parallel = max(1, pipeline.workers)
    parts = pipeline.local_batches(epoch)
    data = None
    for size, group in _runs(parts):  # runs of equal-size parts: every part but the last share a size
        positions = np.concatenate([p.positions for p in group]).astype(np.int64)
        chunk = tf.data.Dataset.from_tensor_slices(positions).map(load, num_parallel_calls=parallel,
                                                                 deterministic=True).batch(size)
        weights = tf.data.Dataset.from_tensor_slices(np.array([p.weight for p in group], np.float32))
        chunk = tf.data.Dataset.zip((chunk, weights)).map(lambda b, w: (*b, w))
        data = chunk if data is None else data.concatenate(chunk)
    data = data.with_options(_no_autoshard(tf))
    return data.prefetch(tf.data.AUTOTUNE)


def _runs(parts: list[Any]) -> list[tuple[int, list[Any]]]:
    """Consecutive parts grouped by their size."""
    out: list[tuple[int, list[Any]]] = []
    for part in parts:
        if out and out[-1][0] == len(part.positions):
            out[-1][1].append(part)
        else:
            out.append((len(part.positions), [part]))
    return out


def _no_autoshard(tf: Any) -> Any:
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.OFF
    return options
