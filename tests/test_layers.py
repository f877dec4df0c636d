"""The layers read top-down: the contracts in zoo/interfaces import nothing from the rest of zoo
(docs/architecture.md, "Layers")."""
from __future__ import annotations

import ast
from pathlib import Path

INTERFACES = Path(__file__).resolve().parents[1] / "zoo" / "interfaces"


def _zoo_imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append(node.module)
        elif isinstance(node, ast.Import):
            found += [a.name for a in node.names]
    return [m for m in found if m == "zoo" or m.startswith("zoo.")]


def test_interfaces_import_nothing_above_them() -> None:
    files = sorted(INTERFACES.glob("*.py"))
    assert len(files) >= 8
    above = {str(f.name): [m for m in _zoo_imports(f) if not m.startswith("zoo.interfaces")] for f in files}
    assert not {k: v for k, v in above.items() if v}
