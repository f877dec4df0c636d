"""Box encodings: canonical normalized xyxy <-> what each head predicts.

The canonical form is float32 ``[x1, y1, x2, y2]`` in [0, 1] of the image. A head declares
one encoding; targets are encoded and predictions decoded here, once, for every framework.

The functions use only indexing, arithmetic and ``xp.stack(list, -1)``, so the same code runs
on numpy arrays (the default), torch tensors (``xp=torch``) and Keras tensors
(``xp=keras.ops``); losses on decoded boxes (GIoU) stay differentiable.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from zoo.interfaces.head import BOX_ENCODINGS as _ENCODINGS

ENCODINGS: tuple[str, ...] = tuple(_ENCODINGS)


def size(encoding: str) -> int:
    """Number of values a head with this encoding outputs."""
    return _ENCODINGS[_check(encoding)][0]


def encode(boxes: Any, encoding: str, xp: Any = np) -> Any:
    """Canonical xyxy (..., 4) -> (..., size(encoding)); ``xyxy`` returns `boxes` itself."""
    enc = _check(encoding)
    if enc == "xyxy":  # no op in a framework's graph (the objective encodes every batch's target)
        return boxes
    x1, y1, x2, y2 = boxes[..., 0], boxes[..., 1], boxes[..., 2], boxes[..., 3]
    w, h = x2 - x1, y2 - y1
    if enc == "xywh":
        parts = [x1, y1, w, h]
    elif enc == "cxcywh":
        parts = [x1 + w / 2, y1 + h / 2, w, h]
    else:
        side = (w + h) / 2
        parts = [x1 + w / 2 - side / 2, y1 + h / 2 - side / 2, side]
    return xp.stack(parts, -1)


def decode(values: Any, encoding: str, xp: Any = np) -> Any:
    """(..., size(encoding)) in `encoding` -> canonical xyxy (..., 4), not clipped.

    Corners are ordered (x1 <= x2, y1 <= y2): a head may predict swapped corners or a negative
    size, and losses on decoded boxes (GIoU) are only defined on ordered ones."""
    enc = _check(encoding)
    if enc == "xyxy":  # two corner pairs: 5 ops in a graph instead of 9 (every train step decodes)
        first, second = values[..., :2], values[..., 2:4]
        return xp.concatenate([xp.minimum(first, second), xp.maximum(first, second)], -1)
    a, b, c = values[..., 0], values[..., 1], values[..., 2]
    if enc == "square":
        x1, y1, x2, y2 = a, b, a + c, b + c
    else:
        d = values[..., 3]
        if enc == "xywh":
            x1, y1, x2, y2 = a, b, a + c, b + d
        else:
            x1, y1, x2, y2 = a - c / 2, b - d / 2, a + c / 2, b + d / 2
    return xp.stack([xp.minimum(x1, x2), xp.minimum(y1, y2), xp.maximum(x1, x2), xp.maximum(y1, y2)], -1)


def mirror(boxes: Any, xp: Any = np) -> Any:
    """Canonical xyxy (..., 4) of the left-right mirrored image: x1' = 1 - x2, x2' = 1 - x1."""
    return xp.stack([1 - boxes[..., 2], boxes[..., 1], 1 - boxes[..., 0], boxes[..., 3]], -1)


def to_pixels(boxes: np.ndarray, width: int, height: int) -> np.ndarray:
    """Normalized xyxy -> pixel xyxy, float32."""
    return (np.asarray(boxes, np.float32) * np.array([width, height, width, height], np.float32))


def _check(encoding: str) -> str:
    if encoding not in _ENCODINGS:
        raise ValueError(f"unknown box encoding {encoding!r}; valid: {', '.join(ENCODINGS)}")
    return encoding
