"""A split held in memory: every item decoded and resized once, then gathered by row each epoch.

A pipeline whose items do not change between epochs (no augmentation) and whose images at the
input size fit the hold budget loads them all on first use (`Pipeline.held`) and makes every
later batch a gather from these arrays, as a hand-written training script that preprocesses its
arrays once does. Then a framework can feed a whole epoch without Python per batch (zoo-keras
gathers the rows in tf.data).

The budget is ``ZOO_HOLD_MB`` megabytes of uint8 images per split (default 1024; 0 holds
nothing). At 64 px the built-in sets take 12 KiB an item, at 224 px 147 KiB.
"""
from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np

from zoo.errors import ZooError

HOLD_ENV = "ZOO_HOLD_MB"
DEFAULT_HOLD_MB = 1024


@dataclass(frozen=True)
class Held:
    """Every item of a split in `Pipeline.indices` order, un-augmented; the arrays are read-only."""

    images: np.ndarray  # (N, H, W, 3) uint8
    boxes: np.ndarray   # (N, 4) float32 normalized xyxy
    labels: np.ndarray  # (N,) int64, -1 without classes


def hold_budget() -> int:
    """Bytes of images a split may hold (``ZOO_HOLD_MB``, default 1024 MB)."""
    raw = os.environ.get(HOLD_ENV, "").strip()
    if not raw:
        return DEFAULT_HOLD_MB << 20
    try:
        mb = float(raw)
    except ValueError:
        mb = -1.0
    if mb < 0:
        raise ZooError(f"{HOLD_ENV}={raw!r} is not a size: give megabytes >= 0 (0 holds nothing; "
                       f"default {DEFAULT_HOLD_MB})")
    return int(mb * (1 << 20))


def summary(splits: Mapping[str, Any]) -> str | None:
    """One line naming the `splits` (name -> pipeline) that will be held and their size, or None."""
    held = {name: p for name, p in splits.items() if p.holds}
    if not held:
        return None
    seen: set[int] = set()
    parts, total = [], 0
    for name, p in held.items():
        parts.append(f"{name} {len(p.indices):,}")
        if id(p) not in seen:  # one pipeline may serve two splits (test = val)
            seen.add(id(p))
            total += p.image_bytes
    return (f"held in memory, decoded once: {', '.join(parts)} items ({total / 2**20:,.1f} MB of images; "
            f"{HOLD_ENV}=0 holds nothing)")


def load_all(load: Callable[[int], Any], indices: np.ndarray, size: tuple[int, int], workers: int) -> Held:
    """`Held` arrays of the items at `indices`, each ``load(index)`` (a `zoo.interfaces.Sample`
    whose image is (H, W, 3) at `size`) written straight into its row of one preallocated array,
    so the split never exists twice in memory; `workers` threads > 1 load disjoint slices."""
    n = len(indices)
    images = np.empty((n, size[0], size[1], 3), np.uint8)
    boxes = np.empty((n, 4), np.float32)
    labels = np.empty((n,), np.int64)

    def fill(rows: np.ndarray) -> None:
        for row in rows:
            sample = load(int(indices[row]))
            images[row], boxes[row], labels[row] = sample.image, np.asarray(sample.box, np.float32), int(sample.label)

    parts = [rows for rows in np.array_split(np.arange(n), max(1, workers)) if len(rows)]
    if workers > 1 and len(parts) > 1:
        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(fill, parts))  # list(): a loader's exception propagates
    else:
        fill(np.arange(n))
    for array in (images, boxes, labels):
        array.setflags(write=False)
    return Held(images, boxes, labels)
