"""Trained models installed as packages (``zoo package``), found by name.

A model package registers a directory laid out as a run (recipe.yaml, run.json, the framework's
weights, metrics.json, MODEL_CARD.md, ``backbone.*`` weights and, when exported, model.onnx)
through the ``register_models`` hook. By name, a model then predicts (``zoo predict NAME``),
evaluates (``zoo evaluate NAME``), and starts a new training: ``--set backbone.weights=NAME``
loads its trained backbone (`backbone_weights`).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from zoo import runs
from zoo.errors import WeightsError, choices_text
from zoo.registry import ModelEntry, Registry, normalize


def find(name: str, reg: Registry) -> ModelEntry | None:
    """The installed model `name`, or None."""
    return reg.models().get(normalize(name))


def installed_text(reg: Registry) -> str:
    names = list(reg.models())
    return f"installed models: {choices_text(names)}" if names else "no model packages installed"


def run_dir(value: str | Path, reg: Registry | None) -> Path:
    """`value` as a run directory: an existing directory, else an installed model's directory."""
    path = Path(value)
    if path.exists() or reg is None:
        return path
    found = find(str(value), reg)
    return found.directory if found is not None else path


def describe(entry: ModelEntry) -> dict[str, Any]:
    """A row of ``zoo list models``: framework, recipe, dataset, test metrics and the baseline."""
    info = runs.read_run(entry.directory)
    recipe = runs.read_recipe(entry.directory)
    path = entry.directory / runs.METRICS
    m = runs.read_json(path) if path.exists() else {}
    return {"name": entry.name, "framework": info.get("framework"), "recipe": recipe.name,
            "dataset": recipe.dataset.name, "iou": m.get("iou"), "corloc": m.get("corloc"),
            "accuracy": m.get("accuracy"), "baseline_iou": (m.get("baseline") or {}).get("iou"),
            "onnx": (entry.directory / "model.onnx").is_file(), "description": entry.description,
            "plugin": entry.source.plugin, "distribution": entry.source.distribution,
            "version": entry.source.version, "directory": str(entry.directory)}


def backbone_weights(weights: str, backbone: str, framework: str, reg: Registry) -> str:
    """``backbone.weights`` with an installed model's name replaced by the path of its trained
    backbone for `framework`; any other value unchanged. WeightsError when the model was
    trained with another backbone or framework."""
    entry = find(weights, reg) if weights not in ("", "none", "imagenet") else None
    if entry is None:
        return weights
    info = runs.read_run(entry.directory)
    trained_on = runs.read_recipe(entry.directory).backbone.name
    if normalize(trained_on) != normalize(backbone):
        raise WeightsError(f"backbone.weights={weights!r}: model {entry.name!r} has a {trained_on!r} backbone, "
                           f"not {backbone!r}; set backbone.name={trained_on} or use other weights")
    files = info.get("backbone_weights") or {}
    if info.get("framework") != framework or framework not in files:
        raise WeightsError(f"backbone.weights={weights!r}: model {entry.name!r} has {info.get('framework')} "
                           f"weights, not {framework}; train with -f {info.get('framework')}")
    return str(entry.directory / files[framework])
