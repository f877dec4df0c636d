"""Broken run files and hostile training on Keras (issue 11, points 11, 12, 19): one line naming
the file and the fix, --resume --epochs extends a run, a NaN loss stops training at the first
bad batch; files written atomically respect the umask."""
from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path
from typing import Any

import pytest

from zoo import recipes, runs, training
from zoo.errors import ZooError
from zoo.testing.run_checks import (check_resume_extends, check_unloadable_weights, copy_run, damage,
                                     one_line, train_cli_log)

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


def test_weights_and_checkpoint_files_respect_the_umask(trained: Path) -> None:
    for name in ("model.weights.h5", "checkpoint/state.npz", "checkpoint/best.weights.h5"):
        assert stat.S_IMODE((trained / name).stat().st_mode) == 0o644, name


@pytest.mark.parametrize("how", ["truncated", "random", "wrong recipe"])
def test_damaged_weights_are_one_line_in_evaluate_and_predict(reg: Any, trained: Path, tmp_path: Path,
                                                              how: str) -> None:
    run = copy_run(trained, tmp_path)
    if how == "wrong recipe":  # the weights of another architecture
        other = training.train(recipes.get("default", overrides=[*TINY, "backbone.filters=[4]"]), "keras", reg,
                               out=tmp_path / "other", workers=0)
        shutil.copy(other / "model.weights.h5", run / "model.weights.h5")
    else:
        damage(run / "model.weights.h5", how)
    check_unloadable_weights(reg, run, "model.weights.h5", tmp_path)


@pytest.mark.parametrize("how", ["truncated", "random"])
def test_damaged_checkpoint_is_one_line_in_resume(reg: Any, trained: Path, tmp_path: Path, how: str) -> None:
    run = copy_run(trained, tmp_path)
    damage(run / "checkpoint" / "state.npz", how)
    with pytest.raises(ZooError) as err:
        training.train(None, "", reg, resume=run, workers=0, epochs=2)
    assert "checkpoint" in one_line(err, "state.npz")
    assert runs.read_run(run)["status"] == "failed"


def test_resume_with_more_epochs_extends_the_run(reg: Any, trained: Path, tmp_path: Path) -> None:
    check_resume_extends(reg, copy_run(trained, tmp_path))


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
    err = train_cli_log("keras", tmp_path / "run").stderr
    for chatter in ("oneDNN", "cuInit", "cudart", "absl", "TensorFlow binary"):
        assert chatter not in err, err
