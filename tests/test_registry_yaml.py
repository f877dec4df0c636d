"""Every recipe in registry.yaml validates against the installed plugins."""
from __future__ import annotations

import pytest

from zoo import plugins, recipes
from zoo.validation import problems

RAW = recipes.raw_recipes()


@pytest.mark.parametrize("name", sorted(RAW))
def test_recipe_validates(name: str) -> None:
    plugins.reset()
    recipe = recipes.parse(name, RAW[name])
    assert problems(recipe, plugins.registry()) == []
    assert recipe.description and recipe.source, "every recipe says what it is and where it comes from"


def test_default_recipe_exists() -> None:
    assert recipes.DEFAULT_RECIPE in RAW
