"""The plugin surface `zoo.plugin`: first-party plugins import the core only through it, as a
third-party plugin would, and it exports exactly what it documents."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import zoo.plugin

ROOT = Path(__file__).resolve().parents[1]
PLUGIN_SOURCES = sorted(ROOT.glob("plugins/*/src/**/*.py"))


def _core_imports(path: Path) -> list[str]:
    """``line: module`` of every import of a zoo core module other than `zoo.plugin`."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules = [node.module]
        elif isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        else:
            continue
        found += [f"{node.lineno}: {m}" for m in modules if (m == "zoo" or m.startswith("zoo.")) and m != "zoo.plugin"]
    return found


def test_first_party_plugins_import_the_core_only_through_zoo_plugin() -> None:
    assert len(PLUGIN_SOURCES) > 30, "the plugin sources were not found"
    offenders = {str(p.relative_to(ROOT)): _core_imports(p) for p in PLUGIN_SOURCES}
    assert not {k: v for k, v in offenders.items() if v}


def test_the_scan_sees_a_core_import(tmp_path: Path) -> None:
    source = tmp_path / "m.py"
    source.write_text("import zoo.runs\nfrom zoo import boxes\nfrom zoo.plugin import Plan\nimport zoo_torch.x\n"
                      "def f():\n    from zoo.training import Monitor\n")
    assert _core_imports(source) == ["1: zoo.runs", "2: zoo", "6: zoo.training"]


def test_every_exported_name_exists_and_is_listed_once() -> None:
    assert len(zoo.plugin.__all__) == len(set(zoo.plugin.__all__))
    missing = [n for n in zoo.plugin.__all__ if not hasattr(zoo.plugin, n)]
    assert not missing
    public = {n for n in vars(zoo.plugin) if not n.startswith("_") and n != "annotations"}
    assert public == set(zoo.plugin.__all__), public ^ set(zoo.plugin.__all__)


def test_the_surface_imports_no_framework() -> None:
    code = ("import sys, zoo.plugin; "
            "print([m for m in ('torch', 'tensorflow', 'keras', 'jax') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
