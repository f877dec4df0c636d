"""The component registry: (kind, framework, name) -> `Entry`, with provenance.

Filled by `zoo.plugins.load_plugins`; queried by the CLI, recipe validation and assembly.
"""
from __future__ import annotations

import fnmatch
import importlib
import pkgutil
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from zoo import weights as pretrained
from zoo.errors import PluginError, UnknownNameError, WeightsError, choices_text, suggest
from zoo.interfaces.component import KINDS, NEUTRAL, ComponentInfo, Entry, Kind, Source, complete_metadata
from zoo.standard import PROVIDERS, standard

_NAME = re.compile(r"^[a-z][a-z0-9_.]*$")


class DuplicateError(PluginError):
    """A name already registered for that framework: the registration is refused, the first one kept."""


def normalize(name: str) -> str:
    """Registry names are lower-case with underscores: ``ResNet-50`` -> ``resnet_50``."""
    return re.sub(r"[-\s]+", "_", str(name).strip().lower())


@dataclass(frozen=True)
class FrameworkEntry:
    name: str
    factory: Callable[[], Any]
    requirement: str
    source: Source


@dataclass(frozen=True)
class ModelEntry:
    """A trained model registered through ``register_models``: a directory laid out as a run."""

    name: str
    directory: Path
    description: str
    source: Source


