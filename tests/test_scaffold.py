"""``zoo plugin new``: the folder it writes installs and passes its own tests; the contract is
stated where an author looks first (help(zoo), help(zoo.interfaces), zoo plugins --help)."""
from __future__ import annotations

import importlib
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import zoo
import zoo.interfaces
from zoo.cli import cli
from zoo.cli._common import run_cli

HOOKS = ("register_backbones", "register_vectorizers", "register_heads", "register_losses", "register_datasets",
         "register_frameworks", "register_recipes", "register_weights", "register_models", "register_commands")
ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("where", ["zoo", "zoo.interfaces", "zoo plugins --help"])
def test_contract_is_stated_where_authors_look(where: str) -> None:
    text = {"zoo": zoo.__doc__, "zoo.interfaces": zoo.interfaces.__doc__,
            "zoo plugins --help": CliRunner().invoke(cli, ["plugins", "--help"]).output}[where] or ""
    assert "entry point in the group" in text and "zoo" in text
    assert all(hook in text for hook in HOOKS), [h for h in HOOKS if h not in text]
    assert "factory" in text and "input_size" in text and "receives" in text and "returns" in text
    assert "docs/writing-a-plugin.md" in text and "zoo plugin new" in text


def test_plugin_new_refuses_bad_input_in_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "x").write_text("")
    for args, message in [(["Bad Name"], "error: plugin name 'Bad Name' is not valid"),
                          (["ok", "--framework", "jax"], "error: unknown framework jax; choose from torch, keras"),
                          (["taken"], "exists and is not empty; choose another NAME or remove it")]:
        monkeypatch.setattr(sys, "argv", ["zoo", "plugin", "new", *args, "--dir", str(tmp_path)])
        assert run_cli(cli) == 2
        err = capsys.readouterr().err
        assert message in err and len(err.strip().splitlines()) == 1, err


def test_generated_plugin_imports_only_the_plugin_surface(tmp_path: Path) -> None:
    """Every name the curated surface (zoo.plugin) offers is imported from it; only names it lacks
    come from their own module (all of them, in a zoo without zoo.plugin)."""
    from zoo.scaffold import SURFACE, new_plugin

    root = new_plugin("surf", tmp_path, ("torch", "keras"))
    lines = [ln.strip() for p in (root / "src").rglob("*.py") for ln in p.read_text().splitlines()
             if ln.startswith(("from zoo", "import zoo"))]
    assert lines and all(ln.startswith("from zoo") and " import " in ln for ln in lines)
    surface = importlib.import_module(SURFACE) if importlib.util.find_spec(SURFACE) else None
    elsewhere = [n.strip() for ln in lines if not ln.startswith(f"from {SURFACE} ")
                 for n in ln.split(" import ", 1)[1].split(",")]
    assert not [n for n in elsewhere if hasattr(surface, n)], lines


def test_new_plugin_installs_and_passes_its_own_tests(tmp_path: Path) -> None:
    """pip-installs the written folder (into a target dir, not the shared environment), then
    lists it with `zoo plugins` and runs its tests: the issue's `zoo plugin new demo && pip install
    -e demo && pytest demo`."""
    result = CliRunner().invoke(cli, ["plugin", "new", "demo", "--dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    site = tmp_path / "site"
    pip = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation",
                          "--target", str(site), str(tmp_path / "demo")], capture_output=True, text=True, timeout=300)
    assert pip.returncode == 0, pip.stderr[-2000:]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(ROOT), os.environ.get("PYTHONPATH", "")])}
    listed = subprocess.run([sys.executable, "-m", "zoo", "plugins"], capture_output=True, text=True, env=env,
                            timeout=120)
    assert any(ln.split()[:1] == ["demo"] and "active" in ln for ln in listed.stdout.splitlines()), listed.stdout
    (tmp_path / "demo" / "src").rename(tmp_path / "demo" / "src-not-used")  # the tests must use the installed copy
    tests = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path / "demo")],
                           capture_output=True, text=True, env=env, cwd=tmp_path, timeout=600)
    assert tests.returncode == 0, tests.stdout[-3000:] + tests.stderr[-2000:]
    assert re.search(r"\d+ passed", tests.stdout) and not re.search(r"\d+ (failed|error)", tests.stdout)
