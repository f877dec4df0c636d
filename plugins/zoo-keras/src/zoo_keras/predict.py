"""Inference: uint8 NHWC batches -> `zoo.interfaces.Outputs` (numpy), in inference mode."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
from zoo.plugin import Outputs

from zoo_keras.data import float_images


def predict_outputs(model: Any, batches: Iterable[np.ndarray]) -> Outputs:
    """Concatenated model outputs of `batches` (BN statistics, no dropout). Under a tf.distribute
    strategy the model is called directly: its ``predict_on_batch`` would gather every worker's
    batch, and each process here predicts the whole split itself."""
    box, logits = [], []
    direct = getattr(model, "_distribute_strategy", None) is not None
    for images in batches:
        x = float_images(images)
        out = model(x, training=False) if direct else model.predict_on_batch(x)
        box.append(np.asarray(out["box"], np.float32))
        if "logits" in out:
            logits.append(np.asarray(out["logits"], np.float32))
    if not box:
        raise ValueError("predict: no image batches given")
    return Outputs(np.concatenate(box), np.concatenate(logits) if logits else None)
