"""Plugins ship recipes through ``register_recipes``: listed with their plugin, validated like
registry.yaml's, a name clash refused like a component clash."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from click.testing import CliRunner

from zoo import hookimpl, plugins
from zoo.cli import cli
from zoo.recipes import get, raw_recipes
from zoo.testing import isolated
from zoo.testing.numpy_framework import NumpyPlugin

MINE = {"description": "the author's recipe", "backbone": "np_pool", "vectorizer": "gap", "head": "box",
        "loss": "mse", "dataset": {"name": "blobs", "n": 16, "size": 32}, "input_size": 32}


def _plugin(name: str, register_recipes: Any) -> Any:
    cls = type(name, (), {"__name__": name,
                          "register_recipes": hookimpl(lambda self, register: register_recipes(register))})
    return cls()


def test_hook_register_recipes(tmp_path: Path) -> None:
    file = tmp_path / "more.yaml"
    file.write_text("recipes:\n  broken:\n    backbone: np_pol\n    vectorizer: gap\n    head: box\n"
                    "    loss: mse\n    dataset: blobs\n")

    def ship(register: Any) -> None:
        register("author-mine", MINE)
        register(file)

    with isolated(NumpyPlugin(), _plugin("recipe_author", ship)):
        assert get("author-mine").backbone.name == "np_pool"
        assert {"author-mine", "broken", "default"} <= set(raw_recipes())
        listed = CliRunner().invoke(cli, ["list", "recipes"]).output
        row = next(ln for ln in listed.splitlines() if ln.startswith("author-mine"))
        assert "the author's recipe" in row and "plugin 'recipe_author'" in row
        checked = CliRunner().invoke(cli, ["validate"])
        rec = {r.name: r for r in plugins.records()}["recipe_author"]
    assert "ok   author-mine (from plugin 'recipe_author')" in checked.output
    assert "FAIL broken (from plugin 'recipe_author')" in checked.output
    assert "unknown backbone 'np_pol'; did you mean 'np_pool'" in checked.output and checked.exit_code == 1
    assert rec.status == "active" and rec.components["recipe"] == ["author-mine", "broken"]


def test_recipe_name_clash_is_refused() -> None:
    first = _plugin("first_author", lambda register: (register("default", MINE), register("shared", MINE)))
    second = _plugin("second_author", lambda register: register("shared", {**MINE, "description": "other"}))
    with isolated(NumpyPlugin(), first, second, strict=False):
        recs = {r.name: r for r in plugins.records()}
        assert get("default").backbone.name != "np_pool"  # registry.yaml's recipe kept
        assert raw_recipes()["shared"]["description"] == "the author's recipe"
    assert recs["first_author"].refused == [
        "duplicate recipe 'default': registered by registry.yaml and again by plugin 'first_author'"]
    assert recs["second_author"].refused == [
        "duplicate recipe 'shared': registered by plugin 'first_author' and again by plugin 'second_author'"]


def test_validate_takes_the_file_as_argument_or_recipes_option(tmp_path: Path) -> None:
    file = tmp_path / "r.yaml"
    file.write_text("recipes:\n  only:\n    backbone: np_pool\n    vectorizer: gap\n    head: box\n"
                    "    loss: mse\n    dataset: blobs\n")
    with isolated(NumpyPlugin()):
        by_arg = CliRunner().invoke(cli, ["validate", str(file)]).output
        by_option = CliRunner().invoke(cli, ["validate", "--recipes", str(file)]).output
    assert by_arg == by_option and by_arg.splitlines()[-1] == "1 valid, 0 invalid"
