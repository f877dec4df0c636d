"""zoo: a plugin-based model zoo registry for single-object localization.

Curated public API::

    import zoo
    zoo.list_components("backbone", framework="torch")
    recipe = zoo.get_recipe("default", overrides=["train.epochs=2"])
    model = zoo.build(recipe, framework="torch")

Plugin authors import ``zoo.hookimpl`` and the ``declare_*`` helpers of ``zoo.interfaces``.
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
