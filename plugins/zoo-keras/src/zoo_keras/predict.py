"""Inference: uint8 NHWC batches -> `zoo.interfaces.Outputs` (numpy), in inference mode."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
from zoo.interfaces.framework import Outputs

from zoo_keras.feed import float_images


def predict_outputs(model: Any, batches: Iterable[np.ndarray]) -> Outputs:
    """Concatenated model outputs of `batches` (BN statistics, no dropout)."""
    box, logits = [], []
    for images in batches:
        out = model.predict_on_batch(float_images(images))
        box.append(np.asarray(out["box"], np.float32))
        if "logits" in out:
            logits.append(np.asarray(out["logits"], np.float32))
    if not box:
        raise ValueError("predict: no image batches given")
    return Outputs(np.concatenate(box), np.concatenate(logits) if logits else None)
