"""``cats``: scikit-image's cat photo (``skimage.data.chelsea()``) pasted at a random size and
position on black (Ganz's case 2) or on crops of scikit-image's other natural photos (case 3).

scikit-image is the optional extra ``data``; without it the factory raises a DataError naming
``pip install scikit-image``.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
from PIL import Image

from zoo.datasets.synthetic import ItemDraws, Synthetic
from zoo.errors import DataError

BACKGROUNDS = ("astronaut", "coffee", "rocket", "hubble_deep_field", "camera", "grass", "gravel", "brick")


@lru_cache(maxsize=1)
def photos() -> tuple[Image.Image, tuple[Image.Image, ...]]:
    """(cat, backgrounds) as RGB PIL images, loaded once."""
    try:
        from skimage import data
    except ImportError:
        raise DataError("dataset 'cats' needs scikit-image: pip install scikit-image (or pip install 'zoo[data]')") \
            from None

    def rgb(a: np.ndarray) -> Image.Image:
        return Image.fromarray(np.repeat(a[:, :, None], 3, 2) if a.ndim == 2 else a[:, :, :3])

    return rgb(data.chelsea()), tuple(rgb(getattr(data, name)()) for name in BACKGROUNDS)


class Cats(Synthetic):
    """The cat photo, aspect kept, its width 25-60 % of the image side; the box is the pasted photo."""

    def __init__(self, n: int, size: int, val: float, test_share: float, seed: int, background: str) -> None:
        if background not in ("black", "natural"):
            raise DataError(f"cats: background {background!r} is unknown; use black or natural")
        self.background = background
        self._cat, self._backgrounds = photos()
        super().__init__(n, size, val, test_share, seed)

    def _make_targets(self, rng: ItemDraws) -> tuple[np.ndarray, np.ndarray]:
        s, n = self.size, self.n
        aspect = self._cat.height / self._cat.width
        w = rng.integers(max(4, s // 4), int(s * 0.6) + 1)
        h = np.maximum(1, np.rint(w * aspect)).astype(np.int64)
        x1, y1 = rng.integers(0, s - w + 1), rng.integers(0, s - h + 1)
        bg = rng.integers(0, len(self._backgrounds))
        crop = rng.uniform(0.4, 1.0)  # crop side as a share of the background's short side
        corner = np.stack([rng.uniform(), rng.uniform()], 1)
        self._geom = np.stack([x1, y1, w, h, bg], 1)
        self._crop = np.concatenate([crop[:, None], corner], 1)
        return np.stack([x1, y1, x1 + w, y1 + h], 1).astype(np.float32) / s, np.full(n, -1, np.int64)

    def _render(self, index: int) -> np.ndarray:
        s = self.size
        x1, y1, w, h, bg = (int(v) for v in self._geom[index])
        if self.background == "black":
            canvas = Image.new("RGB", (s, s))
        else:
            photo = self._backgrounds[bg]
            share, cx, cy = self._crop[index]
            side = int(min(photo.size) * share)
            left, top = int(cx * (photo.width - side)), int(cy * (photo.height - side))
            canvas = photo.resize((s, s), Image.BILINEAR, box=(left, top, left + side, top + side))
        canvas.paste(self._cat.resize((w, h), Image.BILINEAR, reducing_gap=2.0), (x1, y1))
        return np.asarray(canvas)


def cats(n: int, size: int, val: float, test_share: float, seed: int, background: str) -> Cats:
    return Cats(n, size, val, test_share, seed, background)
