"""Meta-tests (datasette style): every hook in zoo.hookspecs is documented in
docs/writing-a-plugin.md with its ``name(args)`` signature, and has a ``test_hook_<name>`` test
under tests/ or plugins/*/tests/."""
from __future__ import annotations

import inspect
import re
from pathlib import Path

import pluggy
import pytest

from zoo import hookspecs

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "writing-a-plugin.md"


def _hooks() -> dict[str, str]:
    """hook name -> ``name(arg, ...)`` signature, from the specs pluggy sees."""
    pm = pluggy.PluginManager("zoo")
    pm.add_hookspecs(hookspecs)
    out = {}
    for name in sorted(n for n in dir(pm.hook) if not n.startswith("_")):
        spec = getattr(pm.hook, name).spec
        out[name] = f"{name}({', '.join(inspect.signature(spec.function).parameters)})"
    return out


HOOKS = _hooks()


def _test_sources() -> str:
    files = [*(ROOT / "tests").rglob("test_*.py"), *(ROOT / "plugins").glob("*/tests/**/test_*.py")]
    return "\n".join(p.read_text(encoding="utf-8") for p in files)


def test_every_hook_is_found() -> None:
    assert {"register_backbones", "register_frameworks", "register_commands"} <= set(HOOKS)


@pytest.mark.parametrize("hook", sorted(HOOKS))
def test_plugin_hooks_are_documented(hook: str) -> None:
    assert DOC.exists(), f"{DOC} is missing"
    assert HOOKS[hook] in DOC.read_text(encoding="utf-8"), \
        f"hook {hook} has no documentation: add its signature `{HOOKS[hook]}` and an example to {DOC.name}"


@pytest.mark.parametrize("hook", sorted(HOOKS))
def test_plugin_hooks_have_tests(hook: str) -> None:
    assert re.search(rf"def test_hook_{hook}\b", _test_sources()), \
        f"hook {hook} has no test: write `def test_hook_{hook}` under tests/ or plugins/*/tests/"
