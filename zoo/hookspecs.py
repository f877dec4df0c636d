"""The hooks a zoo plugin implements. One ``register_<kind>s(register)`` hook per kind.

A plugin calls ``register(...)``, which the core owns: it records where each registration
came from, normalizes the name and refuses a duplicate (kind, framework, name). Plugins import
no framework here; factories import theirs when called.
"""
from __future__ import annotations

from typing import Any

import pluggy

hookspec = pluggy.HookspecMarker("zoo")
hookimpl = pluggy.HookimplMarker("zoo")


@hookspec
def register_backbones(register: Any) -> None:
    """Register backbones: ``register(name_or_info, factory, *, framework, meta=None)``."""


@hookspec
def register_vectorizers(register: Any) -> None:
    """Register vectorizers: ``register(name_or_info, factory, *, framework)``."""


@hookspec
def register_heads(register: Any) -> None:
    """Register heads: ``register(name_or_info, factory, *, framework)``."""


@hookspec
def register_losses(register: Any) -> None:
    """Register losses: ``register(name_or_info, factory, *, framework)``."""


@hookspec
def register_datasets(register: Any) -> None:
    """Register datasets: ``register(info, factory)`` (framework-neutral)."""


@hookspec
def register_weights(register: Any) -> None:
    """Register pretrained weights: ``register(name_or_info, *, backbone, frameworks, license,
    distribution="", file="", loader=None, url="", description="")`` (see `zoo.weights.WeightsInfo`).
    Weights that a pip distribution carries need ``file`` (a glob inside its package) and a
    ``loader(backbone, path, framework)``; without a distribution the backbone factory loads them."""


@hookspec
def register_recipes(register: Any) -> None:
    """Ship recipes: ``register(name, recipe)`` with a mapping like an entry of registry.yaml, or
    ``register(path)`` for a YAML file with a top-level ``recipes:`` mapping. They appear in
    ``zoo list recipes`` with the plugin and are validated by ``zoo validate``; a name that
    registry.yaml or another plugin has is refused (listed in ``zoo plugins --json``)."""


@hookspec
def register_frameworks(register: Any) -> None:
    """Register framework adapters: ``register(name, factory, *, requirement)``; the factory
    returns a `zoo.interfaces.framework.Framework`."""


@hookspec
def register_models(register: Any) -> None:
    """Register trained models (what ``zoo package`` writes): ``register(name, directory, *,
    description="")``; `directory` holds a run's files (recipe.yaml, run.json, weights,
    metrics.json, model card, optionally model.onnx)."""


@hookspec
def register_commands(cli: Any) -> None:
    """Add click commands to the ``zoo`` CLI: ``cli.add_command(...)``."""
