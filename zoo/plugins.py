"""Plugin loading: the one module that owns the pluggy PluginManager.

Plugins are found through entry points of group ``zoo`` and loaded lazily, once, on the first
`registry()` call. The core's own framework-neutral components (`DEFAULT_PLUGINS`) register
through the same path. A plugin that fails to import or to register is recorded as failed with
its error and removed whole; the others keep working.

Environment:
    ZOO_STRICT_PLUGINS=1      re-raise a plugin's error instead of recording it
    ZOO_DISABLE_PLUGINS=a,b   block these plugins (entry-point or distribution names)
    ZOO_LOAD_PLUGINS=a,b      load only these installed plugins ('' loads none)
"""
from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from typing import Any

import pluggy

from zoo import hookspecs
from zoo.errors import PluginError, suggest
from zoo.interfaces.component import KINDS, NEUTRAL, Kind, Source
from zoo.registry import Registry

GROUP = "zoo"
DEFAULT_PLUGINS: tuple[str, ...] = ("zoo.builtin.datasets",)
_HOOKS: dict[str, Kind | None] = {
    "register_backbones": "backbone",
    "register_vectorizers": "vectorizer",
    "register_heads": "head",
    "register_losses": "loss",
    "register_datasets": "dataset",
    "register_frameworks": None,
}


@dataclass
class PluginRecord:
    """What `zoo plugins` shows for one plugin."""

    name: str
    distribution: str | None
    version: str | None
    status: str  # active, failed, blocked, builtin
    error: str | None = None
    hooks: list[str] = field(default_factory=list)
    components: dict[str, list[str]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "distribution": self.distribution, "version": self.version,
                "status": self.status, "error": self.error, "hooks": self.hooks,
                "components": self.components}


@dataclass
class State:
    registry: Registry
    records: list[PluginRecord]
    manager: pluggy.PluginManager


_state: State | None = None


def registry() -> Registry:
    """The registry of all installed plugins, loading them on first use."""
    return _load().registry


def records() -> list[PluginRecord]:
    """One record per plugin (built-in, installed, failed or blocked)."""
    return _load().records


def manager() -> pluggy.PluginManager:
    return _load().manager


def _env_list(name: str) -> set[str] | None:
    value = os.environ.get(name)
    if value is None:
        return None
    return {v.strip() for v in value.split(",") if v.strip()}


def _load() -> State:
    global _state
    if _state is None:
        _state = load_plugins(discover())
    return _state


def discover() -> list[tuple[str, Callable[[], Any], Source]]:
    """Built-in plugins, then the entry points of group ``zoo`` (de-duplicated)."""
    found: list[tuple[str, Callable[[], Any], Source]] = []
    for module in DEFAULT_PLUGINS:
        found.append((module, lambda m=module: importlib.import_module(m), Source(module, "zoo", _version("zoo"))))
    seen: set[tuple[str | None, str]] = set()
    for ep in entry_points(group=GROUP):
        dist = getattr(ep, "dist", None)
        key = (dist.name if dist else None, ep.name)
        if key in seen:
            continue
        seen.add(key)
        found.append((ep.name, ep.load, _ep_source(ep)))
    return found


