"""fit on built-in data: train + evaluate + predict, exact resume after a kill, schedules,
early stopping, bf16 and every optimizer."""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from zoo_torch.optim import Schedule

from torch_helpers import tiny_overrides
from zoo import runs, training
from zoo.recipes import TrainSpec, get
from zoo.registry import Registry
from zoo.testing.run_checks import check_early_stopping_restores_best


def _train(reg: Registry, out: Path, **extra) -> Path:
    return training.train(get("default", overrides=tiny_overrides(**extra)), "torch", reg, out=out, workers=0)


def _strip(history: list[dict]) -> list[dict]:
    return [{k: v for k, v in row.items() if k != "images_per_second"} for row in history]


@pytest.mark.slow
def test_train_evaluate_predict(reg: Registry, tmp_path: Path) -> None:
    run = _train(reg, tmp_path / "run", **{"train.epochs": 3})
    history = runs.read_json(run / "history.json")
    assert [h["epoch"] for h in history] == [1, 2, 3]
    assert {"loss", "val_loss", "lr", "images_per_second", "val_iou"} <= set(history[0])
    assert history[-1]["loss"] < history[0]["loss"]
    for name in ("model.safetensors", "metrics.json", "checkpoint/state.pt", "checkpoint/best.safetensors"):
        assert (run / name).exists(), name
    metrics = runs.read_json(run / "metrics.json")
    again = training.evaluate(run, reg, workers=0)
    assert again["iou"] == pytest.approx(metrics["iou"], abs=1e-6)
    image = tmp_path / "blob.png"
    Image.fromarray(np.zeros((40, 50, 3), np.uint8)).save(image)
    from zoo.predicting import predict_files

    result = predict_files(str(run), [str(image)], reg, str(tmp_path / "pred"))
    assert len(result) == 1 and len(result[0]["box"]) == 4 and Path(result[0]["png"]).exists()


@pytest.mark.slow
def test_resume_after_kill_equals_uninterrupted(reg: Registry, tmp_path: Path, monkeypatch) -> None:
    extra = {"train.epochs": 3, "train.seed": 5, "dataset.n": 64, "augment.hflip": "true"}
    full = _train(reg, tmp_path / "full", **extra)
    original = training.Monitor.end_epoch

    def killed(self, epoch, logs, outputs):  # dies after history is written, before the checkpoint
        stop = original(self, epoch, logs, outputs)
        if epoch == 1:
            raise KeyboardInterrupt("killed")
        return stop

    monkeypatch.setattr(training.Monitor, "end_epoch", killed)
    with pytest.raises(KeyboardInterrupt):
        _train(reg, tmp_path / "cut", **extra)
    assert torch.load(tmp_path / "cut/checkpoint/state.pt", weights_only=True)["epoch"] == 1
    monkeypatch.setattr(training.Monitor, "end_epoch", original)
    resumed = training.train(get("default"), "torch", reg, resume=tmp_path / "cut", workers=0)
    assert _strip(runs.read_json(resumed / "history.json")) == _strip(runs.read_json(full / "history.json"))
    a, b = runs.read_json(full / "metrics.json"), runs.read_json(resumed / "metrics.json")
    assert a["iou"] == b["iou"] and a["best_epoch"] == b["best_epoch"]


@pytest.mark.slow
@pytest.mark.parametrize("optimizer,schedule,precision", [("sgd", "plateau", "bf16"), ("adamw", "exponential", "fp32")])
def test_optimizers_schedules_precision(reg: Registry, tmp_path: Path, monkeypatch, optimizer: str, schedule: str,
                                        precision: str) -> None:
    # guards: bf16 trains under autocast (bfloat16 activations) on channels_last inputs (docs/torch.md),
    # the plateau schedule lowers the lr on a stalled val_loss, the exponential one decays per step
    from zoo_torch.framework import TorchFramework

    seen: list[tuple[torch.dtype, bool]] = []
    build = TorchFramework.build

    def spied_build(self, plan):  # type: ignore[no-untyped-def]
        model = build(self, plan)
        conv = next(m for m in model.modules() if isinstance(m, torch.nn.Conv2d))
        conv.register_forward_hook(lambda mod, args, out: seen.append(
            (out.dtype, args[0].is_contiguous(memory_format=torch.channels_last))) if mod.training else None)
        return model

    monkeypatch.setattr(TorchFramework, "build", spied_build)
    extra = {"train.optimizer": optimizer, "train.schedule": schedule, "train.precision": precision,
             "train.weight_decay": 0.01, "train.decay_steps": 2, "train.plateau_patience": 1}
    if schedule == "plateau":  # a learning rate too small to move val_loss by min_delta: a plateau
        extra.update({"train.epochs": 3, "train.lr": 1e-9, "train.factor": 0.5, "train.min_lr": 0})
    run = _train(reg, tmp_path / "run", **extra)
    history = runs.read_json(run / "history.json")
    assert all(np.isfinite(h["loss"]) and np.isfinite(h["val_loss"]) for h in history)
    assert seen, "the spy saw no training forward pass"
    if precision == "bf16":
        assert {dtype for dtype, _ in seen} == {torch.bfloat16} and all(last for _, last in seen)
    else:
        assert {dtype for dtype, _ in seen} == {torch.float32}
    if schedule == "plateau":  # improved in epoch 1, stalled in epoch 2: epoch 3 runs at half the lr
        assert [h["lr"] for h in history] == pytest.approx([1e-9, 1e-9, 0.5e-9])
    if schedule == "exponential":  # lr of the last step s: lr0 * 0.9 ** (s / 2), s = 2 * steps/epoch - 1
        lr0 = get("default").train.lr
        steps = 2 * math.log(history[-1]["lr"] / lr0) / math.log(0.9)
        first = 2 * math.log(history[0]["lr"] / lr0) / math.log(0.9)
        assert steps == pytest.approx(2 * first + 1) and steps == pytest.approx(round(steps)) and steps > 3


