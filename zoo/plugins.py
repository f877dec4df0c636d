"""Plugin loading: the one module that owns the pluggy PluginManager.

Plugins are found through entry points of group ``zoo`` and loaded lazily, once, on the first
`registry()` call. The core's own framework-neutral components (`DEFAULT_PLUGINS`) register
through the same path. A plugin that fails to import or to register is recorded as failed with
its error and removed whole (``sys.exit()`` at import included); the others keep working.

A plugin is identified by its distribution and entry-point name together, so a second
distribution with an entry point named ``torch`` is a plugin of its own. Plugins load in this
order: the built-ins, the ones named in ``ZOO_PREFER_PLUGINS``, the first-party framework
plugins (zoo-torch, zoo-keras), then the others, earliest installed first. A name
that an earlier plugin already registered for a framework is refused: the first registration
is kept and the refusal is listed in the later plugin's record, whose other components work.

Environment:
    ZOO_STRICT_PLUGINS=1      re-raise a plugin's error instead of recording it
    ZOO_DISABLE_PLUGINS=a,b   block these plugins (entry-point or distribution names)
    ZOO_LOAD_PLUGINS=a,b      load only these installed plugins ('' loads none)
    ZOO_PREFER_PLUGINS=a,b    load these first, so that their names win over any duplicate
"""
from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from importlib.metadata import EntryPoint, entry_points
from typing import Any

import pluggy

from zoo import hookspecs
from zoo.errors import PluginError, suggest
from zoo.interfaces.component import KINDS, NEUTRAL, Kind, Source
from zoo.registry import DuplicateError, Registry
from zoo.standard import PROVIDERS
from zoo.weights import WeightsInfo

