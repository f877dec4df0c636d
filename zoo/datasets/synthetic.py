"""Built-in synthetic datasets, generated per item from (seed, index): no download, no state.

Contract: item `i` is a pure function of (seed, i): the same whatever `n` and whatever order
items are loaded in. Every geometry (box, label, background choice) is drawn for all items at once
when the dataset is made, from a counter-based hash of (seed, index) (`ItemDraws`), so `targets()`
costs no rendering; rendering is vectorized numpy (no per-pixel loops).
"""
from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

import numpy as np
from PIL import Image

from zoo.data.splits import seeded_split
from zoo.errors import DataError
from zoo.interfaces.dataset import Dataset, Sample

SHAPES = ("disc", "square", "triangle", "cross", "ring", "diamond")


class ItemDraws:
    """Uniform draws in [0, 1) that depend only on (seed, index, draw number): splitmix64 of the
    three, vectorized over the indices. Item i's geometry is thus the same whatever `n` is."""

    def __init__(self, seed: int, n: int) -> None:
        self.key = np.uint64(int(seed) % 2**64)
        self.index = np.arange(n, dtype=np.uint64)
        self.count = 0

    def uniform(self, low: float = 0.0, high: float = 1.0) -> np.ndarray:
        """The next draw of every item, uniform in [low, high)."""
        self.count += 1
        with np.errstate(over="ignore"):
            x = _mix(_mix(self.key + np.uint64(0x9E3779B97F4A7C15) * np.uint64(self.count)) ^ self.index)
        return low + (high - low) * ((x >> np.uint64(11)).astype(np.float64) / 2.0**53)

    def integers(self, low: int | np.ndarray, high: int | np.ndarray) -> np.ndarray:
        """The next draw of every item, an integer in [low, high) (numpy's convention)."""
        low, high = np.asarray(low, np.int64), np.asarray(high, np.int64)
        return np.minimum(low + np.floor(self.uniform() * (high - low)).astype(np.int64), high - 1)


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finalizer (uint64 arithmetic wraps)."""
    x = np.asarray(x, np.uint64)
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


class Synthetic(Dataset):
    """Base of the synthetic sets: `n` square images of side `size`, seeded `val` / `test_share` splits."""

    def __init__(self, n: int, size: int, val: float, test_share: float, seed: int) -> None:
        if n < 1 or size < 8:
            raise DataError(f"{type(self).__name__.lower()}: n={n}, size={size}; need n >= 1 and size >= 8")
        self.n, self.size, self.seed = n, size, seed
        self._val, self._test_share = val, test_share
        self._boxes, self._labels = self._make_targets(ItemDraws(seed, n))

    def __len__(self) -> int:
        return self.n

    def targets(self) -> tuple[np.ndarray, np.ndarray]:
        return self._boxes, self._labels

    def splits(self) -> Mapping[str, np.ndarray]:
        labels = self._labels if self.class_names else None
        return seeded_split(self.n, labels, self._val, self._test_share, self.seed)

    def _make_targets(self, rng: ItemDraws) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError

    def _render(self, index: int) -> np.ndarray:
        raise NotImplementedError

    def load(self, index: int, size: tuple[int, int] | None = None) -> Sample:
        image = self._render(int(index))
        if size is not None and tuple(size) != image.shape[:2]:
            image = np.asarray(Image.fromarray(image).resize((size[1], size[0]), Image.BILINEAR))
        return Sample(image, self._boxes[index], int(self._labels[index]), f"{type(self).__name__.lower()}-{index}")


class Blobs(Synthetic):
    """White discs on black, as Ganz's generator: centre and radius drawn per item; the box is
    the disc's bounding square."""

    def _make_targets(self, rng: ItemDraws) -> tuple[np.ndarray, np.ndarray]:
        s = self.size
        lo, hi = s // 16, s - s // 16
        cx = rng.integers(lo, hi)
        cy = rng.integers(lo, hi)
        room = np.minimum(np.minimum(cx, cy), np.minimum(s - cx, s - cy))
        r = rng.integers(max(2, s // 32), np.maximum(room, s // 32 + 1) + 1)
        r = np.minimum(r, room)
        self._geom = np.stack([cx, cy, r], 1)
        self._geom_list = self._geom.tolist()
        boxes = np.stack([cx - r, cy - r, cx + r, cy + r], 1).astype(np.float32) / s
        return boxes, np.full(self.n, -1, np.int64)

    def _render(self, index: int) -> np.ndarray:
        cx, cy, r = self._geom_list[index]
        image = np.zeros((self.size, self.size, 3), np.uint8)
        image[cy - r:cy + r, cx - r:cx + r] = _disc(r)
        return image


@lru_cache(maxsize=512)
def _disc(r: int) -> np.ndarray:
    """RGB uint8 (2r, 2r, 3) tile: 255 where the pixel centre lies strictly inside the inscribed
    circle, else 0 (read-only; copied into each image)."""
    t = np.arange(2 * r) + 0.5 - r
    inside = (t[None, :] ** 2 + t[:, None] ** 2) < r * r
    tile = np.repeat((inside * np.uint8(255))[:, :, None], 3, axis=2)
    tile.setflags(write=False)
    return tile


def shape_mask(kind: int, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Mask of shape `kind` (index into SHAPES) in box coordinates u, v in [-1, 1]."""
    au, av = np.abs(u), np.abs(v)
    inside = (au <= 1) & (av <= 1)
    name = SHAPES[kind]
    if name == "disc":
        return u * u + v * v <= 1
    if name == "square":
        return inside
    if name == "triangle":
        return inside & (au <= (v + 1) / 2)
    if name == "cross":
        return inside & ((av <= 0.3) | (au <= 0.3))
    if name == "ring":
        return (u * u + v * v <= 1) & (u * u + v * v >= 0.36)
    return au + av <= 1  # diamond


class Shapes(Synthetic):
    """One coloured shape (class = shape kind) on a textured noise background; the box is the
    shape's bounding rectangle, on pixel edges."""

    def __init__(self, n: int, size: int, val: float, test_share: float, seed: int, classes: int) -> None:
        if not 2 <= classes <= len(SHAPES):
            raise DataError(f"shapes: classes={classes}; choose 2 to {len(SHAPES)} ({', '.join(SHAPES)})")
        self.class_names = SHAPES[:classes]
        super().__init__(n, size, val, test_share, seed)

    def _make_targets(self, rng: ItemDraws) -> tuple[np.ndarray, np.ndarray]:
        s, n = self.size, self.n
        w = rng.integers(max(4, s // 8), s // 2 + 1)
        h = np.clip(np.rint(w * rng.uniform(0.6, 1.6)), max(4, s // 8), s * 3 // 4).astype(np.int64)
        x1 = rng.integers(0, s - w + 1)
        y1 = rng.integers(0, s - h + 1)
        self._geom = np.stack([x1, y1, w, h], 1)
        labels = rng.integers(0, len(self.class_names))
        return np.stack([x1, y1, x1 + w, y1 + h], 1).astype(np.float32) / s, labels

    def _render(self, index: int) -> np.ndarray:
        s = self.size
        rng = np.random.default_rng([self.seed, 2, index])
        coarse = rng.integers(0, 140, (6, 6, 3), dtype=np.uint8)
        texture = np.asarray(Image.fromarray(coarse).resize((s, s), Image.BILINEAR), np.int16)
        image = np.clip(texture + rng.integers(-20, 21, (s, s, 3)), 0, 255).astype(np.uint8)
        colour = rng.integers(60, 256, 3)
        colour[rng.integers(0, 3)] = 255
        x1, y1, w, h = self._geom[index]
        yy, xx = np.mgrid[y1:y1 + h, x1:x1 + w]
        u, v = (xx + 0.5 - x1 - w / 2) / (w / 2), (yy + 0.5 - y1 - h / 2) / (h / 2)
        mask = shape_mask(int(self._labels[index]), u, v)
        image[y1:y1 + h, x1:x1 + w][mask] = colour
        return image


def blobs(n: int, size: int, val: float, test_share: float, seed: int) -> Blobs:
    return Blobs(n, size, val, test_share, seed)


def shapes(n: int, size: int, val: float, test_share: float, seed: int, classes: int) -> Shapes:
    return Shapes(n, size, val, test_share, seed, classes)
