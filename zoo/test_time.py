"""Test-time augmentation, written once for every framework and for ONNX Runtime.

With the recipe's ``test_time.hflip``, a model predicts each image and its left-right mirror;
the mirror's box is mirrored back and the two boxes are averaged in canonical xyxy (class scores
are averaged as probabilities). The test metrics of a run, `zoo evaluate`, `zoo predict` and an exported ONNX
file all apply it; the per-epoch validation metrics do not (they stay one pass per image).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np

from zoo import boxes
from zoo.interfaces.framework import Outputs


def mirrored(batches: Iterable[np.ndarray]) -> Iterator[np.ndarray]:
    """Each uint8 (N, H, W, 3) batch mirrored left-right (contiguous, for every framework)."""
    for batch in batches:
        yield np.ascontiguousarray(np.asarray(batch)[:, :, ::-1])


def average_mirrored(box: np.ndarray, mirrored_box: np.ndarray, encoding: str = "xyxy") -> np.ndarray:
    """The mean of `box` and the mirrored-back `mirrored_box`, both (N, E) in `encoding`; the
    result is in `encoding` too (averaged in canonical xyxy)."""
    plain = boxes.decode(np.asarray(box, np.float64), encoding)
    back = boxes.mirror(boxes.decode(np.asarray(mirrored_box, np.float64), encoding))
    return boxes.encode((plain + back) / 2, encoding).astype(np.asarray(box).dtype)


def predict(engine: Any, model: Any, plan: Any, batches: Callable[[], Iterable[np.ndarray]]) -> Outputs:
    """`engine.predict` over `batches()` (a function, called again for the mirrored pass), with
    the plan's test-time augmentation applied; raw Outputs in the plan's encoding."""
    outputs: Outputs = engine.predict(model, batches())
    if not plan.recipe.test_time.hflip:
        return outputs
    flipped: Outputs = engine.predict(model, mirrored(batches()))
    logits = None if outputs.logits is None else average_logits(outputs.logits, flipped.logits)
    return Outputs(average_mirrored(outputs.box, flipped.box, plan.encoding), logits)


def average_logits(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Log of the mean of the two passes' class probabilities: its softmax is that mean, as
    ONNX Runtime's averaged probabilities are."""
    def log_softmax(x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, np.float64)
        shifted = x - x.max(-1, keepdims=True)
        return shifted - np.log(np.exp(shifted).sum(-1, keepdims=True))

    return np.logaddexp(log_softmax(a), log_softmax(b)) - np.log(2.0)