GROUP = "zoo"
DEFAULT_PLUGINS: tuple[str, ...] = ("zoo.builtin.datasets",)
_HOOKS: dict[str, Kind | None] = {
    "register_backbones": "backbone",
    "register_vectorizers": "vectorizer",
    "register_heads": "head",
    "register_losses": "loss",
    "register_datasets": "dataset",
    "register_frameworks": None,
    "register_models": None,
    "register_weights": None,
    "register_recipes": None,
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
    refused: list[str] = field(default_factory=list)  # duplicate registrations refused (another kept the name)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


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
    """Built-in plugins, then the entry points of group ``zoo`` (de-duplicated), earliest
    installed first (by the time of their distribution's metadata; found order on a tie)."""
    found: list[tuple[str, Callable[[], Any], Source]] = []
    for module in DEFAULT_PLUGINS:
        found.append((module, lambda m=module: importlib.import_module(m), Source(module, "zoo", _version("zoo"))))
    seen: set[tuple[str | None, str]] = set()
    eps = []
    for ep in entry_points(group=GROUP):
        dist = getattr(ep, "dist", None)
        key = (dist.name if dist else None, ep.name)
        if key in seen:
            continue
        seen.add(key)
        eps.append(ep)
    for ep in sorted(eps, key=_installed_at):
        found.append((ep.name, ep.load, _ep_source(ep)))
    return found


def _installed_at(ep: EntryPoint) -> float:
    """When the entry point's distribution was installed (its metadata folder's time); +inf unknown."""
    path = getattr(getattr(ep, "dist", None), "_path", None)  # PathDistribution's metadata folder
    try:
        return os.stat(path).st_mtime if path is not None else float("inf")
    except OSError:
        return float("inf")


def plugin_id(source: Source) -> str:
    """The plugin's identity: ``distribution:entry-point`` (just the name for built-ins and tests)."""
    return f"{source.distribution}:{source.plugin}" if source.distribution else source.plugin


def load_order(plugins: list[tuple[str, Callable[[], Any], Source]]) -> list[tuple[str, Callable[[], Any], Source]]:
    """Built-ins, then ``ZOO_PREFER_PLUGINS``, then first-party framework plugins, then the rest
    in the order given (`discover` gives the earliest installed first): who comes first keeps a
    duplicated name."""
    preferred = _env_list("ZOO_PREFER_PLUGINS") or set()
    first_party = {dist for dist, _ in PROVIDERS.values()}

    def rank(item: tuple[str, Callable[[], Any], Source]) -> int:
        name, _, source = item
        if name in DEFAULT_PLUGINS:
            return 0
        if preferred & {name, source.distribution, plugin_id(source)}:
            return 1
        return 2 if source.distribution in first_party else 3
    return sorted(plugins, key=rank)


def load_plugins(plugins: list[tuple[str, Callable[[], Any], Source]]) -> State:
    """Load `plugins` = (name, loader, source) into a fresh registry, in `load_order`; isolate
    failures (a plugin that raises, or calls ``sys.exit()``, is recorded as failed)."""
    pm = pluggy.PluginManager(GROUP)
    pm.add_hookspecs(hookspecs)
    reg = Registry()
    records: list[PluginRecord] = []
    strict = os.environ.get("ZOO_STRICT_PLUGINS", "") not in ("", "0")
    blocked = _env_list("ZOO_DISABLE_PLUGINS") or set()
    allowed = _env_list("ZOO_LOAD_PLUGINS")
    for name, loader, source in load_order(plugins):
        builtin = name in DEFAULT_PLUGINS
        pid = plugin_id(source)
        rec = PluginRecord(name, source.distribution, source.version, "builtin" if builtin else "active")
        records.append(rec)
        names = {name, source.distribution, pid}
        if names & blocked or (not builtin and allowed is not None and not names & allowed):
            rec.status = "blocked"
            pm.set_blocked(pid)
            continue
        try:
            plugin = loader()
            pm.register(plugin, name=pid)
            rec.hooks = _check_hooks(pm, plugin, name)
            _call_register_hooks(pm, plugin, reg, source, rec)
        except (Exception, SystemExit) as exc:  # noqa: BLE001 - a plugin may fail in any way; it is isolated
            if strict:
                raise
            fail(rec, source, exc, reg, pm)
            continue
        rec.components = _components_of(reg, source)
    return State(reg, records, pm)


def fail(rec: PluginRecord, source: Source, exc: BaseException, reg: Registry, pm: pluggy.PluginManager) -> None:
    """Mark `rec` failed with `exc` and remove everything its plugin registered (remembered, so an
    unknown-name error can say that this failed plugin provides it)."""
    provided = [(e.kind, e.name) for e in reg.entries() if e.source == source]
    reg.remove_source(source)
    if pm.get_plugin(plugin_id(source)) is not None:
        pm.unregister(name=plugin_id(source))
    rec.status = "failed"
    rec.error = (f"{type(exc).__name__}: {exc}".splitlines() or [type(exc).__name__])[0]
    rec.components = {}
    if source.distribution:
        reg.failed[source.distribution] = rec.error
    reg.failed_plugins[str(source)] = (rec.error, provided)


def add_commands(cli: Any) -> None:
    """Call every loaded plugin's ``register_commands(cli)``, one at a time: a plugin that raises
    (or exits) is marked failed, its commands and components removed; a command that replaces an
    existing one is refused (the first keeps its name, as for components); the CLI keeps working."""
    state = _load()
    by_id = {plugin_id(Source(r.name, r.distribution, r.version)): r for r in state.records}
    strict = os.environ.get("ZOO_STRICT_PLUGINS", "") not in ("", "0")
    for impl in state.manager.hook.register_commands.get_hookimpls():
        rec = by_id.get(impl.plugin_name)
        before = dict(cli.commands)
        try:
            impl.function(cli=cli)
        except (Exception, SystemExit) as exc:  # noqa: BLE001 - isolated like a failing import
            if strict or rec is None:
                raise
            for added in set(cli.commands) - set(before):
                del cli.commands[added]
            cli.commands.update(before)
            fail(rec, Source(rec.name, rec.distribution, rec.version), exc, state.registry, state.manager)
            continue
        for name, command in before.items():
            if cli.commands.get(name) is not command:
                cli.commands[name] = command
                if rec is not None:
                    rec.refused.append(f"duplicate command {name!r}: `zoo {name}` exists already")


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


def _call_register_hooks(pm: pluggy.PluginManager, plugin: Any, reg: Registry, source: Source,
                         rec: PluginRecord) -> None:
    for hook, kind in _HOOKS.items():
        for impl in getattr(pm.hook, hook).get_hookimpls():
            if impl.plugin is plugin:
                impl.function(register=_registrar(reg, kind, source, rec, hook))


def _registrar(reg: Registry, kind: Kind | None, source: Source, rec: PluginRecord,
               hook: str = "") -> Callable[..., Any]:
    """The ``register`` a hook receives; a duplicate is refused (and listed), not fatal."""
    if hook == "register_models":
        def register_model(name: str, directory: Any, *, description: str = "") -> None:
            try:
                reg.add_model(name, directory, description=description, source=source)
            except DuplicateError as exc:
                rec.refused.append(str(exc))
        return register_model
    if hook == "register_recipes":
        def register_recipe(name_or_file: str | Path, recipe: Mapping[str, Any] | None = None) -> None:
            from zoo.recipes import builtin_recipe_names, load_file

            found = {str(name_or_file): recipe} if recipe is not None else load_file(name_or_file)
            for name, body in found.items():
                try:
                    reg.add_recipe(name, body, source=source, taken=builtin_recipe_names())
                except DuplicateError as exc:
                    rec.refused.append(str(exc))
        return register_recipe
    if hook == "register_weights":
        def register_weights(info_or_name: WeightsInfo | str, **fields: Any) -> None:
            if isinstance(info_or_name, WeightsInfo):
                info = info_or_name
            else:
                frameworks = fields.pop("frameworks", None) or fields.pop("framework", ())
                if isinstance(frameworks, str):
                    frameworks = (frameworks,)
                try:
                    info = WeightsInfo(str(info_or_name), frameworks=tuple(frameworks), **fields)
                except TypeError as exc:
                    raise PluginError(f"{source}: register_weights({info_or_name!r}): {exc}", source.plugin) from None
            try:
                reg.add_weights(info, source=source)
            except DuplicateError as exc:
                rec.refused.append(str(exc))
        return register_weights
    if kind is None:
        def register_framework(name: str, factory: Any, *, requirement: str = "") -> None:
            try:
                reg.add_framework(name, factory, requirement=requirement, source=source)
            except DuplicateError as exc:
                rec.refused.append(str(exc))
        return register_framework

    def register(info_or_name: Any, factory: Any, *, framework: str = NEUTRAL,
                 meta: dict[str, Any] | None = None) -> None:
        try:
            reg.add(kind, info_or_name, factory, framework=framework, source=source, meta=meta)
        except DuplicateError as exc:
            rec.refused.append(str(exc))
    return register


def _components_of(reg: Registry, source: Source) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for kind in KINDS:
        names = sorted({f"{e.name} [{e.framework}]" for e in reg.entries(kind) if e.source == source})
        if names:
            out[kind] = names
    fws = [f.name for f in reg.frameworks().values() if f.source == source]
    if fws:
        out["framework"] = fws
    trained = [m.name for m in reg.models().values() if m.source == source]
    if trained:
        out["model"] = trained
    shipped = sorted(n for n, (_, s) in reg.recipes().items() if s == source)
    if shipped:
        out["recipe"] = shipped
    found = sorted({f"{w.info.name} {w.info.backbone} [{', '.join(w.info.frameworks)}]" for w in reg.weights()
                    if w.source == source})
    if found:
        out["weights"] = found
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