class Registry:
    """Every registered component, framework adapter and trained model."""

    def __init__(self) -> None:
        self._entries: dict[tuple[str, str, str], Entry] = {}
        self._frameworks: dict[str, FrameworkEntry] = {}
        self._models: dict[str, ModelEntry] = {}
        self._recipes: dict[str, tuple[dict[str, Any], Source]] = {}
        self._framework_cache: dict[str, Any] = {}
        self._resolved: set[str] = set()  # "module:attr" factories found importable
        #: distribution -> error of an installed plugin that failed to load (for "installed but failed" hints)
        self.failed: dict[str, str] = {}
        #: "plugin 'x' (dist version)" -> (its error, the (kind, name)s it had registered before failing)
        self.failed_plugins: dict[str, tuple[str, list[tuple[str, str]]]] = {}
        self._weights: list[pretrained.WeightsEntry] = []

    # -- registration -------------------------------------------------------------------------
    def add(self, kind: Kind, info_or_name: ComponentInfo | str, factory: Callable[..., Any] | str,
            *, framework: str, source: Source, meta: dict[str, Any] | None = None) -> Entry:
        """Add one registration; PluginError on a bad name or a duplicate, naming both sources."""
        if isinstance(info_or_name, ComponentInfo):
            info = info_or_name
            if info.kind != kind:
                raise PluginError(f"{source} registered {kind} {info.name!r} with a {info.kind} declaration",
                                  source.plugin)
        else:
            name = normalize(info_or_name)
            found = standard(kind, name)
            if found is None:
                raise PluginError(f"{source} registered {kind} {name!r}, which has no standard declaration: "
                                  f"pass a ComponentInfo (zoo.interfaces.declare_{kind})", source.plugin)
            info = found
        info = replace(info, name=normalize(info.name))
        if meta:
            base = info.meta
            info = replace(info, meta=(lambda p, b=base, m=meta: {**b(p), **m}) if callable(base) else {**base, **meta})
        if not _NAME.match(info.name):
            raise PluginError(f"{source}: invalid {kind} name {info.name!r} (use lower-case letters, digits, '_')",
                              source.plugin)
        if callable(info.meta):  # checked now with the defaults, so a gap shows at load, not at build
            try:
                complete_metadata(info, info.resolve({}))
            except ValueError as exc:
                raise PluginError(f"{source}: {exc}", source.plugin) from None
        framework = normalize(framework)
        key = (kind, framework, info.name)
        if key in self._entries:
            other = self._entries[key].source
            raise DuplicateError(f"duplicate {kind} {info.name!r} for framework {framework!r}: "
                                 f"registered by {other} and again by {source}", source.plugin)
        entry = Entry(info, framework, lazy(factory), source)
        self._entries[key] = entry
        return entry

    def add_framework(self, name: str, factory: Callable[[], Any] | str, *, requirement: str,
                      source: Source) -> None:
        name = normalize(name)
        if name in self._frameworks:
            raise DuplicateError(f"duplicate framework {name!r}: registered by {self._frameworks[name].source} "
                                 f"and again by {source}", source.plugin)
        self._frameworks[name] = FrameworkEntry(name, lazy(factory), requirement, source)

    def add_weights(self, info: pretrained.WeightsInfo, *, source: Source) -> pretrained.WeightsEntry:
        """Add pretrained weights; PluginError on a bad declaration or a duplicate
        (name, backbone, framework, distribution), naming both sources."""
        info = replace(info, name=normalize(info.name), backbone=normalize(info.backbone),
                       frameworks=tuple(normalize(f) for f in info.frameworks))
        entry = pretrained.make_entry(info, source)
        for other in self._weights:
            same = (other.info.name, other.info.backbone, other.info.distribution) == \
                (info.name, info.backbone, info.distribution)
            if same and set(other.info.frameworks) & set(info.frameworks):
                raise DuplicateError(f"duplicate {info.name} weights of backbone {info.backbone!r}: registered by "
                                     f"{other.source} and again by {source}", source.plugin)
        self._weights.append(entry)
        return entry

    def add_model(self, name: str, directory: str | Path, *, description: str = "", source: Source) -> None:
        """Add a trained model; PluginError for a duplicate name or a directory that is not a run's."""
        name = normalize(name)
        if name in self._models:
            raise DuplicateError(f"duplicate model {name!r}: registered by {self._models[name].source} "
                                 f"and again by {source}", source.plugin)
        path = Path(directory)
        if not (path / "recipe.yaml").is_file() or not (path / "run.json").is_file():
            raise PluginError(f"model {name!r}: {str(path)!r} holds no recipe.yaml and run.json; "
                              f"register the directory `zoo package` wrote", source.plugin)
        self._models[name] = ModelEntry(name, path, description, source)

    def models(self) -> dict[str, ModelEntry]:
        return dict(sorted(self._models.items()))

    def add_recipe(self, name: str, body: Any, *, source: Source, taken: Mapping[str, str]) -> None:
        """Add a plugin's recipe (a registry.yaml entry); DuplicateError when `taken` (name ->
        owner, e.g. registry.yaml's recipes) or another plugin has the name already."""
        name = str(name)
        owner = taken.get(name) or (str(self._recipes[name][1]) if name in self._recipes else None)
        if owner:
            raise DuplicateError(f"duplicate recipe {name!r}: registered by {owner} and again by {source}",
                                 source.plugin)
        if not isinstance(body, Mapping):
            raise PluginError(f"{source}: recipe {name!r} must be a mapping like an entry of registry.yaml, "
                              f"not a {type(body).__name__}", source.plugin)
        self._recipes[name] = (dict(body), source)

    def recipes(self) -> dict[str, tuple[dict[str, Any], Source]]:
        """Recipes from plugins: name -> (raw recipe, source)."""
        return dict(self._recipes)

    def remove_source(self, source: Source | str) -> int:
        """Remove everything `source` registered (a plugin that fails is removed whole). A `Source`
        matches its distribution too, so two distributions with one entry-point name stay apart."""
        def mine(other: Source) -> bool:
            return other == source if isinstance(source, Source) else other.plugin == source

        self._weights = [w for w in self._weights if not mine(w.source)]
        keys = [k for k, e in self._entries.items() if mine(e.source)]
        for k in keys:
            del self._entries[k]
        for name in [n for n, f in self._frameworks.items() if mine(f.source)]:
            del self._frameworks[name]
            keys.append(("framework", name, name))
        for name in [n for n, m in self._models.items() if mine(m.source)]:
            del self._models[name]
            keys.append(("model", name, name))
        for name in [n for n, (_, s) in self._recipes.items() if mine(s)]:
            del self._recipes[name]
            keys.append(("recipe", name, name))
        return len(keys)

    # -- queries ------------------------------------------------------------------------------
    def entries(self, kind: str | None = None, pattern: str | None = None,
                framework: str | None = None) -> list[Entry]:
        """Entries, optionally filtered by kind, a wildcard pattern (``mobilenet*``) and framework
        (neutral components match every framework), naturally sorted."""
        if kind is not None and kind not in KINDS:
            raise UnknownNameError(f"unknown kind {kind!r}; valid: {', '.join(KINDS)}")
        out = [
            e for e in self._entries.values()
            if (kind is None or e.kind == kind)
            and (pattern is None or fnmatch.fnmatchcase(e.name, normalize(pattern)))
            and (framework is None or e.framework in (normalize(framework), NEUTRAL))
        ]
        return sorted(out, key=lambda e: (KINDS.index(e.kind), _natural(e.name), e.framework))

    def names(self, kind: Kind, framework: str | None = None) -> list[str]:
        return sorted({e.name for e in self.entries(kind, framework=framework)}, key=_natural)

    def info(self, kind: Kind, name: str) -> ComponentInfo:
        """The declaration of `name` (from any framework); UnknownNameError with suggestions."""
        name = normalize(name)
        for e in self._entries.values():
            if e.kind == kind and e.name == name:
                return e.info
        raise UnknownNameError(self._unknown(kind, name, None))

    def get(self, kind: Kind, name: str, framework: str) -> Entry:
        """The entry of `name` for `framework` (or a neutral one)."""
        name, framework = normalize(name), normalize(framework)
        for fw in (framework, NEUTRAL):
            entry = self._entries.get((kind, fw, name))
            if entry is not None:
                return entry
        raise UnknownNameError(self._unknown(kind, name, framework))

    def weights(self, backbone: str | None = None, framework: str | None = None) -> list[pretrained.WeightsEntry]:
        """Registered pretrained weights, optionally of one backbone and framework."""
        out = [w for w in self._weights if (backbone is None or w.info.backbone == normalize(backbone))
               and (framework is None or normalize(framework) in w.info.frameworks)]
        return sorted(out, key=lambda w: (_natural(w.info.backbone), w.info.name, w.info.frameworks))

    def frameworks(self) -> dict[str, FrameworkEntry]:
        return dict(sorted(self._frameworks.items()))

    def framework(self, name: str) -> Any:
        """The framework adapter `name`, created once."""
        name = normalize(name)
        if name not in self._frameworks:
            hint = f"; {self.provider_hint(name)}" if name in PROVIDERS else ""
            valid = choices_text(self._frameworks) or "none installed"
            raise UnknownNameError(f"unknown framework {name!r} (installed: {valid}){hint}")
        if name not in self._framework_cache:
            entry = self._frameworks[name]
            adapter = entry.factory()
            adapter.name = getattr(adapter, "name", "") or entry.name  # stated once, at registration
            adapter.requirement = getattr(adapter, "requirement", "") or entry.requirement
            self._framework_cache[name] = adapter
        return self._framework_cache[name]

    def build(self, kind: Kind, name: str, framework: str, params: dict[str, Any], **context: Any) -> Any:
        """Call the factory of (kind, name, framework) with resolved `params` and `context`.

        A backbone whose ``weights`` names registered weights that an installed distribution
        carries is built with ``weights="none"``, then the provider's loader fills it."""
        entry = self.get(kind, name, framework)
        resolved = entry.info.resolve(params)
        if kind == "head":
            resolved.pop("classes", None)  # consumed by the core: the factory gets num_classes
        found = self.resolve_weights(entry.name, framework, resolved) if kind == "backbone" else None
        if found is not None and found.path is not None:
            resolved["weights"] = pretrained.NONE
        try:
            obj = entry.factory(**resolved, **context)
        except ImportError as exc:
            raise PluginError(f"{kind} {name!r} from {entry.source} needs a library that is not installed: "
                              f"{exc}", entry.source.plugin) from exc
        problem = (self.framework(framework).check_built(kind, obj) if normalize(framework) in self._frameworks
                   else None) or _check_built(kind, obj)
        if problem:
            raise PluginError(f"{entry.source}: the factory of {kind} {name!r} returned {problem}",
                              entry.source.plugin)
        if found is not None and found.path is not None and found.entry.loader is not None:
            _load_weights(found, obj, normalize(framework))
        return obj

    def builder(self, framework: str) -> Callable[..., Any]:
        """`build` for one framework, ``(kind, name, params, **context) -> object``: what a
        `zoo.assembly.Plan` hands its adapter instead of the whole registry."""
        def build(kind: Kind, name: str, params: dict[str, Any], **context: Any) -> Any:
            return self.build(kind, name, framework, params, **context)

        return build

    def resolve_factory(self, entry: Entry) -> None:
        """Import a ``"module:attribute"`` factory without calling it; PluginError in one line,
        naming the plugin, when the module or the attribute is missing (`zoo validate -f`)."""
        target = getattr(entry.factory, "target", None)
        if target is None or target in self._resolved:
            return
        module, _, attr = target.partition(":")
        what = f"{entry.source}: the factory {target!r} of {entry.kind} {entry.name!r}"
        try:
            loaded = importlib.import_module(module)
        except ImportError as exc:
            raise PluginError(f"{what} cannot be imported: {type(exc).__name__}: {exc}".splitlines()[0],
                              entry.source.plugin) from None
        if not callable(getattr(loaded, attr, None)):
            near = suggest(attr, [n for n in dir(loaded) if not n.startswith("_")], n=1)
            problem = "is not callable" if hasattr(loaded, attr) else f"does not exist: module {module!r} has no {attr!r}"
            raise PluginError(f"{what} {problem}" + (f"; {near}" if near else ""), entry.source.plugin)
        self._resolved.add(target)

    def provider_hint(self, framework: str) -> str:
        """Which distribution provides `framework`, and whether it is missing or installed but failed."""
        dist, cmd = PROVIDERS[framework]
        if dist in self.failed:
            return (f"it is provided by {dist}, which is installed but failed to load ({self.failed[dist]}); "
                    f"see `zoo plugins`")
        return f"it is provided by {dist}, which is not installed: {cmd}"

    def resolve_weights(self, backbone: str, framework: str, params: dict[str, Any]) -> pretrained.Resolved | None:
        """The provider of a backbone's ``weights`` parameter (see `zoo.weights.resolve`)."""
        return pretrained.resolve(self._weights, normalize(backbone), normalize(framework),
                                  str(params.get("weights", pretrained.NONE)))

    def _unknown(self, kind: Kind, name: str, framework: str | None) -> str:
        where = f" for framework {framework!r}" if framework else ""
        known = self.names(kind, framework)
        msg = f"unknown {kind} {name!r}{where}"
        hint = suggest(name, known)
        if hint:
            msg += f"; {hint}"
        decl = standard(kind, name)
        if decl is not None:
            missing = [fw for fw in ([framework] if framework else PROVIDERS) if fw in PROVIDERS
                       and fw not in self._frameworks]
            if missing:
                msg += "; " + " or ".join(self.provider_hint(fw) for fw in missing)
        elif known:
            msg += f" (valid: {choices_text(known)})"
        return msg + self._failed_hint(kind, name, msg) + f"; see `zoo list {kind}`"

    def _failed_hint(self, kind: Kind, name: str, msg: str) -> str:
        """Failed plugins that provide `name` (or may: those that failed before registering
        anything), unless `msg` names them already."""
        provides = [f"{who}, which provides it, failed to load ({err})" for who, (err, names)
                    in self.failed_plugins.items() if (kind, name) in names]
        if provides:
            return "; " + "; ".join(provides) + "; see `zoo plugins`"
        maybe = [f"{who} ({err})" for who, (err, names) in self.failed_plugins.items()
                 if not names and not any(f"({d} " in who and f"by {d}," in msg for d in self.failed)]
        return f"; a plugin that failed to load may provide it: {', '.join(maybe)}; see `zoo plugins`" if maybe else ""


