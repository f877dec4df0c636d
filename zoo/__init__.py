"""zoo: a plugin-based model zoo registry for single-object localization.

Curated public API::

    import zoo
    zoo.list_components("backbone", framework="torch")
    recipe = zoo.get_recipe("default", overrides=["train.epochs=2"])
    model = zoo.build(recipe, framework="torch")

Writing a plugin (the full guide: docs/writing-a-plugin.md; ``zoo plugin new NAME`` writes a
ready, tested one):

* Discovery: an installed distribution declares an entry point in the group ``zoo``
  (``[project.entry-points.zoo]`` in pyproject.toml: ``mynet = "zoo_mynet.plugin"``); the
  module (or object) it names holds the hooks, marked ``@zoo.hookimpl``.
* Hooks (`zoo.hookspecs`), each called once with a ``register`` function owned by zoo:
  ``register_backbones``, ``register_vectorizers``, ``register_heads``, ``register_losses``
  (``register(info, factory, framework="torch")``), ``register_datasets``
  (``register(info, factory)``, framework-neutral), ``register_frameworks``
  (``register(name, factory, requirement=...)``), ``register_recipes`` (``register(name,
  recipe)``), ``register_weights`` (pretrained weights), ``register_models`` (trained models) and
  ``register_commands(cli)`` (click commands).
* ``info`` is a declaration from ``zoo.interfaces.declare_<kind>`` (name, `Param`s with
  defaults and types, metadata), or a standard name such as ``"resnet50"``.
* A factory is a callable or a ``"module:function"`` string (imported on first use, so loading a
  plugin imports no framework). It receives the recipe's resolved parameters as keywords plus
  its kind's context (backbone: ``input_size=(H, W)``; vectorizer: ``in_channels``, ``in_size``;
  head: ``in_features``, ``in_channels``, ``num_classes``; loss and dataset: none) and returns
  the framework's module (``torch.nn.Module`` / ``keras.layers.Layer``), a loss callable
  ``loss(pred, target) -> scalar``, or a `zoo.interfaces.Dataset`. Each kind's module in
  `zoo.interfaces` states its contract.
* Testing: `zoo.testing` (``pytest_plugins = ["zoo.testing.fixtures"]``, ``check_component``).
"""
from __future__ import annotations

from typing import Any

from zoo.errors import DataError, PluginError, RecipeError, UnknownNameError, WeightsError, ZooError
from zoo.hookspecs import hookimpl
from zoo.interfaces.component import ComponentInfo, Entry, Param
from zoo.recipes import Recipe
from zoo.recipes import get as get_recipe

__version__ = "0.1.0"


def list_components(kind: str | None = None, pattern: str | None = None,
                    framework: str | None = None) -> list[Entry]:
    """Registered components, filtered by kind, wildcard pattern and framework."""
    from zoo.plugins import registry

    return registry().entries(kind, pattern, framework)


def build(recipe: Recipe | str, framework: str, overrides: tuple[str, ...] = ()) -> Any:
    """Build the model of `recipe` (a Recipe or a recipe name) on `framework`."""
    from zoo.assembly import make_plan
    from zoo.plugins import registry

    if isinstance(recipe, str):
        recipe = get_recipe(recipe, overrides=overrides)
    reg = registry()
    return reg.framework(framework).build(make_plan(recipe, framework, reg))


__all__ = [
    "ComponentInfo", "DataError", "Entry", "Param", "PluginError", "Recipe", "RecipeError", "UnknownNameError",
    "WeightsError", "ZooError", "build", "get_recipe", "hookimpl", "list_components",
]
