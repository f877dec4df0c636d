"""tf.data adapter over the neutral `zoo.data.Pipeline`: the same arrays as the torch DataLoader.

`dataset(pipeline, epoch)` yields ``(images uint8 (B, H, W, 3), boxes float32 (B, 4), labels int64 (B,))``
in position order: a range of positions mapped through ``pipeline.item`` (numpy_function, run
in parallel by ``pipeline.workers`` threads, deterministic order), batched and prefetched.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from zoo.data.pipeline import Pipeline


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
    data = tf.data.Dataset.range(pipeline.items_per_epoch)
    data = data.map(load, num_parallel_calls=parallel, deterministic=True)
    return data.batch(pipeline.batch_size, drop_remainder=False).prefetch(tf.data.AUTOTUNE)