def _check_built(kind: Kind, obj: Any) -> str | None:
    if obj is None:
        return "None"
    if kind == "dataset":
        from zoo.interfaces.dataset import Dataset

        if not isinstance(obj, Dataset):
            return f"a {type(obj).__name__}, not a zoo.interfaces.Dataset"
    elif kind == "loss" and not callable(obj):
        return f"a {type(obj).__name__}, which is not callable"
    elif kind in ("backbone", "vectorizer", "head") and not callable(obj):
        return f"a {type(obj).__name__}, not a framework module (not callable)"
    return None


def _load_weights(found: pretrained.Resolved, obj: Any, framework: str) -> None:
    info = found.entry.info
    try:
        assert found.entry.loader is not None
        found.entry.loader(obj, found.path, framework)
    except WeightsError:
        raise
    except Exception as exc:  # noqa: BLE001 - a loader may fail in any way; one line names it
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        raise WeightsError(f"{info.name} weights of {info.backbone!r} from {info.distribution} "
                           f"({found.path}) do not load on {framework}: {type(exc).__name__}: {first}") from exc


def lazy(factory: Callable[..., Any] | str) -> Callable[..., Any]:
    """A factory, or ``"module:attr"`` imported on first call."""
    if callable(factory):
        return factory
    if not isinstance(factory, str) or ":" not in factory:
        raise PluginError(f"factory {factory!r} is neither callable nor 'module:attribute'")
    def load(*args: Any, **kwargs: Any) -> Any:
        return pkgutil.resolve_name(factory)(*args, **kwargs)

    load.__qualname__ = factory
    load.target = factory  # type: ignore[attr-defined]  # for Registry.resolve_factory
    return load


def _natural(name: str) -> list[Any]:
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", name)]
