"""A tiny in-memory dataset for plugin tests: filled rectangles (and, with classes, discs and
crosses) on black, generated from a seed. No files, no framework, a few kilobytes.

`tiny_dataset(n=16, size=32)` returns it directly; `TINY` is the name under which the
conformance checks register it for a recipe (see `with_tiny_dataset`).
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import numpy as np

from zoo.interfaces.component import Param, Source
from zoo.interfaces.dataset import Dataset, Sample, declare_dataset
from zoo.registry import Registry

#: registry name of the tiny dataset while a conformance check runs
TINY = "zoo_testing_tiny"
SHAPES = ("rectangle", "disc", "cross")
SOURCE = Source("zoo.testing", "zoo")


class TinyDataset(Dataset):
    """`n` square RGB images of side `size`, one filled shape each; the box is the shape's
    bounding rectangle on pixel edges. With ``classes`` (0 or 2..3) the shape kind is the class.

    Every item is a pure function of (seed, index); the split is the first 3/4 train, the
    rest val and test (each at least one item).
    """

    def __init__(self, n: int = 16, size: int = 32, classes: int = 0, seed: int = 0) -> None:
        if n < 2 or size < 8:
            raise ValueError(f"tiny_dataset: n={n}, size={size}; need n >= 2 and size >= 8")
        if classes not in (0, 2, 3):
            raise ValueError(f"tiny_dataset: classes={classes}; use 0 (no classes), 2 or 3")
        self.n, self.size, self.seed = n, size, seed
        self.class_names = SHAPES[:classes]
        rng = np.random.default_rng([seed, 7])
        w = rng.integers(size // 4, size // 2 + 1, n)
        h = rng.integers(size // 4, size // 2 + 1, n)
        x1 = rng.integers(0, size - w + 1)
        y1 = rng.integers(0, size - h + 1)
        self._px = np.stack([x1, y1, x1 + w, y1 + h], 1)
        self._boxes = (self._px / size).astype(np.float32)
        self._labels = (rng.integers(0, classes, n) if classes else np.full(n, -1)).astype(np.int64)

    def __len__(self) -> int:
        return self.n

    def targets(self) -> tuple[np.ndarray, np.ndarray]:
        return self._boxes, self._labels

    def splits(self) -> Mapping[str, np.ndarray]:
        idx = np.arange(self.n, dtype=np.int64)
        n_train = max(1, min(self.n - 1, (3 * self.n) // 4))
        rest = idx[n_train:]
        half = max(1, len(rest) // 2)
        return {"train": idx[:n_train], "val": rest[:half], "test": rest[half:] if len(rest) > half else rest}

    def load(self, index: int, size: tuple[int, int] | None = None) -> Sample:
        image = self._render(int(index))
        if size is not None and tuple(size) != image.shape[:2]:
            from PIL import Image

            image = np.asarray(Image.fromarray(image).resize((size[1], size[0]), Image.NEAREST))
        return Sample(image, self._boxes[index], int(self._labels[index]), f"tiny-{index}")

    def _render(self, index: int) -> np.ndarray:
        x1, y1, x2, y2 = (int(v) for v in self._px[index])
        image = np.zeros((self.size, self.size, 3), np.uint8)
        yy, xx = np.mgrid[y1:y2, x1:x2]
        u = (xx + 0.5 - (x1 + x2) / 2) / ((x2 - x1) / 2)
        v = (yy + 0.5 - (y1 + y2) / 2) / ((y2 - y1) / 2)
        kind = max(0, int(self._labels[index]))
        mask = np.ones_like(u, bool) if kind == 0 else (u * u + v * v <= 1.2) if kind == 1 else (
            (np.abs(u) <= 0.35) | (np.abs(v) <= 0.35))
        colour = np.array([255, 255 - 60 * kind, 60 + 80 * kind], np.uint8)
        image[y1:y2, x1:x2][mask] = colour
        return image


def tiny_dataset(n: int = 16, size: int = 32, classes: int = 0, seed: int = 0) -> TinyDataset:
    """A `TinyDataset`: enough for a conformance check or a smoke test, built in milliseconds."""
    return TinyDataset(n, size, classes, seed)


TINY_INFO = declare_dataset(
    TINY, description="zoo.testing's tiny in-memory shapes (tests only)",
    params={"n": Param(16, int), "size": Param(32, int), "classes": Param(0, int, (0, 2, 3)), "seed": Param(0, int)},
    classes=lambda p: {"classes": p["classes"] > 0, "num_classes": p["classes"]},
)


def _factory(**params: Any) -> TinyDataset:
    return TinyDataset(**params)


@contextmanager
def with_tiny_dataset(reg: Registry) -> Iterator[str]:
    """Register the tiny dataset in `reg` for the duration (unless it is there already)."""
    added = False
    try:
        reg.get("dataset", TINY, "neutral")
    except KeyError:
        reg.add("dataset", TINY_INFO, _factory, framework="neutral", source=SOURCE)
        added = True
    try:
        yield TINY
    finally:
        if added:
            reg.remove_source(SOURCE.plugin)
