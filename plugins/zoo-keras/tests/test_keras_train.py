"""Training on Keras: a short train + evaluate + predict on built-in data writes the standard run
directory; a run killed mid-training and resumed ends exactly like an uninterrupted one;
schedules, optimizers, precision and the data feed behave as the recipe says."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from zoo import recipes, runs, training
from zoo.recipes import TrainSpec
from zoo.testing.run_checks import check_early_stopping_restores_best

TINY = ["dataset.n=96", "train.epochs=2", "input_size=32", "train.batch_size=16", "dataset.size=32"]
RESUME = ["dataset.n=96", "train.epochs=5", "input_size=32", "train.batch_size=8", "dataset.size=32",
          "head.dropout=0.3", "head.hidden=[16]"]


@pytest.mark.slow
def test_train_evaluate_predict(reg, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    recipe = recipes.get("default", overrides=TINY)
    run_dir = training.train(recipe, "keras", reg, out=tmp_path / "run", workers=0)
    for name in (runs.RECIPE, runs.RUN, runs.HISTORY, "history.csv", runs.METRICS, "model.weights.h5",
                 "curves.png", "predictions.png", "checkpoint/state.npz", "checkpoint/best.weights.h5"):
        assert (run_dir / name).exists(), name
    import h5py

    for name in ("model.weights.h5", "checkpoint/best.weights.h5"):  # the model's variables, not Adam's
        with h5py.File(run_dir / name) as f:
            assert "optimizer" not in f and "layers" in f, (name, list(f))
    history = runs.read_json(run_dir / runs.HISTORY)
    assert len(history) == 2 and {"loss", "val_loss", "lr", "images_per_second", "val_iou"} <= set(history[0])
    # guards: training learns (as on torch): the loss falls over the epochs
    assert history[-1]["loss"] < history[0]["loss"]
    metrics = runs.read_json(run_dir / runs.METRICS)
    assert metrics["framework"] == "keras" and 0.0 <= metrics["iou"] <= 1.0 and metrics["params"] > 0
    again = training.evaluate(run_dir, reg, workers=0)
    assert again["iou"] == pytest.approx(metrics["iou"], abs=1e-6)
    plan, model, engine = training.load_run(run_dir, reg)
    images = np.random.default_rng(0).integers(0, 256, (3, 32, 32, 3)).astype(np.uint8)
    assert engine.predict(model, [images]).box.shape == (3, 4)


@pytest.mark.slow
def test_early_stopping_restores_best(reg, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    check_early_stopping_restores_best("keras", reg, tmp_path / "run", [*TINY, "backbone.filters=[8, 16]"])


_SCRIPT = """
import sys
from zoo import plugins, recipes, training
reg = plugins.registry()
if sys.argv[1] == "resume":
    training.train(None, "keras", reg, resume=sys.argv[2], workers=0)
else:
    training.train(recipes.get("default", overrides=sys.argv[3:]), "keras", reg, out=sys.argv[2], workers=0)
