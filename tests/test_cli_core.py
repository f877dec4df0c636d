"""The framework-free CLI commands import neither torch nor TensorFlow, and answer fast."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time

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
                                  ["validate"], ["show", "default"], ["list", "recipes"]])
def test_framework_free_commands_import_no_framework(args: list[str]) -> None:
    out = _run(*args)
    assert out.returncode in (0, 1), out.stderr
    assert "HEAVY=\n" in out.stderr or out.stderr.rstrip().endswith("HEAVY="), out.stderr


def test_zoo_list_is_fast() -> None:
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "zoo", "list"], capture_output=True, text=True, timeout=60)
    elapsed = time.perf_counter() - start
    assert out.returncode == 0, out.stderr
    assert elapsed < 3.0  # generous for CI; benchmarks/bench_cli.py measures the real figure


def test_show_unknown_recipe_is_one_line_with_suggestion() -> None:
    out = subprocess.run([sys.executable, "-m", "zoo", "show", "defualt"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "unknown recipe 'defualt'; did you mean 'default'" in lines[0]


def test_list_json_has_name_kind_framework_plugin() -> None:
    out = subprocess.run([sys.executable, "-m", "zoo", "list", "--json"], capture_output=True, text=True, timeout=60)
    rows = json.loads(out.stdout)
    assert rows and all({"name", "kind", "framework", "plugin"} <= set(r) for r in rows)
