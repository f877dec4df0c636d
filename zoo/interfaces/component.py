"""What every registered component declares, whatever its kind.

A component is a *declaration* (`ComponentInfo`: kind, name, parameters with defaults and
types, kind-specific metadata) plus a *factory* for one framework. Declarations are
framework-neutral data, so the core can list, show and validate recipes without importing
torch or TensorFlow; factories import their framework only when called.
"""
from __future__ import annotations

import difflib
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal


Kind = Literal["backbone", "vectorizer", "head", "loss", "dataset"]
KINDS: tuple[Kind, ...] = ("backbone", "vectorizer", "head", "loss", "dataset")
#: the metadata keys each kind must declare (see each interface module for their meaning)
REQUIRED_META: dict[str, tuple[str, ...]] = {
    "backbone": ("out_channels", "preprocessing", "stride"), "vectorizer": (), "head": ("classes",),
    "loss": ("target", "space"), "dataset": ("classes",),
}
#: the framework of components that need none (datasets, readers)
NEUTRAL = "neutral"

class ParamError(ValueError):
    """A bad parameter value or name: ``str()`` is ``"KEY: PROBLEM"``, e.g.
    ``alpha: unknown parameter; did you mean 'alpah'? (valid: ...)``; callers prefix the component
    key (``backbone.alpha: ...``)."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"{key}: {problem}")
        self.key, self.problem = key, problem


_TYPE_NAMES: dict[type, str] = {int: "int", float: "float", str: "str", bool: "bool", list: "list", dict: "dict"}


@dataclass(frozen=True)
class Param:
    """One parameter of a component: default, type, and optionally its valid choices and range.

    `type` is a Python type or a tuple of them; an int is accepted where a float is expected;
    `None` is accepted when the default is `None`; floats must be finite. The range belongs to
    the declaration and is checked wherever the value is (``zoo validate`` included):

    * ``ge`` / ``gt`` / ``le``: inclusive minimum, exclusive minimum, inclusive maximum of a
      number, or of each item of a list;
    * ``items``: the type of each item of a list; ``min_len``: its fewest items.
    """

    default: Any
    type: type | tuple[type, ...] = object
    choices: tuple[Any, ...] = ()
    help: str = ""
    ge: float | None = None
    gt: float | None = None
    le: float | None = None
    items: type | None = None
    min_len: int = 0

    @property
    def type_name(self) -> str:
        types = self.type if isinstance(self.type, tuple) else (self.type,)
        name = "|".join(_TYPE_NAMES.get(t, t.__name__) for t in types)
        return f"{name}[{_TYPE_NAMES.get(self.items, self.items.__name__)}]" if self.items else name

    def check(self, value: Any) -> Any:
        """Return `value` coerced to this parameter's type; raise ValueError naming the problem."""
        if value is None and self.default is None:
            return None
        types = self.type if isinstance(self.type, tuple) else (self.type,)
        if isinstance(value, tuple):
            value = list(value)
        value = _typed(value, types, self.type_name)
        if self.choices and value not in self.choices:
            valid = ", ".join(repr(c) for c in self.choices)
            raise ValueError(f"{value!r} is not one of {valid}")
        if isinstance(value, list):
            if len(value) < self.min_len:
                raise ValueError(f"{value!r} has {len(value)} items; give at least {self.min_len} item(s)")
            if self.items is not None:
                name = _TYPE_NAMES.get(self.items, self.items.__name__)
                value = [self._in_range(_typed(v, (self.items,), name)) for v in value]
            return value
        return self._in_range(value)

    def _in_range(self, value: Any) -> Any:
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            return value
        if self.ge is not None and value < self.ge:
            raise ValueError(f"{value!r} is below the minimum {self.ge!r}")
        if self.gt is not None and value <= self.gt:
            raise ValueError(f"{value!r} must be above {self.gt!r}")
        if self.le is not None and value > self.le:
            raise ValueError(f"{value!r} is above the maximum {self.le!r}")
        return value

    def range_text(self) -> str:
        """The declared range in words ("" when none), e.g. ``minimum 1, maximum 10``."""
        parts = [f"minimum {self.ge!r}" if self.ge is not None else "", f"above {self.gt!r}" if self.gt is not None
                 else "", f"maximum {self.le!r}" if self.le is not None else "",
                 f"at least {self.min_len} item(s)" if self.min_len else ""]
        return ", ".join(p for p in parts if p)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"default": self.default, "type": self.type_name}
        if self.choices:
            out["choices"] = list(self.choices)
        if self.range_text():
            out["range"] = self.range_text()
        if self.help:
            out["help"] = self.help
        return out


