"""A class head's K without the data: declared by the dataset from its parameters, or set as
``head.classes``; every registry.yaml recipe plans (and `zoo build`s) with no data present."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from click.testing import CliRunner

from zoo.assembly import class_count, make_plan
from zoo.errors import RecipeError
from zoo.recipes import get, raw_recipes
from zoo.registry import Registry

NO_DATA = "dataset.root=/nonexistent/zoo-data"


@pytest.mark.parametrize("labels, k", [("binary_first", 2), ("species", 2), ("breed", 37)])
def test_oxford_pets_declares_its_class_count(fake_registry: Registry, labels: str, k: int) -> None:
    recipe = get("lars76-ex2", overrides=(NO_DATA, f"dataset.labels={labels}"))
    assert class_count(recipe, fake_registry) == k
    assert make_plan(recipe, "fake", fake_registry).num_classes == k


def test_reader_without_a_declared_count_asks_for_head_classes(fake_registry: Registry) -> None:
    base = ("head.name=box_class", "dataset.name=voc", NO_DATA)
    with pytest.raises(RecipeError, match=r"head 'box_class' needs the class count .* set head.classes=K"):
        make_plan(get("default", overrides=base), "fake", fake_registry)
    assert make_plan(get("default", overrides=(*base, "head.classes=5")), "fake", fake_registry).num_classes == 5


def test_head_classes_must_agree_with_the_data(fake_registry: Registry) -> None:
    recipe = get("default", overrides=("head.name=box_class", "head.classes=5", "dataset.name=shapes"))
    with pytest.raises(RecipeError, match=r"'head.classes': 5 classes, but dataset 'shapes' has 4"):
        make_plan(recipe, "fake", fake_registry, num_classes=4)


@pytest.mark.parametrize("name", sorted(raw_recipes()))
def test_every_recipe_plans_without_its_data(fake_registry: Registry, name: str, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # relative dataset roots point at nothing
    recipe = get(name)
    available = fake_registry.names("backbone", "fake")
    if recipe.backbone.name not in available:  # the class count does not depend on the backbone: a
        # stand-in with the same stride-32 map keeps the recipe's vectorizer/head checks meaningful
        stand_in = "mobilenet_v2" if "mobilenet_v2" in available else "tiny"
        recipe = get(name, overrides=(f"backbone.name={stand_in}",))
    plan = make_plan(recipe, "fake", fake_registry)
    assert plan.num_classes == (2 if name == "lars76-ex2" else 0)


@pytest.mark.parametrize("framework, module", [("torch", "zoo_torch"), ("keras", "zoo_keras")])
def test_zoo_build_class_recipe_without_data(framework: str, module: str, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    if importlib.util.find_spec(module) is None:
        pytest.skip(f"{module} is not installed")
    from zoo import plugins
    from zoo.cli import cli

    plugins.reset()
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["build", "lars76-ex2", "-f", framework])
    plugins.reset()
    assert result.exit_code == 0, result.output
    assert "head.logits" in result.output and "(1, 2)" in result.output
