"""Broken run files and hostile training on Keras (issue 11, points 11, 12, 19): one line naming
the file and the fix, --resume --epochs extends a run, a NaN loss stops training at the first
bad batch; files written atomically respect the umask."""
from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from zoo import recipes, runs, training
from zoo.errors import ZooError
from zoo.predicting import predict_files

TINY = ["dataset.n=24", "train.epochs=1", "input_size=32", "train.batch_size=8", "dataset.size=32",
        "backbone.filters=[8, 16]"]


@pytest.fixture(scope="module")
def trained(reg: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("keras-run") / "run"
    old = os.umask(0o022)
    try:
        return training.train(recipes.get("default", overrides=TINY), "keras", reg, out=out, workers=0)
    finally:
        os.umask(old)


def _copy(run: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(run, tmp_path / "copy"))


def _image(tmp_path: Path) -> str:
    path = tmp_path / "image.png"
    Image.fromarray(np.zeros((40, 50, 3), np.uint8)).save(path)
    return str(path)


def _one_line(err: pytest.ExceptionInfo[ZooError], name: str) -> str:
    msg = str(err.value)
    assert "\n" not in msg and name in msg, msg
    return msg


def _damage(path: Path, how: str) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2] if how == "truncated" else np.random.default_rng(0).bytes(len(data)))


def test_weights_and_checkpoint_files_respect_the_umask(trained: Path) -> None:
    for name in ("model.weights.h5", "checkpoint/state.npz", "checkpoint/best.weights.h5"):
        assert stat.S_IMODE((trained / name).stat().st_mode) == 0o644, name


@pytest.mark.parametrize("how", ["truncated", "random", "wrong recipe"])
def test_damaged_weights_are_one_line_in_evaluate_and_predict(reg: Any, trained: Path, tmp_path: Path,
                                                              how: str) -> None:
    run = _copy(trained, tmp_path)
    if how == "wrong recipe":  # the weights of another architecture
        other = training.train(recipes.get("default", overrides=[*TINY, "backbone.filters=[4]"]), "keras", reg,
                               out=tmp_path / "other", workers=0)
        shutil.copy(other / "model.weights.h5", run / "model.weights.h5")
    else:
        _damage(run / "model.weights.h5", how)
    with pytest.raises(ZooError) as err:
        training.evaluate(run, reg, workers=0)
    assert "train" in _one_line(err, "model.weights.h5")
    with pytest.raises(ZooError) as err:
        predict_files(run, [_image(tmp_path)], reg, tmp_path / "pred")
    _one_line(err, "model.weights.h5")


@pytest.mark.parametrize("how", ["truncated", "random"])
def test_damaged_checkpoint_is_one_line_in_resume(reg: Any, trained: Path, tmp_path: Path, how: str) -> None:
    run = _copy(trained, tmp_path)
    _damage(run / "checkpoint" / "state.npz", how)
    with pytest.raises(ZooError) as err:
        training.train(None, "", reg, resume=run, workers=0, epochs=2)
    assert "checkpoint" in _one_line(err, "state.npz")
    assert runs.read_run(run)["status"] == "failed"


def test_resume_with_more_epochs_extends_the_run(reg: Any, trained: Path, tmp_path: Path) -> None:
    run = _copy(trained, tmp_path)
    training.train(None, "", reg, resume=run, workers=0, epochs=2)
    assert [h["epoch"] for h in runs.read_json(run / "history.json")] == [1, 2]
    assert runs.read_run(run)["epochs"] == 2 and runs.read_recipe(run).train.epochs == 2


def test_nan_loss_stops_training_at_the_first_bad_batch(reg: Any, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from zoo_keras.model import Localizer
    from zoo_keras._keras import ops

    real = Localizer.compute_loss

    def poisoned(self: Any, *args: Any, **kwargs: Any) -> Any:  # NaN from the second step on
        loss = real(self, *args, **kwargs)
        return ops.where(self.optimizer.iterations >= 1, loss * float("nan"), loss)

    monkeypatch.setattr(Localizer, "compute_loss", poisoned)
    out = tmp_path / "run"
    with pytest.raises(ZooError, match=r"(?i)loss is nan at epoch 1, batch 2") as err:
        training.train(recipes.get("default", overrides=[*TINY, "train.batch_size=4"]), "keras", reg, out=out,
                       workers=0)
    assert "lr" in str(err.value)
    info = runs.read_run(out)
    assert info["status"] == "failed" and "nan" in info["reason"].lower()
    assert not (out / "metrics.json").exists() and not (out / "history.json").exists()


def test_cli_in_a_log_prints_one_line_per_epoch_and_no_framework_chatter(tmp_path: Path) -> None:
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "zoo", "train", "default", "-f", "keras", "--epochs", "2",
                          "--set", "dataset.n=40", "--set", "input_size=32", "--set", "dataset.size=40",
                          "--set", "train.batch_size=8", "--out", str(tmp_path / "run")],
                         capture_output=True, text=True, timeout=300, env={**os.environ, "ZOO_VERBOSE": ""})
    assert out.returncode == 0, out.stderr
    assert [line.split(":")[0] for line in out.stdout.splitlines() if line.startswith("epoch")] == ["epoch 1",
                                                                                                   "epoch 2"]
    assert "\r" not in out.stdout + out.stderr and "batch/s" not in out.stderr and "step" not in out.stdout
    for chatter in ("oneDNN", "cuInit", "cudart", "absl", "TensorFlow binary"):
        assert chatter not in out.stderr, out.stderr
