"""Built-in synthetic datasets, generated per item from (seed, index): no download, no state."""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from PIL import Image

from zoo.interfaces.dataset import Dataset, Sample


class _Synthetic(Dataset):
    def __init__(self, n: int, size: int, val: float, test: float, seed: int) -> None:
        self.n, self.size, self.seed = n, size, seed
        self._val, self._test = val, test
        self._boxes, self._labels = self._make_targets()

    def __len__(self) -> int:
        return self.n

    def targets(self) -> tuple[np.ndarray, np.ndarray]:
        return self._boxes, self._labels

    def splits(self) -> Mapping[str, np.ndarray]:
        idx = np.random.default_rng([self.seed, 7]).permutation(self.n)
        n_val, n_test = round(self.n * self._val), round(self.n * self._test)
        return {"val": np.sort(idx[:n_val]), "test": np.sort(idx[n_val:n_val + n_test]),
                "train": np.sort(idx[n_val + n_test:])}

    def _make_targets(self) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError

    def _render(self, index: int) -> np.ndarray:
        raise NotImplementedError

    def load(self, index: int, size: tuple[int, int] | None = None) -> Sample:
        image = self._render(index)
        if size is not None and tuple(size) != image.shape[:2]:
            image = np.asarray(Image.fromarray(image).resize((size[1], size[0]), Image.BILINEAR))
        return Sample(image, self._boxes[index], int(self._labels[index]), f"{type(self).__name__.lower()}-{index}")


class Blobs(_Synthetic):
    """White discs on black, as Ganz's generator: centre and radius drawn per item; the box is
    the disc's bounding square."""

    def _make_targets(self) -> tuple[np.ndarray, np.ndarray]:
        rng = np.random.default_rng([self.seed, 1])
        s = self.size
        lo, hi = s // 16, s - s // 16
        cx = rng.integers(lo, hi, self.n)
        cy = rng.integers(lo, hi, self.n)
        room = np.minimum(np.minimum(cx, cy), np.minimum(s - cx, s - cy))
        r = rng.integers(np.full(self.n, max(2, s // 32)), np.maximum(room, s // 32 + 1) + 1)
        r = np.minimum(r, room)
        self._geom = np.stack([cx, cy, r], 1)
        boxes = np.stack([cx - r, cy - r, cx + r, cy + r], 1).astype(np.float32) / s
        return boxes, np.full(self.n, -1, np.int64)

    def _render(self, index: int) -> np.ndarray:
        cx, cy, r = self._geom[index]
        yy, xx = np.ogrid[: self.size, : self.size]
        disc = ((xx - cx + 0.5) ** 2 + (yy - cy + 0.5) ** 2) < r * r
        return np.repeat((disc * 255).astype(np.uint8)[:, :, None], 3, axis=2)


def blobs(n: int, size: int, val: float, test: float, seed: int) -> Blobs:
    return Blobs(n, size, val, test, seed)
