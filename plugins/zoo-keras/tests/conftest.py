"""Shared fixtures of the zoo-keras tests: every test here is marked ``keras``."""
from __future__ import annotations

import os

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
pytest.importorskip("keras")
pytest.importorskip("zoo_keras")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "zoo-keras" in str(item.fspath):
            item.add_marker(pytest.mark.keras)


@pytest.fixture(scope="session")
def reg():  # type: ignore[no-untyped-def]
    from zoo import plugins

    return plugins.registry()


@pytest.fixture()
def rng() -> np.random.Generator:
    return np.random.default_rng(0)


def random_boxes(rng: np.random.Generator, n: int) -> np.ndarray:
    """Valid normalized xyxy boxes."""
    xy = rng.uniform(0.0, 0.5, (n, 2))
    wh = rng.uniform(0.05, 0.5, (n, 2))
    return np.concatenate([xy, xy + wh], 1).astype(np.float32)
