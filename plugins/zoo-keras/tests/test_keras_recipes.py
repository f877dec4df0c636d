"""Every recipe in registry.yaml builds on Keras (at a small input size, without pretrained
weights, on a synthetic batch: no dataset files are needed, so none is skipped for absent data),
gives the declared output shapes and summary stages, and one optimizer step on a fixed batch
lowers its loss."""
from __future__ import annotations

import numpy as np
import pytest
from keras_helpers import random_boxes

from zoo import boxes, recipes
from zoo.assembly import make_plan
from zoo.recipes import apply_overrides, normalize_raw, parse

RAW = recipes.raw_recipes()
NUM_CLASSES = 3


def _small(name: str, reg) -> recipes.Recipe:  # type: ignore[no-untyped-def]
    """The recipe at the smallest input size its components allow, weights none, and plain
    gradient descent at one rate for every layer (a small enough step must lower the loss; Adam's first step moves every
    weight by lr whatever its gradient, which on a 2-image batch through 50 BN layers may not; lr 1e-5
    was still too long a step for ResNet-50 from scratch on an AMD EPYC, 3.54 -> 3.69)."""
    raw = normalize_raw(RAW[name])
    recipe = parse(name, raw)
    size = 32
    if recipe.vectorizer.name in ("conv", "conv_gap"):
        meta = reg.info("backbone", recipe.backbone.name).metadata(recipe.backbone.params)
        vec = reg.info("vectorizer", recipe.vectorizer.name).resolve(recipe.vectorizer.params)
        size = max(size, meta["stride"] * vec["kernel"])
    overrides = [f"input_size={size}", "backbone.weights=none", "train.optimizer=sgd", "train.momentum=0.0",
                 "train.lr=0.000001", "train.schedule=none", "train.weight_decay=0.0",
                 "train.batch_size=2", "train.backbone_lr=1.0"]
    return parse(name, apply_overrides(raw, overrides, name))


def _case(name: str, reg):  # type: ignore[no-untyped-def]
    recipe = _small(name, reg)
    if "keras" in recipe.unsupported_frameworks:
        pytest.skip(f"recipe {name!r} excludes keras: {recipe.unsupported_frameworks['keras']}")
    classes = reg.info("head", recipe.head.name).metadata(recipe.head.params)["classes"]
    plan = make_plan(recipe, "keras", reg, num_classes=NUM_CLASSES if classes else 0)
    engine = reg.framework("keras")
    return plan, engine, engine.build(plan)


@pytest.mark.parametrize("name", sorted(RAW))
def test_recipe_builds_runs_and_learns(name: str, reg) -> None:  # type: ignore[no-untyped-def]
    plan, engine, model = _case(name, reg)
    h, w = plan.input_size
    images = np.random.default_rng(0).integers(0, 256, (2, h, w, 3)).astype(np.uint8)
    out = engine.predict(model, [images])
    assert out.box.shape == (2, boxes.size(plan.encoding)) and out.box.dtype == np.float32
    assert (out.logits is None) == (plan.num_classes == 0)
    if out.logits is not None:
        assert out.logits.shape == (2, NUM_CLASSES)
    summary = engine.summary(model, plan)
    stages = {s.name: s for s in summary.stages}
    assert list(stages)[:5] == ["input", "preprocess", "backbone", "vectorizer", "head.box"]
    assert stages["backbone"].shape[-1] == plan.backbone.meta["out_channels"]
    assert stages["head.box"].shape == (1, plan.box_size)
    assert sum(s.params for s in summary.stages) == summary.params
    assert summary.trainable <= summary.params
    _check_one_step_lowers_the_loss(plan, model)


def _seed_states(model) -> list:  # type: ignore[no-untyped-def]
    return [v for v in model.variables if "seed_generator" in v.path]


def _loss(model, x, y, states) -> float:  # type: ignore[no-untyped-def]
    saved = [s.numpy() for s in states]
    value = float(model.compute_loss(x=x, y=y, y_pred=model(x, training=True)))
    for s, v in zip(states, saved):
        s.assign(v)
    return value


def _check_one_step_lowers_the_loss(plan, model) -> None:  # type: ignore[no-untyped-def]
    from zoo_keras.train import compile_model

    h, w = plan.input_size
    rng = np.random.default_rng(1)
    x = rng.uniform(0, 255, (2, h, w, 3)).astype(np.float32)
    y = {"box": random_boxes(rng, 2), "label": np.array([0, NUM_CLASSES - 1], np.int64)}
    compile_model(model, plan, steps_per_epoch=1)
    states = _seed_states(model)
    before = _loss(model, x, y, states)
    saved = [s.numpy() for s in states]
    model.train_on_batch(x, y)
    for s, v in zip(states, saved):
        s.assign(v)
    after = _loss(model, x, y, states)
    assert np.isfinite(before) and after < before
