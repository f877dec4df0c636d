"""Shared fixtures of the zoo-keras tests: every test here is marked ``keras``."""
from __future__ import annotations

import os

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
pytest.importorskip("tensorflow")
pytest.importorskip("keras")
# zoo_keras itself is not import-or-skipped: a plugin that fails to import must fail its tests, not skip them


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
