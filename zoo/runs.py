"""The run directory: one layout whatever the framework.

    recipe.yaml      the resolved recipe (load it back with `read_recipe`)
    run.json         framework, recipe name, classes, status, timings, device
    <weights>        the framework's weights file (model.safetensors / model.weights.h5)
    checkpoint/      the latest epoch's training state, for ``--resume``
    history.json     per-epoch logs (also history.csv)
    metrics.json     test metrics, the mean-box baseline, speed, parameters
    curves.png       loss and validation IoU per epoch
    predictions.png  test images with true (green) and predicted (red) boxes
"""
from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

from zoo.errors import ZooError
from zoo.recipes import Recipe, parse

RECIPE = "recipe.yaml"
RUN = "run.json"
HISTORY = "history.json"
METRICS = "metrics.json"
CHECKPOINT = "checkpoint"


def new_dir(recipe: str, framework: str, root: str | Path = "runs") -> Path:
    """A fresh ``runs/<recipe>-<framework>-<time>`` directory."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    path = Path(root) / f"{recipe}-{framework}-{stamp}"
    n = 1
    while path.exists():
        n += 1
        path = Path(root) / f"{recipe}-{framework}-{stamp}-{n}"
    return path


def atomic_write(path: Path, data: bytes | str) -> None:
    """Write `path` via a temporary file and rename, so a killed process leaves the old file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "wb") as f:
        f.write(data.encode() if isinstance(data, str) else data)
    os.replace(tmp, path)


def write_json(path: Path, data: Any) -> None:
    atomic_write(path, json.dumps(data, indent=2, default=_jsonable) + "\n")


def read_json(path: Path) -> Any:
    return json.loads(Path(path).read_text())


def _jsonable(value: Any) -> Any:
    if hasattr(value, "tolist"):
        return value.tolist()
    return str(value)


def write_recipe(run_dir: Path, recipe: Recipe) -> None:
    atomic_write(run_dir / RECIPE, yaml.safe_dump({"name": recipe.name, **recipe.to_dict()}, sort_keys=False))


def read_recipe(run_dir: Path) -> Recipe:
    raw = yaml.safe_load((Path(run_dir) / RECIPE).read_text())
    return parse(raw.pop("name"), raw)


def check_run(run_dir: str | Path) -> Path:
    """`run_dir` as a Path; ZooError when it is not a run directory."""
    path = Path(run_dir)
    missing = [f for f in (RECIPE, RUN) if not (path / f).exists()]
    if missing:
        raise ZooError(f"{str(path)!r} is not a run directory (no {missing[0]}); "
                       f"give a directory written by `zoo train`, e.g. runs/default-torch-...")
    return path


def read_run(run_dir: Path) -> dict[str, Any]:
    return dict(read_json(Path(run_dir) / RUN))


def update_run(run_dir: Path, **fields: Any) -> dict[str, Any]:
    path = Path(run_dir) / RUN
    data = read_json(path) if path.exists() else {}
    data.update(fields)
    write_json(path, data)
    return data
