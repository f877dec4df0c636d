"""Checks every framework plugin's training and run directory must pass alike, written once and
called by each plugin's tests with its framework (zoo-torch's and zoo-keras' own tests use them).
Imports no framework and no pytest: a check raises AssertionError (or the ZooError under test).

* `copy_run`, `sample_image`, `damage`, `one_line`: helpers for tests that break a run on purpose.
* `check_unloadable_weights(reg, run, name, folder)`: weights that do not load are one line in
  ``zoo evaluate`` and ``zoo predict``.
* `check_resume_extends(reg, run)`: ``--resume --epochs`` extends a run and refuses to shorten it.
* `check_early_stopping_restores_best(framework, reg, out, overrides)`: the real `Monitor` stops
  on val_loss and the final model is the best epoch's.
* `train_cli_log(framework, out)`: ``zoo train`` in a log prints one line per epoch, no bars.
* `installed_model(run, name, reg, folder)`: the run packaged (`zoo.packaging.package`) and
  registered as an installed model, for ``backbone.weights=NAME`` and prediction by name.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from unittest import mock

import numpy as np
from PIL import Image

from zoo import recipes, runs, training
from zoo.errors import ZooError
from zoo.registry import Registry


def copy_run(run: Path, folder: Path) -> Path:
    """A copy of run directory `run` under `folder` (to damage without touching the original)."""
    return Path(shutil.copytree(run, Path(folder) / "copy"))


def sample_image(folder: Path) -> str:
    """The path of a black 50x40 PNG written into `folder`."""
    path = Path(folder) / "image.png"
    Image.fromarray(np.zeros((40, 50, 3), np.uint8)).save(path)
    return str(path)


def damage(path: Path, how: str) -> None:
    """Rewrite file `path` ``truncated`` (its first half) or ``random`` (as many random bytes)."""
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2] if how == "truncated" else np.random.default_rng(0).bytes(len(data)))


def one_line(error: ZooError | Any, name: str) -> str:
    """The message of `error` (an exception or pytest's ExceptionInfo), checked to be one line
    that names `name`."""
    message = str(getattr(error, "value", error))
    assert "\n" not in message and name in message, message
    return message


def check_unloadable_weights(reg: Registry, run: Path, name: str, folder: Path) -> None:
    """With the weights file `name` of `run` damaged (or another model's), evaluating and
    predicting are each one line naming the file, evaluate's saying to train again."""
    from zoo.predicting import predict_files

    assert "train" in raises_one_line(lambda: training.evaluate(run, reg, workers=0), name)
    raises_one_line(lambda: predict_files(run, [sample_image(folder)], reg, Path(folder) / "pred"), name)


def raises_one_line(call: Any, name: str) -> str:
    """The message of the ZooError `call()` raises, checked by `one_line`; AssertionError when it
    raises none."""
    try:
        call()
    except ZooError as exc:
        return one_line(exc, name)
    raise AssertionError(f"no ZooError naming {name!r}")


def check_resume_extends(reg: Registry, run: Path) -> None:
    """Resuming a one-epoch `run` with ``epochs=2`` trains epoch 2 into the same directory
    (history, run.json and recipe.yaml say 2); asking for fewer epochs than it has is one line."""
    training.train(None, "", reg, resume=run, workers=0, epochs=2)
    assert [h["epoch"] for h in runs.read_json(run / runs.HISTORY)] == [1, 2]
    assert runs.read_run(run)["epochs"] == 2 and runs.read_recipe(run).train.epochs == 2
    assert "fewer than the 2 epochs" in raises_one_line(
        lambda: training.train(None, "", reg, resume=run, workers=0, epochs=1), "--epochs 1")


def check_early_stopping_restores_best(framework: str, reg: Registry, out: Path, overrides: Sequence[str]) -> Path:
    """Early stopping on val_loss (the real `Monitor`, patience 1) and the best-weights restore:
    val_loss is scripted 3, 1, 2, ... so epoch 2 is best and epoch 3 stops the run; the final
    model must predict what epoch 2 predicted, not what the last epoch did. `overrides` make the
    default recipe tiny; returns the run directory for the framework's own checks."""
    scripted, seen = [3.0, 1.0, 2.0, 4.0, 5.0], {}
    original = training.Monitor.end_epoch

    def end_epoch(self: Any, epoch: int, logs: dict[str, Any], outputs: Any) -> Any:
        seen[epoch] = np.array(outputs.box)
        return original(self, epoch, {**logs, "val_loss": scripted[epoch]}, outputs)

    recipe = recipes.get("default", overrides=[*overrides, "train.epochs=5", "train.early_stopping=1",
                                               "train.lr=0.01"])
    with mock.patch.object(training.Monitor, "end_epoch", end_epoch):
        run = training.train(recipe, framework, reg, out=out, workers=0)
    assert sorted(seen) == [0, 1, 2]
    info = runs.read_json(run / runs.RUN)
    assert info["epochs"] == 3 and info["best_epoch"] == 2
    val = training.prepare_data(recipe, training.build_dataset(recipe, reg), workers=0).val
    _, model, engine = training.load_run(run, reg)
    final = engine.predict(model, val.images()).box
    np.testing.assert_allclose(final, seen[1], atol=1e-5)
    assert np.abs(final - seen[2]).max() > 1e-4
    return run


def train_cli_log(framework: str, out: Path) -> subprocess.CompletedProcess[str]:
    """``zoo train default -f FRAMEWORK --epochs 2`` on tiny blobs with its output in a log (not a
    terminal): it succeeds and prints one line per epoch, no carriage returns, no progress bars.
    Returns the finished process for the framework's own checks of its stderr."""
    done = subprocess.run([sys.executable, "-m", "zoo", "train", "default", "-f", framework, "--epochs", "2",
                           "--set", "dataset.n=40", "--set", "input_size=32", "--set", "dataset.size=40",
                           "--set", "train.batch_size=8", "--out", str(out)],
                          capture_output=True, text=True, timeout=300, env={**os.environ, "ZOO_VERBOSE": ""})
    assert done.returncode == 0, done.stderr
    assert [line.split(":")[0] for line in done.stdout.splitlines() if line.startswith("epoch")] == ["epoch 1",
                                                                                                    "epoch 2"]
    assert "\r" not in done.stdout + done.stderr and "batch/s" not in done.stderr and "step" not in done.stdout
    return done


@contextmanager
def installed_model(run: Path, name: str, reg: Registry, folder: Path) -> Iterator[tuple[Registry, Path]]:
    """Run `run` packaged as model `name` under `folder` and registered as installed
    (``register_models``): the registry that has it (the installed plugins too) and the model's
    directory in the package."""
    from zoo import plugins
    from zoo.hookspecs import hookimpl
    from zoo.packaging import package

    root = package(run, name, reg, folder)
    model_dir = root / "src" / f"zoo_model_{name.replace('-', '_')}" / "model"

    class Installed:
        __name__ = name

        @hookimpl
        def register_models(self, register: Any) -> None:
            register(name, model_dir)

    with plugins.use_plugins(Installed(), installed=True) as with_model:
        yield with_model, model_dir