def load_plugins(plugins: list[tuple[str, Callable[[], Any], Source]]) -> State:
    """Load `plugins` = (name, loader, source) into a fresh registry; isolate failures."""
    pm = pluggy.PluginManager(GROUP)
    pm.add_hookspecs(hookspecs)
    reg = Registry()
    records: list[PluginRecord] = []
    strict = os.environ.get("ZOO_STRICT_PLUGINS", "") not in ("", "0")
    blocked = _env_list("ZOO_DISABLE_PLUGINS") or set()
    allowed = _env_list("ZOO_LOAD_PLUGINS")
    for name, loader, source in plugins:
        builtin = name in DEFAULT_PLUGINS
        rec = PluginRecord(name, source.distribution, source.version, "builtin" if builtin else "active")
        records.append(rec)
        if name in blocked or (source.distribution in blocked) or (not builtin and allowed is not None
                                                                   and name not in allowed):
            rec.status = "blocked"
            pm.set_blocked(name)
            continue
        try:
            plugin = loader()
            pm.register(plugin, name=name)
            rec.hooks = _check_hooks(pm, plugin, name)
            _call_register_hooks(pm, plugin, reg, source)
        except Exception as exc:  # noqa: BLE001 - a plugin may fail in any way; it is isolated
            if strict:
                raise
            reg.remove_source(source.plugin)
            if pm.get_plugin(name) is not None:
                pm.unregister(name=name)
            rec.status = "failed"
            rec.error = f"{type(exc).__name__}: {exc}".splitlines()[0]
            continue
        rec.components = _components_of(reg, source.plugin)
    return State(reg, records, pm)


def _check_hooks(pm: pluggy.PluginManager, plugin: Any, name: str) -> list[str]:
    """Hook names the plugin implements; PluginError for a hook no spec knows (a misspelling)."""
    hooks = []
    for caller in pm.get_hookcallers(plugin) or []:
        if not caller.has_spec():
            near = suggest(caller.name, list(_HOOKS) + ["register_commands"])
            raise PluginError(f"plugin {name!r} implements unknown hook {caller.name!r}"
                              + (f"; {near}" if near else ""), name)
        hooks.append(caller.name)
    return sorted(hooks)


def _call_register_hooks(pm: pluggy.PluginManager, plugin: Any, reg: Registry, source: Source) -> None:
    for hook, kind in _HOOKS.items():
        for impl in getattr(pm.hook, hook).get_hookimpls():
            if impl.plugin is plugin:
                impl.function(register=_registrar(reg, kind, source))


def _registrar(reg: Registry, kind: Kind | None, source: Source) -> Callable[..., Any]:
    if kind is None:
        def register_framework(name: str, factory: Any, *, requirement: str = "") -> None:
            reg.add_framework(name, factory, requirement=requirement, source=source)
        return register_framework

    def register(info_or_name: Any, factory: Any, *, framework: str = NEUTRAL,
                 meta: dict[str, Any] | None = None) -> None:
        reg.add(kind, info_or_name, factory, framework=framework, source=source, meta=meta)
    return register


def _components_of(reg: Registry, plugin: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for kind in KINDS:
        names = sorted({f"{e.name} [{e.framework}]" for e in reg.entries(kind) if e.source.plugin == plugin})
        if names:
            out[kind] = names
    fws = [f.name for f in reg.frameworks().values() if f.source.plugin == plugin]
    if fws:
        out["framework"] = fws
    return out


def _ep_source(ep: EntryPoint) -> Source:
    dist = getattr(ep, "dist", None)
    return Source(ep.name, dist.name if dist else None, dist.version if dist else None)


def _version(dist: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return None


@contextmanager
def use_plugins(*plugins: Any, builtins: bool = True, installed: bool = False) -> Iterator[Registry]:
    """Temporarily replace the loaded plugins (for tests): the built-ins (unless ``builtins``
    is False), the installed entry points only when ``installed``, and `plugins` (modules or
    objects with ``@hookimpl`` methods)."""
    global _state
    saved = _state
    found = [p for p in discover() if (builtins and p[0] in DEFAULT_PLUGINS)
             or (installed and p[0] not in DEFAULT_PLUGINS)]
    for i, obj in enumerate(plugins):
        name = getattr(obj, "__name__", None) or getattr(obj, "name", None) or f"test-plugin-{i}"
        found.append((name, lambda o=obj: o, Source(name)))
    _state = load_plugins(found)
    try:
        yield _state.registry
    finally:
        _state = saved


def reset() -> None:
    """Forget loaded plugins; the next `registry()` call loads them again."""
    global _state
    _state = None