def _typed(value: Any, types: tuple[type, ...], name: str) -> Any:
    """`value` checked against `types` (an int is accepted as a float; floats must be finite)."""
    if float in types and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if object not in types and not isinstance(value, types) or (
        isinstance(value, bool) and bool not in types and object not in types
    ):
        raise ValueError(f"expected {name}, got {type(value).__name__} {value!r}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"expected a finite number, got {value!r}")
    return value


Meta = Mapping[str, Any] | Callable[[Mapping[str, Any]], Mapping[str, Any]]


@dataclass(frozen=True)
class ComponentInfo:
    """The framework-neutral declaration of a component.

    Attributes:
        kind: backbone, vectorizer, head, loss or dataset.
        name: lower-case registry name, e.g. ``resnet50``.
        params: parameter name -> `Param`; a recipe may set only these.
        description: one line for ``zoo list`` and ``zoo show``.
        meta: kind-specific metadata (see each interface module), or a function of the
            resolved parameters returning it when it depends on them (e.g. the output
            channels of ``mobilenet_v2`` depend on ``alpha``).
    """

    kind: Kind
    name: str
    params: Mapping[str, Param] = field(default_factory=dict)
    description: str = ""
    meta: Meta = field(default_factory=dict)

    def resolve(self, given: Mapping[str, Any]) -> dict[str, Any]:
        """Defaults overlaid with `given`, each checked; `ParamError` names the bad key, with a
        "did you mean" for a misspelled one."""
        unknown = sorted(set(given) - set(self.params))
        if unknown:
            valid = ", ".join(sorted(self.params)) or "none"
            close = difflib.get_close_matches(str(unknown[0]), list(self.params), n=1, cutoff=0.6)
            near = f"did you mean {close[0]!r}?" if close else ""
            raise ParamError(unknown[0], "unknown parameter" + (f"; {near}" if near else "") + f" (valid: {valid})")
        out = {}
        for key, param in self.params.items():
            try:
                out[key] = param.check(given[key]) if key in given else param.default
            except ValueError as exc:
                raise ParamError(key, str(exc)) from None
        return out

    def metadata(self, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The metadata for these (resolved) parameters."""
        if callable(self.meta):
            return dict(self.meta(self.resolve(params or {})))
        return dict(self.meta)

    def to_dict(self) -> dict[str, Any]:
        meta: Any = "depends on parameters" if callable(self.meta) else {
            k: "depends on the feature map" if callable(v) else v for k, v in self.meta.items()}
        return {
            "kind": self.kind,
            "name": self.name,
            "description": self.description,
            "params": {k: p.to_dict() for k, p in self.params.items()},
            "meta": meta,
        }


def complete_metadata(info: ComponentInfo, params: Mapping[str, Any]) -> dict[str, Any]:
    """The metadata of `info` for resolved `params`, checked to hold the keys its kind requires;
    one-line ValueError when a callable ``meta`` raises or leaves a key out."""
    try:
        meta = info.metadata(params)
    except Exception as exc:  # noqa: BLE001 - an author's function: reported as one line
        raise ValueError(f"the metadata of {info.kind} {info.name!r} raised {type(exc).__name__}: {exc} "
                         f"for parameters {dict(params)}") from None
    missing = [k for k in REQUIRED_META[info.kind] if k not in meta]
    if missing:
        raise ValueError(f"the metadata of {info.kind} {info.name!r} lacks {missing} for parameters "
                         f"{dict(params)}; see zoo.interfaces.{info.kind}")
    return meta


@dataclass(frozen=True)
class Source:
    """Where a registration came from: the plugin, its distribution and version."""

    plugin: str
    distribution: str | None = None
    version: str | None = None

    def __str__(self) -> str:
        dist = f" ({self.distribution} {self.version})" if self.distribution else ""
        return f"plugin {self.plugin!r}{dist}"


@dataclass(frozen=True)
class Entry:
    """One registration: a declaration, the framework it is built with, its factory, its source.

    `factory(**params, **context)` returns the built object; the context each kind receives
    is stated in that kind's interface module.
    """

    info: ComponentInfo
    framework: str
    factory: Callable[..., Any]
    source: Source

    @property
    def kind(self) -> Kind:
        return self.info.kind

    @property
    def name(self) -> str:
        return self.info.name

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "framework": self.framework,
            "plugin": self.source.plugin,
            "distribution": self.source.distribution,
            "version": self.source.version,
            "description": self.info.description,
        }
