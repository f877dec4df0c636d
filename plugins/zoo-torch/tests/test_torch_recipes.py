"""Every recipe of registry.yaml on torch: builds, gives the declared shapes, and one optimizer
step on a fixed batch lowers its loss; recipes with built-in data also train briefly."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch
from zoo_torch.train import objective_loss
from zoo_torch.optim import make_optimizer

from torch_helpers import boxes_xyxy, images
from zoo import boxes
from zoo.assembly import build_dataset, make_plan
from zoo.recipes import get, raw_recipes
from zoo.registry import Registry

RECIPES = sorted(raw_recipes())


def missing_data(recipe) -> str | None:  # type: ignore[no-untyped-def]
    """The first configured data path (root, train or test file) that does not exist here, else None.
    Relative paths resolve against the current directory, as the readers do."""
    for key in ("root", "train", "test"):
        value = recipe.dataset.params.get(key)
        if isinstance(value, str) and value and not Path(value).expanduser().exists():
            return f"dataset.{key}={value}"
    return None


def _recipe_or_skip(name: str, overrides: tuple[str, ...] = ()):
    recipe = get(name, overrides=overrides)
    if "torch" in recipe.unsupported_frameworks:
        pytest.skip(f"recipe {name!r} declares torch unsupported: {recipe.unsupported_frameworks['torch']}")
    return recipe


@pytest.mark.parametrize("name", RECIPES)
def test_recipe_builds_and_learns(reg: Registry, name: str) -> None:
    recipe = _recipe_or_skip(name)
    own = recipe.input_size[0]
    # keep CPU time low: conv vectorizers keep their geometry (capped at 128 px), others run at 64 px
    small = min(own, 128) if recipe.vectorizer.name in ("conv", "conv_gap") else min(own, 64)
    recipe = _recipe_or_skip(name, (f"input_size={small}",))
    head_classes = reg.info("head", recipe.head.name).metadata(recipe.head.params)["classes"]
    k = 3 if head_classes else 0
    plan = make_plan(recipe, "torch", reg, num_classes=k)
    from zoo_torch.model import build_localizer

    model = build_localizer(plan)
    size = plan.input_size
    x, target = images(2, size, seed=1), boxes_xyxy(2, seed=1)
    labels = torch.tensor([0, 2]) if k else torch.full((2,), -1)
    model.train()
    out = model(x)
    assert out["box"].shape == (2, boxes.size(plan.encoding))
    assert (out["logits"].shape == (2, k)) if k else ("logits" not in out)
    feats = model.backbone(model.preprocess(x))
    assert feats.shape[1] == plan.backbone.meta["out_channels"]
    objective = plan.objective()
    # the recipe's optimizer, with a step small enough that first order dominates
    optimizer = make_optimizer(model.parameters(), replace(plan.recipe.train, lr=min(plan.recipe.train.lr, 1e-5)))

    def loss() -> torch.Tensor:
        torch.manual_seed(0)  # same dropout masks before and after the step
        return objective_loss(objective, model(x), target, labels)

    before = loss()
    optimizer.zero_grad()
    before.backward()
    optimizer.step()
    with torch.no_grad():
        after = loss()
    assert torch.isfinite(before) and after.item() < before.item()


@pytest.mark.slow
@pytest.mark.parametrize("name", RECIPES)
def test_recipe_trains_on_builtin_data(reg: Registry, name: str, tmp_path: Path) -> None:
    """One short epoch at 32 px on the recipe's own (synthetic) data; skipped when data is absent."""
    from zoo import training

    small = ["input_size=32", "train.epochs=1", "train.batch_size=4", "train.steps_per_epoch=1"]
    dataset_params = reg.info("dataset", get(name).dataset.name).params
    small += [f"dataset.{k}={v}" for k, v in (("n", 40), ("size", 32)) if k in dataset_params]
    recipe = _recipe_or_skip(name, tuple(small))
    # guards: only absent data skips; a reader or recipe that raises on present data fails the test
    absent = missing_data(recipe)
    if absent:
        pytest.skip(f"recipe {name!r}: data not available here ({absent} does not exist)")
    build_dataset(recipe, reg)
    if recipe.vectorizer.name in ("conv", "conv_gap"):
        pytest.skip("conv vectorizers need the recipe's own input size")
    run = training.train(recipe, "torch", reg, out=tmp_path / "run", workers=0)
    hist = training.runs.read_json(run / "history.json")
    assert len(hist) == 1 and np.isfinite(hist[0]["loss"]) and np.isfinite(hist[0]["val_loss"])
    assert (run / "model.safetensors").exists() and (run / "metrics.json").exists()
