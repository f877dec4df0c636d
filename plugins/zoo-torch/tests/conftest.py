"""Shared fixtures of the zoo-torch tests; every test here is marked ``torch``."""
from __future__ import annotations

from pathlib import Path
import pytest

from zoo.plugins import registry as _registry
from zoo.registry import Registry

HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.torch)


@pytest.fixture(scope="session")
def reg() -> Registry:
    return _registry()
