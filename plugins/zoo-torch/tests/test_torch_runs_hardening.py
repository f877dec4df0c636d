"""Broken run files and hostile training on torch (issue 11, points 11, 12, 19, 23): one line
naming the file and the fix, --resume --epochs extends a run, a NaN loss stops training within one
read of the step losses (naming its batch), and the data loader and the training batches hand
torch writable arrays (no "NumPy array is not writable" warning)."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from torch_helpers import tiny_overrides
from zoo import runs, training
from zoo.errors import ZooError
from zoo.predicting import predict_files
from zoo.recipes import get
from zoo.registry import Registry
from zoo.testing.run_checks import (check_resume_extends, check_unloadable_weights, copy_run, damage,
                                     one_line, sample_image, train_cli_log)

TINY = {"train.epochs": 1, "dataset.n": 24}


@pytest.fixture(scope="module")
def trained(reg: Registry, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("torch-run") / "run"
    return training.train(get("default", overrides=tiny_overrides(**TINY)), "torch", reg, out=out, workers=0)


@pytest.mark.parametrize("how", ["truncated", "random", "wrong recipe"])
def test_damaged_weights_are_one_line_in_evaluate_and_predict(reg: Registry, trained: Path, tmp_path: Path,
                                                              how: str) -> None:
    run = copy_run(trained, tmp_path)
    weights = run / "model.safetensors"
    if how == "wrong recipe":
        from safetensors.torch import save_file

        save_file({"backbone.other": torch.zeros(3)}, str(weights))
    else:
        damage(weights, how)
    check_unloadable_weights(reg, run, "model.safetensors", tmp_path)


@pytest.mark.parametrize("how", ["truncated", "random", "wrong recipe"])
def test_damaged_checkpoint_is_one_line_in_resume(reg: Registry, trained: Path, tmp_path: Path, how: str) -> None:
    run = copy_run(trained, tmp_path)
    state = run / "checkpoint" / "state.pt"
    if how == "wrong recipe":
        data = torch.load(str(state), weights_only=True)
        data["model"] = {"backbone.other": torch.zeros(3)}
        torch.save(data, str(state))
    else:
        damage(state, how)
    with pytest.raises(ZooError) as err:
        training.train(None, "", reg, resume=run, workers=0, epochs=2)
    assert "checkpoint" in one_line(err, "state.pt")
    assert runs.read_run(run)["status"] == "failed"


@pytest.mark.parametrize(("name", "text"), [("run.json", "{\"framework\": "), ("history.json", "[{]"),
                                             ("recipe.yaml", "backbone: [unclosed"), ("recipe.yaml", "- a list")])
def test_malformed_run_files_are_one_line(reg: Registry, trained: Path, tmp_path: Path, name: str, text: str) -> None:
    run = copy_run(trained, tmp_path)
    (run / name).write_text(text)
    if name != "history.json":
        for call in (lambda: training.evaluate(run, reg, workers=0),
                     lambda: predict_files(run, [sample_image(tmp_path)], reg, tmp_path / "pred")):
            with pytest.raises(ZooError) as err:
                call()
            one_line(err, name)
    with pytest.raises(ZooError) as err:
        training.train(None, "", reg, resume=run, workers=0)
    one_line(err, name)


def test_resume_with_more_epochs_extends_the_run(reg: Registry, trained: Path, tmp_path: Path) -> None:
    check_resume_extends(reg, copy_run(trained, tmp_path))


def test_nan_loss_stops_training_at_the_first_bad_batch(reg: Registry, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from zoo.plugin import Objective  # the core's objective, which the torch loop calls

    real = Objective.__call__
    calls = {"n": 0}

    def poisoned(self: Any, *args: Any, **kwargs: Any) -> Any:
        loss, parts = real(self, *args, **kwargs)
        calls["n"] += 1
        return (loss * float("nan") if calls["n"] == 2 else loss), parts

    monkeypatch.setattr(Objective, "__call__", poisoned)
    out = tmp_path / "run"
    with pytest.raises(ZooError, match=r"(?i)loss is nan at epoch 1, batch 2") as err:
        training.train(get("default", overrides=tiny_overrides(**{**TINY, "train.batch_size": 4})), "torch", reg,
                       out=out, workers=0)
    assert "lr" in str(err.value)
    # the step losses are read every Monitor.read_every steps (no host sync per step): it stops
    # at that read, within the epoch, before validation and before anything is recorded
    assert 2 <= calls["n"] <= training.Monitor.read_every
    assert not (out / "history.json").exists()
    info = runs.read_run(out)
    assert info["status"] == "failed" and "nan" in info["reason"].lower()
    assert not (out / "metrics.json").exists()


@pytest.mark.parametrize("path", ["loader", "train"])
def test_loader_hands_torch_writable_arrays(reg: Registry, monkeypatch: pytest.MonkeyPatch, path: str) -> None:
    """torch warns once per process when given a read-only array (PIL's are): none may reach it,
    through the DataLoader adapter or the training loop's own batches."""
    from zoo.assembly import build_dataset
    from zoo_torch.data import loader
    from zoo_torch.train import batches

    recipe = get("default", overrides=tiny_overrides(**{**TINY, "dataset.size": 40}))  # images are resized
    data = training.prepare_data(recipe, build_dataset(recipe, reg), workers=0)
    real, seen = torch.from_numpy, []

    def from_numpy(array: np.ndarray) -> torch.Tensor:
        seen.append(array.flags.writeable)
        return real(array)

    monkeypatch.setattr(torch, "from_numpy", from_numpy)
    for _ in (loader(data.train, 0) if path == "loader" else batches(data.train, 0)):
        pass
    assert seen and all(seen)


def test_cli_in_a_log_prints_one_line_per_epoch_and_no_framework_chatter(tmp_path: Path) -> None:
    err = train_cli_log("torch", tmp_path / "run").stderr
    assert "not writable" not in err, err


def test_predict_into_an_unwritable_folder_is_one_line(trained: Path, tmp_path: Path) -> None:
    import subprocess
    import sys

    folder = Path("/sys/zoo-test-read-only") if os.geteuid() == 0 else tmp_path / "ro"
    if os.geteuid() != 0:
        folder.mkdir()
        folder.chmod(0o555)
    out = subprocess.run([sys.executable, "-m", "zoo", "predict", str(trained), sample_image(tmp_path), "--out",
                          str(folder / "pred")], capture_output=True, text=True, timeout=300)
    assert out.returncode == 2, out.stderr
    assert out.stderr.startswith("error: cannot write") and out.stderr.count("\n") == 1, out.stderr


def test_weights_and_checkpoint_files_respect_the_umask(trained: Path) -> None:
    import stat

    mask = os.umask(0)
    os.umask(mask)
    for name in ("model.safetensors", "checkpoint/state.pt", "checkpoint/best.safetensors", "run.json"):
        assert stat.S_IMODE((trained / name).stat().st_mode) == 0o666 & ~mask, name
