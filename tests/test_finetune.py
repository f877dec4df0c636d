"""The fine-tuning rules of zoo.finetune: which epochs keep the backbone frozen, its lr share, and
which first layers train.freeze_stride holds all run."""
from __future__ import annotations

import math

import pytest

from zoo.errors import RecipeError
from zoo.finetune import (Phase, backbone_frozen, backbone_lr_multiplier, frozen_layers, layer_stride, phases,
                          unfrozen_step)
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


def test_layer_stride_rounds_to_a_power_of_two() -> None:
    assert layer_stride(64, 62) == 1.0          # a 'valid' 3x3 conv shaves 2 px, no stride
    assert layer_stride(224, 112) == 2.0 and layer_stride(224, 7) == 32.0
    assert layer_stride(97, 25) == 4.0          # odd sizes: ceil division by the stride
    assert layer_stride(224, None) == math.inf  # no spatial map (flatten, pooling to a vector)


def test_frozen_layers_stop_at_the_first_coarser_output() -> None:
    heights = [112, 112, 112, 56, 56, 28, 28, 14, 7, None]
    assert frozen_layers(TrainSpec(freeze_stride=0), 224, heights) == 0
    assert frozen_layers(TrainSpec(freeze_stride=2), 224, heights) == 3
    assert frozen_layers(TrainSpec(freeze_stride=4), 224, heights) == 5
    assert frozen_layers(TrainSpec(freeze_stride=32), 224, heights) == 9
    assert frozen_layers(TrainSpec(freeze_stride=4), 224, [112, 56, 112]) == 3  # order, not shape, decides
    assert frozen_layers(TrainSpec(freeze_stride=2), 224, [56, 112]) == 0


@pytest.mark.parametrize("value", ["3", "-2", "6"])
def test_freeze_stride_is_a_power_of_two(value: str) -> None:
    assert get("default", overrides=["train.freeze_stride=16"]).train.freeze_stride == 16
    with pytest.raises(RecipeError, match="freeze_stride"):
        get("default", overrides=[f"train.freeze_stride={value}"])
