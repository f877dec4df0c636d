"""YAML alias bombs and recursive aliases are refused before they expand (issue 11, point 18)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from zoo.errors import RecipeError
from zoo.recipes import MAX_YAML_VALUES, load_file, load_yaml, raw_recipes

BOMB = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
recipes:
  bomb:
    notes: *i
"""


def test_alias_bomb_is_refused_before_it_expands() -> None:
    with pytest.raises(yaml.YAMLError, match=f"more than {MAX_YAML_VALUES}"):
        load_yaml(BOMB)


def test_recursive_alias_is_refused() -> None:
    with pytest.raises(yaml.YAMLError, match="refers to itself"):
        load_yaml("a: &a [1, *a]\n")


def test_ordinary_aliases_and_the_registry_still_load() -> None:
    assert load_yaml("base: &b {lr: 0.001}\nother: *b\n") == {"base": {"lr": 0.001}, "other": {"lr": 0.001}}
    assert "default" in raw_recipes()


def test_bomb_in_a_recipe_file_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "bomb.yaml"
    path.write_text(BOMB)
    with pytest.raises(RecipeError, match="bomb.yaml") as err:
        load_file(path)
    assert "\n" not in str(err.value)
    out = subprocess.run([sys.executable, "-m", "zoo", "validate", str(path)], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode != 0 and "alias" in out.stderr + out.stdout
