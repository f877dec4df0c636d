"""``zoo plugin new``: write a ready, installable plugin folder that passes its own tests.

The folder holds a ``pyproject.toml`` with the ``zoo`` entry point, a package with one backbone,
one loss (per requested framework) and one framework-neutral dataset reader, and a ``tests/``
folder using `zoo.testing`. Everything imports only the curated plugin surface, as
docs/writing-a-plugin.md describes; ``pip install -e NAME && pytest NAME`` passes as written.
"""
from __future__ import annotations

import re
from pathlib import Path

from zoo import scaffold_templates as templates
from zoo.errors import ZooError

FRAMEWORKS = ("torch", "keras")
_NAME = re.compile(r"^[a-z][a-z0-9_-]*$")
#: the module a generated plugin imports from (the curated plugin surface)
SURFACE = "zoo.plugin"


def package_name(name: str) -> str:
    return name.replace("-", "_")


def new_plugin(name: str, parent: Path, frameworks: tuple[str, ...] = FRAMEWORKS) -> Path:
    """Write the plugin folder ``parent/name`` and return it; ZooError (one line) for a bad
    name, an unknown framework or a folder that exists and is not empty."""
    if not _NAME.match(name):
        raise ZooError(f"plugin name {name!r} is not valid: use lower-case letters, digits, '-' and '_', "
                       f"starting with a letter (e.g. 'mynet')")
    unknown = [f for f in frameworks if f not in FRAMEWORKS]
    if unknown or not frameworks:
        raise ZooError(f"unknown framework {', '.join(unknown) or '(none)'}; choose from {', '.join(FRAMEWORKS)}, "
                       f"e.g. --framework torch,keras")
    root = Path(parent) / name
    if root.exists() and any(root.iterdir()):
        raise ZooError(f"{str(root)!r} exists and is not empty; choose another NAME or remove it")
    for rel, text in files(name, frameworks).items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def files(name: str, frameworks: tuple[str, ...]) -> dict[str, str]:
    """Relative path -> content of every generated file."""
    pkg = package_name(name)
    subs = {"NAME": name, "PKG": pkg, "FRAMEWORKS": repr(tuple(frameworks))}

    def fill(text: str) -> str:
        text = re.sub(r"from @SURFACE@ import ([\w, ]+)", lambda m: _imports(m.group(1)), text)
        for key, value in subs.items():
            text = text.replace(f"@{key}@", value)
        return text

    out = {
        "pyproject.toml": templates.PYPROJECT, "README.md": templates.README, "conftest.py": templates.CONFTEST,
        f"src/{pkg}/__init__.py": templates.INIT, f"src/{pkg}/plugin.py": _plugin_module(frameworks),
        f"src/{pkg}/reader.py": templates.READER, "tests/test_plugin.py": templates.TESTS,
    }
    if "torch" in frameworks:
        out[f"src/{pkg}/torch_parts.py"] = templates.TORCH
    if "keras" in frameworks:
        out[f"src/{pkg}/keras_parts.py"] = templates.KERAS
    return {path: fill(text) for path, text in out.items()}


#: where each name lives, for a zoo that predates the `zoo.plugin` surface module
_HOMES = {"Param": "zoo.interfaces", "declare_backbone": "zoo.interfaces", "declare_dataset": "zoo.interfaces",
          "declare_loss": "zoo.interfaces", "hookimpl": "zoo", "WeightsError": "zoo.errors", "DataError": "zoo.errors",
          "DataReport": "zoo.interfaces", "Dataset": "zoo.interfaces", "Sample": "zoo.interfaces",
          "image_size": "zoo.datasets.images", "load_image": "zoo.datasets.images",
          "stratified_split": "zoo.data.splits", "inside_root": "zoo.datasets"}


def _imports(names: str) -> str:
    """``from zoo.plugin import names``: every name the plugin surface offers comes from it; a
    name it lacks (or every name, in a zoo without `zoo.plugin`) from its own module."""
    import importlib
    import importlib.util

    wanted = [n.strip() for n in names.split(",")]
    surface = importlib.import_module(SURFACE) if importlib.util.find_spec(SURFACE) is not None else None
    by_home: dict[str, list[str]] = {}
    for n in wanted:
        by_home.setdefault(SURFACE if hasattr(surface, n) else _HOMES[n], []).append(n)
    return "\n".join(f"from {home} import {', '.join(ns)}" for home, ns in sorted(by_home.items()))


def _plugin_module(frameworks: tuple[str, ...]) -> str:
    backbones = "".join(f'    register(BACKBONE, "@PKG@.{fw}_parts:backbone", framework="{fw}")\n' for fw in frameworks)
    losses = "".join(f'    register(LOSS, "@PKG@.{fw}_parts:loss", framework="{fw}")\n' for fw in frameworks)
    return templates.PLUGIN.replace("@BACKBONES@", backbones).replace("@LOSSES@", losses)
