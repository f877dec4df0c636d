"""The fine-tuning rule of zoo.finetune: which epochs keep the backbone frozen, its lr share."""
from __future__ import annotations

import pytest

from zoo.errors import RecipeError
from zoo.finetune import Phase, backbone_frozen, backbone_lr_multiplier, phases, unfrozen_step
from zoo.recipes import TrainSpec, get


def test_first_epochs_are_frozen() -> None:
    spec = TrainSpec(epochs=5, freeze_backbone=2, backbone_lr=0.1)
    assert [backbone_frozen(spec, e) for e in range(5)] == [True, True, False, False, False]
    assert backbone_lr_multiplier(spec) == 0.1
    assert phases(spec) == [Phase(0, 2, True), Phase(2, 5, False)]
    assert phases(spec, start=1) == [Phase(1, 2, True), Phase(2, 5, False)]
    assert phases(spec, start=3) == [Phase(3, 5, False)]
    assert unfrozen_step(spec, steps_per_epoch=10) == 20


def test_defaults_train_everything_at_one_rate() -> None:
    spec = TrainSpec(epochs=3)
    assert phases(spec) == [Phase(0, 3, False)] and backbone_lr_multiplier(spec) == 1.0
    assert phases(TrainSpec(epochs=3, freeze_backbone=9)) == [Phase(0, 3, True)]


def test_recipe_keys_are_checked() -> None:
    recipe = get("default", overrides=["train.freeze_backbone=2", "train.backbone_lr=0.1"])
    assert (recipe.train.freeze_backbone, recipe.train.backbone_lr) == (2, 0.1)
    with pytest.raises(RecipeError, match="freeze_backbone"):
        get("default", overrides=["train.freeze_backbone=-1"])