@pytest.mark.slow
def test_early_stopping_restores_best(reg: Registry, tmp_path: Path) -> None:
    run = check_early_stopping_restores_best("torch", reg, tmp_path / "run", tiny_overrides())
    assert torch.load(run / "checkpoint/state.pt", weights_only=True)["stopped"] is True


def test_schedules() -> None:
    def lrs(spec: TrainSpec, steps: int, val: list[float] | None = None) -> list[float]:
        opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=spec.lr)
        s, out = Schedule(opt, spec, steps_per_epoch=steps), []
        for epoch in range(spec.epochs):
            for _ in range(steps):
                out.append(s.lr)
                opt.step()
                s.step_batch()
            s.step_epoch(val[epoch] if val else 1.0)
        return out

    cos = lrs(TrainSpec(epochs=2, lr=1.0, schedule="cosine", min_lr=0.1), 2)
    assert cos == pytest.approx([1.0, 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi / 4)), 0.55,
                                 0.1 + 0.9 * 0.5 * (1 + math.cos(3 * math.pi / 4))])
    exp = lrs(TrainSpec(epochs=1, lr=1.0, schedule="exponential", decay_steps=2, decay_rate=0.5), 3)
    assert exp == pytest.approx([1.0, 0.5**0.5, 0.5])
    plateau = lrs(TrainSpec(epochs=4, lr=1.0, schedule="plateau", factor=0.5, plateau_patience=1, min_lr=0.3), 1,
                  [1.0, 1.0, 1.0, 1.0])
    assert plateau == pytest.approx([1.0, 1.0, 0.5, 0.3])  # Keras: reduce after `plateau_patience` bad epochs
    assert lrs(TrainSpec(epochs=1, lr=0.1), 2) == [0.1, 0.1]


def _backbone_state(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.clone() for k, v in model.backbone.state_dict().items()}


@pytest.mark.parametrize("extra, bn_moves", [({"train.freeze_backbone": 1}, False),
                                             ({"train.backbone_lr": 0.0}, True)])
def test_frozen_or_zero_lr_backbone_keeps_its_weights(reg: Registry, tmp_path: Path, extra: dict,
                                                      bn_moves: bool) -> None:
    """zoo.finetune on torch: a frozen epoch changes nothing in the backbone (BatchNorm in
    inference mode keeps its statistics); backbone_lr 0 keeps its weights while BN statistics
    still follow the data; the head learns in both."""
    from zoo.assembly import make_plan
    from zoo_torch.model import build_localizer

    overrides = tiny_overrides(**{"train.epochs": 1, "backbone.batch_norm": "true", **extra})
    recipe = get("default", overrides=overrides)
    initial = build_localizer(make_plan(recipe, "torch", reg))
    run = training.train(recipe, "torch", reg, out=tmp_path / "run", workers=0)
    trained = training.load_run(run, reg)[1]
    before, after = _backbone_state(initial), _backbone_state(trained)
    weights = [k for k in before if k.endswith("weight") or k.endswith("bias")]
    stats = [k for k in before if "running" in k]
    assert weights and stats
    assert all(torch.equal(before[k], after[k]) for k in weights)
    assert any(not torch.equal(before[k], after[k]) for k in stats) == bn_moves
    head = zip(initial.head.state_dict().values(), trained.head.state_dict().values())
    assert any(not torch.equal(a, b) for a, b in head)


def test_backbone_lr_is_a_param_group() -> None:
    from zoo_torch.optim import make_optimizer
    from zoo_torch.train import param_groups

    model = torch.nn.Module()
    model.backbone, model.head = torch.nn.Linear(2, 2), torch.nn.Linear(2, 1)
    spec = TrainSpec(lr=0.01, backbone_lr=0.1, schedule="cosine", epochs=2)
    optimizer = make_optimizer(param_groups(model, spec), spec)
    assert [g["lr"] for g in optimizer.param_groups] == pytest.approx([0.01, 0.001])
    schedule = Schedule(optimizer, spec, steps_per_epoch=2)
    schedule.step_batch()
    ratio = optimizer.param_groups[1]["lr"] / optimizer.param_groups[0]["lr"]
    assert ratio == pytest.approx(0.1)


def test_freeze_stride_holds_the_first_layers(reg: Registry, tmp_path: Path) -> None:
    """train.freeze_stride on torch: the layers before the first coarser output keep their
    weights and BatchNorm statistics all run; the layers after them train."""
    from zoo.assembly import make_plan
    from zoo_torch.freeze import fixed_layers
    from zoo_torch.model import build_localizer

    recipe = get("default", overrides=tiny_overrides(**{"train.epochs": 1, "backbone.batch_norm": "true",
                                                        "train.freeze_stride": 1, "train.lr": 0.01}))
    initial = build_localizer(make_plan(recipe, "torch", reg))
    names = {id(m): n for n, m in initial.backbone.named_modules()}
    held = {names[id(m)] for m in fixed_layers(initial, recipe.train, recipe.input_size)}
    assert held == {"0", "1"}, held  # the first conv and its BatchNorm: the max-pool after them halves the map
    run = training.train(recipe, "torch", reg, out=tmp_path / "run", workers=0)
    trained = training.load_run(run, reg)[1]
    before, after = _backbone_state(initial), _backbone_state(trained)
    in_held = [k for k in before if k.rsplit(".", 1)[0] in held]
    rest = [k for k in before if k not in in_held and not k.endswith("num_batches_tracked")]
    assert in_held and rest
    assert all(torch.equal(before[k], after[k]) for k in in_held)
    assert any(not torch.equal(before[k], after[k]) for k in rest)
