"""Core tests run against fake plugins, isolated from whatever is installed."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from zoo import hookimpl, plugins
from zoo.interfaces import Param, declare_backbone, declare_head, declare_loss
from zoo.registry import Registry

FAKE_DIST = Path(__file__).parent / "fake_dist"


def _factory(**kwargs: Any) -> Any:
    return lambda x: x


class FakeFramework:
    """A plugin that registers the standard names for framework 'fake' with trivial factories."""

    __name__ = "fake"

    @hookimpl
    def register_backbones(self, register: Any) -> None:
        for name in ("simple_cnn", "resnet18", "resnet50", "vgg16", "mobilenet_v2"):
            register(name, _factory, framework="fake")
        register(declare_backbone("tiny", description="a test backbone", params={"width": Param(8, int)},
                                  meta={"out_channels": 8, "preprocessing": "unit", "stride": 4}),
                 _factory, framework="fake")

    @hookimpl
    def register_vectorizers(self, register: Any) -> None:
        for name in ("flatten", "gap", "gmp", "conv", "conv_gap", "vote"):
            register(name, _factory, framework="fake")

    @hookimpl
    def register_heads(self, register: Any) -> None:
        for name in ("box", "box_class"):
            register(name, _factory, framework="fake")

    @hookimpl
    def register_losses(self, register: Any) -> None:
        for name in ("mse", "smooth_l1", "bce", "log_l2", "giou", "focal", "cross_entropy"):
            register(name, _factory, framework="fake")


@pytest.fixture
def fake_registry() -> Iterator[Registry]:
    """Built-in datasets + the fake framework plugin, nothing installed."""
    with plugins.use_plugins(FakeFramework()) as reg:
        yield reg


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("ZOO_STRICT_PLUGINS", "ZOO_DISABLE_PLUGINS", "ZOO_LOAD_PLUGINS", "ZOO_REGISTRY"):
        monkeypatch.delenv(var, raising=False)


__all__ = ["FAKE_DIST", "FakeFramework", "declare_head", "declare_loss"]
