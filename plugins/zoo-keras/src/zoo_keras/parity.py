"""Weights in the canonical cross-framework order and layout, for parity tests.

Order: per layer in forward order (box branch before class branch in heads; timm's module
order in resnet18: conv, bn, then per block conv1, bn1, conv2, bn2, downsample conv, bn);
per layer kernel, bias; BatchNorm gamma, beta, moving_mean, moving_var. Layout: Keras' own
(conv kernel (kh, kw, in, out), dense kernel (in, out)), so these are the Keras weights as
they are. The module must be built (called once) before `get_weights`.
"""
from __future__ import annotations

from typing import Any

import numpy as np


def get_weights(module: Any) -> list[np.ndarray]:
    """All weights of a built backbone, vectorizer or head, canonical order, as numpy arrays."""
    return [np.asarray(w.numpy()) for w in module.weights]


def set_weights(module: Any, arrays: list[np.ndarray]) -> None:
    """Assign `arrays` (canonical order and layout); ValueError on a count or shape mismatch."""
    weights = module.weights
    if len(arrays) != len(weights):
        raise ValueError(f"set_weights: {len(arrays)} arrays for {len(weights)} weights of {module.name!r}")
    for w, a in zip(weights, arrays):
        if tuple(w.shape) != tuple(np.shape(a)):
            raise ValueError(f"set_weights: {w.path} has shape {tuple(w.shape)}, got {tuple(np.shape(a))}")
        w.assign(np.asarray(a, dtype=w.dtype))