"""


def _run(*args: str, kill_when: Path | None = None) -> int:
    env = {**os.environ, "KERAS_BACKEND": "tensorflow"}
    proc = subprocess.Popen([sys.executable, "-c", _SCRIPT, *args], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    if kill_when is not None:
        while proc.poll() is None and not kill_when.exists():
            time.sleep(0.02)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
    return proc.wait(timeout=300)


@pytest.mark.slow
def test_killed_and_resumed_run_equals_uninterrupted(tmp_path: Path) -> None:
    whole, broken = tmp_path / "whole", tmp_path / "broken"
    assert _run("train", str(whole), *RESUME) == 0
    assert _run("train", str(broken), *RESUME, kill_when=broken / "checkpoint" / "state.npz") == -signal.SIGKILL
    assert not (broken / runs.METRICS).exists()
    assert _run("resume", str(broken)) == 0
    a, b = (json.loads((d / runs.HISTORY).read_text()) for d in (whole, broken))
    assert len(a) == len(b) == 5
    for row_a, row_b in zip(a, b):
        for key in ("loss", "val_loss", "lr", "val_iou"):
            assert row_a[key] == pytest.approx(row_b[key], rel=1e-6, abs=1e-7), key
    ma, mb = (json.loads((d / runs.METRICS).read_text()) for d in (whole, broken))
    assert ma["iou"] == pytest.approx(mb["iou"], abs=1e-7) and ma["best_epoch"] == mb["best_epoch"]


def test_schedules() -> None:
    from zoo_keras._keras import keras, ops
    from zoo.plugin import Plateau
    from zoo_keras.optim import current_lr, l2_penalty, learning_rate, make_optimizer, step_plateau

    exp = learning_rate(TrainSpec(lr=0.1, schedule="exponential", decay_steps=10, decay_rate=0.5), 7)
    assert float(ops.convert_to_numpy(exp(15))) == pytest.approx(0.1 * 0.5 ** 1.5, rel=1e-5)
    cos = learning_rate(TrainSpec(lr=0.1, schedule="cosine", epochs=3, min_lr=0.001), 10)
    assert float(ops.convert_to_numpy(cos(0))) == pytest.approx(0.1, rel=1e-5)
    assert float(ops.convert_to_numpy(cos(15))) == pytest.approx(0.001 + 0.099 * 0.5, rel=1e-4)
    assert float(ops.convert_to_numpy(cos(30))) == pytest.approx(0.001, rel=1e-4)
    assert learning_rate(TrainSpec(lr=0.1, schedule="plateau"), 10) == 0.1
    spec = TrainSpec(lr=0.1, schedule="plateau", plateau_patience=2, factor=0.5, min_lr=0.03)
    opt = make_optimizer(spec, 10)
    opt.build([keras.Variable(np.zeros(2, np.float32))])
    plateau = Plateau.of(spec)
    for loss, expected in [(1.0, 0.1), (1.0, 0.1), (1.0, 0.05), (0.99995, 0.05), (1.0, 0.03), (0.5, 0.03)]:
        step_plateau(plateau, opt, loss)
        assert current_lr(opt) == pytest.approx(expected, rel=1e-6)
    assert isinstance(make_optimizer(TrainSpec(optimizer="adamw", weight_decay=0.01), 1), keras.optimizers.AdamW)
    sgd = make_optimizer(TrainSpec(optimizer="sgd", momentum=0.8), 1)
    assert isinstance(sgd, keras.optimizers.SGD) and sgd.momentum == 0.8
    assert l2_penalty(TrainSpec(optimizer="adam", weight_decay=0.01)) == 0.005
    assert l2_penalty(TrainSpec(optimizer="adamw", weight_decay=0.01)) == 0.0


def test_bf16_builds_mixed_and_outputs_float32(reg) -> None:  # type: ignore[no-untyped-def]
    from zoo.assembly import make_plan
    from zoo_keras._keras import keras
    from zoo_keras.train import compile_model

    recipe = recipes.get("default", overrides=[*TINY, "train.precision=bf16", "head.hidden=[8]"])
    plan = make_plan(recipe, "keras", reg, num_classes=0)
    model = reg.framework("keras").build(plan)
    assert keras.config.dtype_policy().name == "float32"
    assert model.get_layer("backbone").compute_dtype == "bfloat16"
    compile_model(model, plan, 1)
    x = np.random.default_rng(0).uniform(0, 255, (4, 32, 32, 3)).astype(np.float32)
    y = {"box": np.tile(np.array([[0.1, 0.2, 0.6, 0.7]], np.float32), (4, 1)), "label": np.zeros(4, np.int64)}
    assert np.isfinite(model.train_on_batch(x, y))
    assert np.asarray(model.predict_on_batch(x)["box"]).dtype == np.float32


def test_feed_gives_the_pipeline_batches_of_each_epoch_in_order(reg) -> None:  # type: ignore[no-untyped-def]
    from zoo_keras import data as feed

    recipe = recipes.get("default", overrides=[*TINY, "augment.hflip=true"])
    data = training.prepare_data(recipe, training.build_dataset(recipe, reg), workers=0)
    fed = [(x.numpy(), y["box"].numpy(), y["weight"].numpy()) for x, y in feed.train_dataset(data.train, 1, 3)]
    expected = [b for epoch in (1, 2) for b in data.train.batches(epoch)]
    assert len(fed) == len(expected) == 2 * len(data.train)
    for (x, box, weight), batch in zip(fed, expected):
        assert x.dtype == np.uint8  # a quarter of float32's bytes through tf.data; the model casts
        np.testing.assert_array_equal(x, batch.images)
        np.testing.assert_array_equal(box, batch.boxes)
        np.testing.assert_array_equal(weight, np.full(len(batch.boxes), batch.weight, np.float32))


def _parts(model) -> tuple[dict[str, np.ndarray], list[np.ndarray]]:  # type: ignore[no-untyped-def]
    return ({w.path: np.array(w.numpy()) for w in model.get_layer("backbone").weights},
            [np.array(w.numpy()) for w in model.get_layer("head").weights])


@pytest.mark.parametrize("extra, weights_move, bn_moves", [
    (["train.freeze_backbone=1", "train.epochs=1"], False, False),
    (["train.backbone_lr=0.0", "train.epochs=1"], False, True),
    (["train.freeze_backbone=1", "train.epochs=2"], True, True),
])
def test_frozen_or_zero_lr_backbone(reg, tmp_path: Path, extra: list[str], weights_move: bool,  # type: ignore[no-untyped-def]
                                    bn_moves: bool) -> None:
    """zoo.finetune on Keras: a frozen epoch changes nothing in the backbone (BatchNorm in
    inference mode keeps its statistics); backbone_lr 0 keeps its weights while BN statistics
    follow the data; after the frozen epochs the backbone trains; the head learns throughout."""
    from zoo.assembly import make_plan
    from zoo_keras.model import build_localizer

    recipe = recipes.get("default", overrides=[*TINY, "backbone.batch_norm=true", "train.lr=0.01", *extra])
    before, head_before = _parts(build_localizer(make_plan(recipe, "keras", reg)))
    run_dir = training.train(recipe, "keras", reg, out=tmp_path / "run", workers=0)
    assert len(runs.read_json(run_dir / runs.HISTORY)) == recipe.train.epochs
    after, head_after = _parts(training.load_run(run_dir, reg)[1])
    stats = [k for k in before if "moving" in k]
    weights = [k for k in before if k not in stats]
    assert stats and weights
    assert any(not np.array_equal(before[k], after[k]) for k in weights) == weights_move
    assert any(not np.array_equal(before[k], after[k]) for k in stats) == bn_moves
    assert any(not np.array_equal(a, b) for a, b in zip(head_before, head_after))


@pytest.mark.parametrize("multiplier", [0.0, 3.0])
def test_adamw_decays_the_backbone_at_its_own_rate(multiplier: float) -> None:
    """AdamW with backbone_lr m: a zero-gradient step shrinks a backbone weight by lr * m * wd and
    a head weight by lr * wd (torch's param groups; Keras alone would use lr * wd for both)."""
    from zoo_keras._keras import keras
    from zoo_keras.optim import make_optimizer, scale_backbone_lr

    spec = TrainSpec(optimizer="adamw", lr=0.01, weight_decay=0.5, backbone_lr=multiplier)
    backbone, head = keras.Variable(np.ones(3, np.float32)), keras.Variable(np.ones(2, np.float32))
    optimizer = make_optimizer(spec, steps_per_epoch=1)
    optimizer.build([backbone, head])
    scale_backbone_lr(optimizer, [backbone], spec, steps_per_epoch=1)
    optimizer.apply([np.zeros(3, np.float32), np.zeros(2, np.float32)], [backbone, head])
    np.testing.assert_allclose(backbone.numpy(), 1 - 0.01 * multiplier * 0.5, rtol=1e-6)
    np.testing.assert_allclose(head.numpy(), 1 - 0.01 * 0.5, rtol=1e-6)


def test_freeze_stride_holds_the_first_layers(reg, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """train.freeze_stride on Keras (a functional backbone): the layers before the first coarser
    output keep their weights and BatchNorm statistics all run; the layers after them train; a
    subclassed backbone gets a one-line error."""
    from zoo.assembly import make_plan
    from zoo.errors import ZooError
    from zoo.validation import problems
    from zoo_keras.freeze import fixed_layers
    from zoo_keras.model import build_localizer

    recipe = recipes.get("default", overrides=[*TINY, "train.epochs=1", "backbone.name=mobilenet_v2",
                                               "train.freeze_stride=2", "train.lr=0.01"])
    initial = build_localizer(make_plan(recipe, "keras", reg))
    held = [layer.name for layer in fixed_layers(initial.get_layer("backbone"), recipe.train, recipe.input_size)]
    assert "Conv1" in held and "bn_Conv1" in held and "block_1_depthwise" not in held, held
    run_dir = training.train(recipe, "keras", reg, out=tmp_path / "run", workers=0)
    trained = training.load_run(run_dir, reg)[1]
    before = {(layer.name, i): w for layer in initial.get_layer("backbone").layers
              for i, w in enumerate(layer.get_weights())}
    after = {(layer.name, i): w for layer in trained.get_layer("backbone").layers
             for i, w in enumerate(layer.get_weights())}
    in_held = [k for k in before if k[0] in held]
    rest = [k for k in before if k[0] not in held]
    assert in_held and rest
    assert all(np.array_equal(before[k], after[k]) for k in in_held)
    assert any(not np.array_equal(before[k], after[k]) for k in rest)
    subclassed = recipes.get("default", overrides=[*TINY, "train.freeze_stride=2"])
    assert problems(subclassed, reg, "torch", resolve=False) == []
    assert problems(subclassed, reg, "keras", resolve=False) == [
        "recipe 'default', key 'train.freeze_stride': backbone 'simple_cnn' on keras cannot keep its first layers "
        "frozen (its layers' run order is unknown); set train.freeze_stride=0, or train it on another framework"]
    with pytest.raises(ZooError, match="freeze_stride=0"):  # refused before the run starts
        training.train(subclassed, "keras", reg, out=tmp_path / "run2", workers=0)
    assert not (tmp_path / "run2").exists()
    undeclared = build_localizer(make_plan(recipes.get("default", overrides=TINY), "keras", reg)).get_layer("backbone")
    with pytest.raises(ZooError, match="subclassed model: set train.freeze_stride=0"):  # a plugin that did not say
        fixed_layers(undeclared, subclassed.train, subclassed.input_size)
