"""The framework-free CLI commands succeed without importing torch or TensorFlow; `zoo validate`
exits 1 on an invalid recipe; ZOO_DEBUG, ZOO_REGISTRY do what docs/cli.md says. (Speed is measured
by benchmarks/bench_cli.py, not here.)"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

PROBE = """
import sys
from zoo.cli import _plugin_commands, cli
from zoo.cli._common import run_cli
_plugin_commands()
sys.argv = ["zoo", *{args!r}]
code = run_cli(cli)
heavy = sorted(m for m in ("torch", "tensorflow", "keras", "timm", "jax") if m in sys.modules)
print("HEAVY=" + ",".join(heavy), file=sys.stderr)
sys.exit(code)
"""


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", PROBE.format(args=list(args))], capture_output=True, text=True,
                          timeout=120, env=dict(os.environ))


@pytest.mark.parametrize("args", [["list"], ["list", "backbone", "res*", "--json"], ["plugins", "--json"],
                                  ["validate"], ["show", "default"], ["list", "recipes"],
                                  ["data", "show", "blobs", "--set", "n=20", "--samples", "0"]])
def test_framework_free_commands_import_no_framework(args: list[str]) -> None:
    # guards: each command succeeds (exit 0, not merely "no crash") and imports no framework
    out = _run(*args)
    assert out.returncode == 0, out.stderr
    assert "HEAVY=\n" in out.stderr or out.stderr.rstrip().endswith("HEAVY="), out.stderr


def test_show_unknown_recipe_is_one_line_with_suggestion() -> None:
    out = subprocess.run([sys.executable, "-m", "zoo", "show", "defualt"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "unknown recipe 'defualt'; did you mean 'default'" in lines[0]


def test_list_json_has_name_kind_framework_plugin() -> None:
    out = subprocess.run([sys.executable, "-m", "zoo", "list", "--json"], capture_output=True, text=True, timeout=60)
    rows = json.loads(out.stdout)
    assert rows and all({"name", "kind", "framework", "plugin"} <= set(r) for r in rows)


def _zoo(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "zoo", *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, **env})


RECIPE = """
    input_size: 32
    backbone: {{name: {backbone}, filters: [8]}}
    vectorizer: flatten
    head: {{name: box, encoding: xyxy, activation: sigmoid}}
    loss: [{{name: mse}}]
    dataset: {{name: blobs, n: 32, size: 32}}
"""


def _recipes(path: Path, **backbones: str) -> Path:
    path.write_text("recipes:\n" + "".join(f"  {name}:" + RECIPE.format(backbone=b)
                                            for name, b in backbones.items()))
    return path


def test_validate_exits_1_on_an_invalid_recipe(tmp_path: Path) -> None:
    # guards docs/cli.md: "exit 1 when one is invalid" (and 0 when all are valid)
    good = _zoo("validate", str(_recipes(tmp_path / "good.yaml", mine="simple_cnn")))
    assert good.returncode == 0, good.stdout + good.stderr
    assert "1 valid, 0 invalid" in good.stdout
    bad = _zoo("validate", str(_recipes(tmp_path / "bad.yaml", mine="simple_cnn", broken="no_such_backbone")))
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "FAIL broken" in bad.stdout and "no_such_backbone" in bad.stdout and "1 valid, 1 invalid" in bad.stdout


def test_zoo_registry_replaces_the_recipe_file(tmp_path: Path) -> None:
    # guards docs/cli.md: ZOO_REGISTRY names another registry.yaml
    path = _recipes(tmp_path / "registry.yaml", only_here="simple_cnn")
    assert _zoo("show", "only_here").returncode == 2
    shown = _zoo("show", "only_here", "--json", ZOO_REGISTRY=str(path))
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["dataset"]["n"] == 32
    listed = _zoo("validate", ZOO_REGISTRY=str(path))
    assert listed.returncode == 0 and "1 valid, 0 invalid" in listed.stdout, listed.stdout + listed.stderr


def test_zoo_debug_shows_the_traceback() -> None:
    # guards docs/cli.md: errors are one line, ZOO_DEBUG=1 shows the traceback
    quiet = _zoo("show", "defualt")
    assert "Traceback" not in quiet.stderr and len(quiet.stderr.strip().splitlines()) == 1
    loud = _zoo("show", "defualt", ZOO_DEBUG="1")
    assert loud.returncode != 0
    assert "Traceback (most recent call last)" in loud.stderr and "unknown recipe 'defualt'" in loud.stderr


def test_show_component_gives_each_frameworks_own_metadata() -> None:
    """`zoo show -k KIND NAME`: one entry per framework with that registration's metadata (the
    preprocessing of mobilenet_v2 is timm's "torch" on torch and keras.applications' "tf" on Keras)."""
    shown = _zoo("show", "-k", "backbone", "mobilenet_v2", "--json")
    assert shown.returncode == 0, shown.stderr
    data = json.loads(shown.stdout)
    per = data["per_framework"]
    assert set(per) == set(data["frameworks"])
    if {"torch", "keras"} <= set(per):
        assert per["torch"]["metadata"]["preprocessing"] == "torch"
        assert per["keras"]["metadata"]["preprocessing"] == "tf"
    assert all(v["metadata"]["out_channels"] == 1280 for v in per.values())


def test_show_renders_every_registered_component_as_yaml() -> None:
    """`zoo show NAME --kind KIND` (YAML, the default) for every registration: metadata that is a
    function of the feature map (the conv vectorizer's out_features) is described, not dumped."""
    from click.testing import CliRunner

    from zoo.cli import cli
    from zoo.plugins import registry

    reg = registry()
    failed = []
    for kind in ("backbone", "vectorizer", "head", "loss", "dataset"):
        for name in sorted({e.name for e in reg.entries(kind)}):
            result = CliRunner().invoke(cli, ["show", name, "--kind", kind])
            if result.exit_code != 0 or f"name: {name}" not in result.output:
                failed.append(f"{kind} {name}: {result.exception!r}")
    assert not failed, failed


def test_show_with_overrides_that_do_not_fit_shows_the_recipe_and_its_problems() -> None:
    # the cross-component checks of `zoo validate` (here: a dense-free head on a 1024-value vector)
    shown = _zoo("show", "default", "--set", "head.dense=false")
    assert shown.returncode == 1
    assert "dense: false" in shown.stdout
    assert shown.stderr.strip().startswith("problem: recipe 'default', key 'head.dense'")
    as_json = _zoo("show", "default", "--set", "head.dense=false", "--json")
    assert as_json.returncode == 1 and "head.dense" in json.loads(as_json.stdout)["problems"][0]
    fine = _zoo("show", "default", "--json")
    assert fine.returncode == 0 and json.loads(fine.stdout)["problems"] == []
