"""The run directory's life cycle (issue 11, points 9, 10, 12-14): claimed atomically before any
work, nothing created before validation passes, failures recorded, the umask respected, and a
folder that cannot be written is one line. Uses the numpy reference framework (no torch)."""
from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import textwrap
import threading
from pathlib import Path
from typing import Any

import pytest

from zoo import runs
from zoo.errors import ZooError
from zoo.recipes import parse
from zoo.testing import isolated
from zoo.testing.numpy_framework import FW, NumpyFramework, NumpyPlugin
from zoo.training import train

RAW = {"backbone": "np_pool", "vectorizer": "gap", "head": "box", "loss": "mse",
       "dataset": {"name": "blobs", "n": 24, "size": 32}, "input_size": 32, "train": {"epochs": 1, "batch_size": 8}}


def _recipe(**changes: Any) -> Any:
    return parse("np", {**RAW, **changes})


def _unwritable(tmp_path: Path) -> Path:
    """A folder this process cannot create files in (root ignores permission bits: /sys then)."""
    if os.geteuid() == 0:
        return Path("/sys/zoo-test-read-only")
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o555)
    return folder / "inside"


def test_two_trainings_with_one_out_race_and_exactly_one_wins(tmp_path: Path) -> None:
    out = tmp_path / "run"
    script = textwrap.dedent(f"""
        import sys, time
        from zoo.errors import ZooError
        from zoo.recipes import parse
        from zoo.testing import isolated
        from zoo.testing.numpy_framework import FW, NumpyPlugin
        from zoo.training import train
        recipe = parse("np" + sys.argv[1], {RAW!r})
        with isolated(NumpyPlugin()) as reg:
            while time.time() < float(sys.argv[2]):
                time.sleep(0.005)
            try:
                train(recipe, FW, reg, out={str(out)!r}, workers=0)
            except ZooError as exc:
                print("REFUSED", exc)
                sys.exit(2)
        """)
    import time

    start = str(time.time() + 3.0)
    procs = [subprocess.Popen([sys.executable, "-c", script, str(i), start], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for i in (1, 2)]
    results = [(p.wait(timeout=120), p.stdout.read(), p.stderr.read()) for p in procs]  # type: ignore[union-attr]
    codes = sorted(r[0] for r in results)
    assert codes == [0, 2], results
    refused = next(r[1] for r in results if r[0] == 2)
    assert "already" in refused and str(out) in refused and len(refused.strip().splitlines()) == 1
    winner = "np1" if results[0][0] == 0 else "np2"
    assert runs.read_run(out)["recipe"] == winner == runs.read_recipe(out).name
    assert json.loads((out / "metrics.json").read_text())["recipe"] == winner


def test_a_recipe_that_fails_validation_creates_nothing(tmp_path: Path) -> None:
    with isolated(NumpyPlugin()) as reg, pytest.raises(ZooError, match="giou"):
        train(_recipe(loss="giou"), FW, reg, out=tmp_path / "run", workers=0)
    assert not (tmp_path / "run").exists()


def test_a_dataset_that_cannot_be_built_leaves_no_stub(tmp_path: Path) -> None:
    recipe = _recipe(dataset={"name": "voc", "root": str(tmp_path / "no-such-folder")})
    with isolated(NumpyPlugin()) as reg, pytest.raises(ZooError):
        train(recipe, FW, reg, out=tmp_path / "run", workers=0)
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize(("error", "status"), [(RuntimeError("fit exploded"), "failed"),
                                                (KeyboardInterrupt(), "interrupted")])
def test_failed_or_interrupted_run_records_its_status_and_reason(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                  error: BaseException, status: str) -> None:
    def fit(*args: Any, **kwargs: Any) -> Any:
        raise error

    monkeypatch.setattr(NumpyFramework, "fit", fit)
    with isolated(NumpyPlugin()) as reg, pytest.raises(type(error)):
        train(_recipe(), FW, reg, out=tmp_path / "run", workers=0)
    info = runs.read_run(tmp_path / "run")
    assert info["status"] == status
    assert ("fit exploded" in info["reason"]) if status == "failed" else info["reason"]


@pytest.mark.skipif(not hasattr(signal, "SIGTERM") or os.name == "nt", reason="POSIX signals")
def test_sigterm_records_the_run_interrupted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`kill` of a training process ends it as Ctrl-C does: run.json says interrupted, the lock
    is released, and the default SIGTERM action is back afterwards."""
    import time

    def fit(*args: Any, **kwargs: Any) -> Any:
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)  # the handler raises here, at the next bytecode
        raise AssertionError("SIGTERM did not stop the training")

    monkeypatch.setattr(NumpyFramework, "fit", fit)
    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL
    with isolated(NumpyPlugin()) as reg, pytest.raises(runs.Terminated):
        train(_recipe(), FW, reg, out=tmp_path / "run", workers=0)
    info = runs.read_run(tmp_path / "run")
    assert info["status"] == "interrupted" and "SIGTERM" in info["reason"]
    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL
    runs.unlock(runs.lock(tmp_path / "run"))


@pytest.mark.parametrize("umask", [0o022, 0o002])
def test_atomic_writes_respect_the_umask(tmp_path: Path, umask: int) -> None:
    old = os.umask(umask)
    try:
        runs.atomic_write(tmp_path / "a.json", "{}")
        with runs.atomic_path(tmp_path / "b.bin") as tmp:
            Path(tmp).write_bytes(b"x")
    finally:
        os.umask(old)
    for name in ("a.json", "b.bin"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o666 & ~umask


def test_training_writes_files_readable_by_the_group(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        with isolated(NumpyPlugin()) as reg:
            run = train(_recipe(), FW, reg, out=tmp_path / "run", workers=0)
    finally:
        os.umask(old)
    for name in ("run.json", "recipe.yaml", "history.json", "metrics.json"):
        assert stat.S_IMODE((run / name).stat().st_mode) == 0o644, name


def _cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "zoo", *args], capture_output=True, text=True, timeout=120,
                          cwd=cwd)


def test_resume_refuses_what_it_cannot_honour(tmp_path: Path) -> None:
    for extra in (["-f", "keras"], ["--set", "train.lr=0.1"], ["default"]):
        out = _cli("train", "--resume", str(tmp_path / "run"), *extra)
        assert out.returncode == 2, out.stderr
        assert out.stderr.count("\n") == 1 and "--resume" in out.stderr and "--epochs" in out.stderr, out.stderr


def test_unwritable_out_is_one_line_in_train_and_data_show(tmp_path: Path) -> None:
    folder = _unwritable(tmp_path)
    for args in (["train", "default", "--epochs", "1", "--out", str(folder / "run")],
                 ["data", "show", "blobs", "--set", "n=8", "--out", str(folder / "show.png")]):
        out = _cli(*args, cwd=tmp_path)
        assert out.returncode == 2, out.stderr
        assert out.stderr.startswith("error: ") and out.stderr.count("\n") == 1, out.stderr
        assert str(folder) in out.stderr and "writ" in out.stderr, out.stderr


def test_run_files_are_strict_json_without_nan_tokens(tmp_path: Path) -> None:
    runs.write_json(tmp_path / "m.json", {"iou": float("nan"), "rows": [1.0, float("inf")], "ok": 0.5})
    text = (tmp_path / "m.json").read_text()
    assert "NaN" not in text and "Infinity" not in text
    assert json.loads(text, parse_constant=lambda c: pytest.fail(f"non-strict token {c}")) == {
        "iou": None, "rows": [1.0, None], "ok": 0.5}


def test_nan_loss_stops_training_with_a_clear_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = NumpyFramework._loss
    monkeypatch.setattr(NumpyFramework, "_loss", lambda self, *a: float("nan") * real(self, *a))
    with isolated(NumpyPlugin()) as reg, pytest.raises(ZooError, match="loss is nan at epoch 1: training stopped"):
        train(_recipe(), FW, reg, out=tmp_path / "run", workers=0)
    assert runs.read_run(tmp_path / "run")["status"] == "failed"
    assert not (tmp_path / "run" / "metrics.json").exists()


def test_default_run_directories_never_collide(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    first = runs.claim_new("np", FW)
    real = runs.new_dir
    calls = []

    def racing(*args: Any) -> Path:  # another process took the name between new_dir and claim
        calls.append(1)
        return first.run_dir if len(calls) == 1 else real(*args)

    monkeypatch.setattr(runs, "new_dir", racing)
    second = runs.claim_new("np", FW)
    assert second.run_dir != first.run_dir and (second.run_dir / runs.RUN).exists()


def test_a_run_being_trained_is_locked_against_a_second_resume(tmp_path: Path) -> None:
    """While one process trains a run (holds its lock), `--resume` of it is one line and changes
    nothing; the lock goes with the training, however it ends."""
    with isolated(NumpyPlugin()) as reg:
        run = train(_recipe(), FW, reg, out=tmp_path / "run", workers=0)
        before = {name: (run / name).read_bytes() for name in (runs.RUN, runs.RECIPE)}
        held = runs.lock(run)  # as the training in another process holds it
        assert held is not None
        try:
            with pytest.raises(runs.RunBusyError, match=r"is being trained by another `zoo train`.*wait for it"):
                train(None, "", reg, resume=run, workers=0, epochs=3)
        finally:
            runs.unlock(held)
        assert {name: (run / name).read_bytes() for name in before} == before
        with runs.resumed(run) as claim:  # free again
            assert claim.lock is not None
        assert claim.lock is None
        held = runs.lock(run)  # a restarted process waits for the lock its predecessor's workers hold
        threading.Timer(0.5, runs.unlock, [held]).start()
        runs.unlock(runs.lock(run, wait=30.0))


def test_a_new_run_holds_its_lock_until_training_ends(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[bool] = []
    fit = NumpyFramework.fit

    def probing_fit(self: Any, *args: Any, **kwargs: Any) -> Any:
        with pytest.raises(runs.RunBusyError):
            runs.resumed(tmp_path / "run")
        seen.append(True)
        return fit(self, *args, **kwargs)

    monkeypatch.setattr(NumpyFramework, "fit", probing_fit)
    with isolated(NumpyPlugin()) as reg:
        train(_recipe(), FW, reg, out=tmp_path / "run", workers=0)
    assert seen == [True]
    runs.unlock(runs.lock(tmp_path / "run"))  # released at the end
