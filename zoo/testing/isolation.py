"""Isolated registries for tests: the built-ins, optionally some installed plugins, and the
plugins under test, restored afterwards. No pytest needed (the fixtures wrap these)."""
from __future__ import annotations

import os
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from importlib.metadata import entry_points
from typing import Any
from unittest.mock import patch

from zoo import plugins
from zoo.errors import PluginError
from zoo.registry import Registry

Installed = bool | Collection[str]


def plugin_name(obj: Any, index: int = 0) -> str:
    """The name `zoo.plugins.use_plugins` gives a test plugin: its module or ``__name__``."""
    return getattr(obj, "__name__", None) or getattr(obj, "name", None) or f"test-plugin-{index}"


@contextmanager
def _env(**values: str | None) -> Iterator[None]:
    """`values` in os.environ (None: unset) for the block, the environment restored after."""
    with patch.dict(os.environ, {k: v for k, v in values.items() if v is not None}):
        for k in [k for k, v in values.items() if v is None]:
            os.environ.pop(k, None)
        yield


def _same_module_entry_points(objs: tuple[Any, ...]) -> list[str]:
    """Installed entry points that load one of `objs` (a plugin module under test that is also
    pip-installed): blocked, so it is not registered twice."""
    modules = {getattr(o, "__name__", None) for o in objs}
    return [ep.name for ep in entry_points(group=plugins.GROUP) if ep.value in modules]


@contextmanager
def isolated(*objs: Any, installed: Installed = False, strict: bool = True) -> Iterator[Registry]:
    """A registry of the built-ins, `objs` (modules or objects with ``@hookimpl`` methods) and,
    with ``installed``, the installed plugins: True for all, or a collection of entry-point
    names such as ``("torch",)``. With ``strict`` a plugin in `objs` that fails to load raises
    its PluginError, and so does a duplicate name it registers (installed plugins that fail are
only recorded, and a duplicate only refused, as in production)."""
    names = [plugin_name(o, i) for i, o in enumerate(objs)]
    allow: str | None = os.environ.get("ZOO_LOAD_PLUGINS")
    if installed is not True and installed:
        allow = ",".join(installed)
    if allow is not None:  # an allow-list must not block the plugins under test
        allow = ",".join([*allow.split(","), *names])
    blocked = {b for b in (os.environ.get("ZOO_DISABLE_PLUGINS") or "").split(",") if b}
    blocked |= set(_same_module_entry_points(objs))
    env = _env(ZOO_LOAD_PLUGINS=allow, ZOO_DISABLE_PLUGINS=",".join(sorted(blocked)) or None)
    with env, plugins.use_plugins(*objs, installed=bool(installed)) as reg:
        if strict:
            for rec in plugins.records():
                if rec.name in names and rec.status == "failed":
                    raise PluginError(f"plugin {rec.name!r} failed to load: {rec.error}", rec.name)
                if rec.name in names and rec.refused:  # in production only that name is refused
                    raise PluginError(rec.refused[0], rec.name)
        yield reg


def plugin_components(plugin: Any, framework: str) -> list[tuple[str, str]]:
    """``(kind, name)`` of every component `plugin` registers for `framework` (datasets aside),
    read in an isolated registry: the list a plugin's conformance test is parametrized over, so a
    new component is checked the day it is registered (timm's one test over the registry)::

        @pytest.mark.parametrize("kind,name", plugin_components(my_plugin, "torch"))
        def test_conforms(kind, name):
            with isolated(my_plugin) as reg:
                check_component(kind, name, "torch", registry=reg, train=False)
    """
    with isolated(plugin) as reg:
        return sorted({(e.kind, e.name) for e in reg.entries(framework=framework) if e.kind != "dataset"})
