"""A recipe's data split into pipelines, the test metrics beside the mean-box baseline, and a
trained run loaded back and evaluated, whatever its framework."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from zoo import metrics, provenance, runs, test_time
from zoo.assembly import Plan, build_dataset, make_plan
from zoo.data.pipeline import Pipeline
from zoo.errors import ZooError
from zoo.interfaces.dataset import Dataset
from zoo.interfaces.framework import Framework, Outputs
from zoo.monitor import decode_outputs
from zoo.recipes import Recipe, apply_overrides, parse
from zoo.registry import Registry
from zoo.validation import validate


@dataclass
class Data:
    """A recipe's dataset and its train / val / test pipelines."""

    dataset: Dataset
    train: Pipeline
    val: Pipeline
    test: Pipeline


def prepare_data(recipe: Recipe, dataset: Dataset, workers: int = 2) -> Data:
    """Split `dataset` and make its pipelines; without a val split, a seeded 10 % of train."""
    splits = {k: np.asarray(v, np.int64) for k, v in dataset.splits().items()}
    if "train" not in splits or len(splits["train"]) == 0:
        raise ZooError(f"dataset {recipe.dataset.name!r} has no training items")
    train = splits["train"]
    val = splits.get("val")
    if val is None or len(val) == 0:
        perm = np.random.default_rng([recipe.train.seed, 11]).permutation(train)
        n_val = max(1, len(train) // 10)
        val, train = np.sort(perm[:n_val]), np.sort(perm[n_val:])
    test = splits.get("test")
    if test is None or len(test) == 0:
        test = val
    t, size = recipe.train, recipe.input_size
    val_pipeline = Pipeline(dataset, val, size, t.batch_size, workers=workers)
    return Data(
        dataset,
        Pipeline(dataset, train, size, t.batch_size, shuffle=True, seed=t.seed, augment=recipe.augment,
                 steps_per_epoch=t.steps_per_epoch, workers=workers),
        val_pipeline,
        val_pipeline if test is val else Pipeline(dataset, test, size, t.batch_size, workers=workers),
    )


def evaluate_outputs(plan: Plan, outputs: Outputs, test: Pipeline, train: Pipeline) -> dict[str, Any]:
    """Test metrics and the mean-box baseline."""
    true_boxes, true_labels = test.targets()
    pred, labels = decode_outputs(plan, outputs)
    has_classes = labels is not None and len(true_labels) and true_labels.min() >= 0
    result = metrics.localization_metrics(pred, true_boxes, labels if has_classes else None,
                                          true_labels if has_classes else None)
    train_boxes, train_labels = train.targets()
    result["baseline"] = metrics.baseline_metrics(train_boxes, true_boxes,
                                                  train_labels if has_classes else None,
                                                  true_labels if has_classes else None)
    return result


def load_run(run_dir: str | Path, reg: Registry) -> tuple[Plan, Any, Framework]:
    """The plan, trained model and framework adapter of a run directory."""
    path = runs.check_run(run_dir)
    info = runs.read_run(path)
    recipe = runs.read_recipe(path)
    plan = make_plan(recipe, info["framework"], reg, num_classes=int(info.get("num_classes", 0)), check_weights=False)
    provenance.warn_if_changed(info.get("components"), plan)
    engine: Framework = reg.framework(info["framework"])
    return plan, engine.load(plan, path), engine


def evaluate(run_dir: str | Path, reg: Registry, overrides: tuple[str, ...] = (), split: str = "test",
             workers: int = 2) -> dict[str, Any]:
    """Metrics of a trained run on its recipe's test split (``--set dataset.x=...`` to change data)."""
    plan, model, engine = load_run(run_dir, reg)
    recipe = plan.recipe
    if overrides:
        raw = apply_overrides({"name": recipe.name, **recipe.to_dict()}, overrides, recipe.name)
        recipe = parse(raw.pop("name"), raw)
        validate(recipe, reg, plan.framework)
    dataset = build_dataset(recipe, reg, recipe.dataset)
    data = prepare_data(recipe, dataset, workers)
    pipeline = {"test": data.test, "val": data.val, "train": data.train}[split]
    if split == "train":
        pipeline = Pipeline(dataset, pipeline.indices, recipe.input_size, recipe.train.batch_size, workers=workers)
    result = evaluate_outputs(plan, test_time.predict(engine, model, plan, pipeline.images), pipeline, data.train)
    return {"run": str(run_dir), "framework": plan.framework, "recipe": recipe.name, "split": split,
            "dataset": recipe.dataset.to_dict(), **result}
