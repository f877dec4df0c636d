"""Helpers shared by the zoo-keras tests (plain functions; fixtures live in conftest.py)."""
from __future__ import annotations

import numpy as np


def random_boxes(rng: np.random.Generator, n: int) -> np.ndarray:
    """Valid normalized xyxy boxes."""
    xy = rng.uniform(0.0, 0.5, (n, 2))
    wh = rng.uniform(0.05, 0.5, (n, 2))
    return np.concatenate([xy, xy + wh], 1).astype(np.float32)
