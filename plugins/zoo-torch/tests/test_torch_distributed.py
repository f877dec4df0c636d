"""torch on several processes (CPU, gloo, loopback only): ``zoo train --nproc 2`` (through
torch.distributed.run) against ``--nproc 1`` on the default recipe with a small set, and a worker
killed mid-run under torchrun ``--max-restarts 1`` resuming from the last checkpoint."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
SMALL = ["--set", "dataset.n=160", "--set", "train.batch_size=16"]
#: world size 2 repeats world size 1 up to float summation order (DDP averages two half-batch
#: gradients): measured 1e-9 on test IoU; this is the stated tolerance
TOLERANCE = 1e-4


def _env(tmp: Path, tag: str) -> dict[str, str]:
    return dict(os.environ, ZOO_SEEN_LOG=str(tmp / f"seen-{tag}"), OMP_NUM_THREADS="1", PYTHONUNBUFFERED="1")


def _train(tmp: Path, nproc: int, epochs: int = 2) -> Path:
    out = tmp / f"run{nproc}"
    cmd = [sys.executable, "-m", "zoo", "train", "default", "-f", "torch", "--epochs", str(epochs),
           "--out", str(out), "--nproc", str(nproc), *SMALL]
    done = subprocess.run(cmd, cwd=tmp, env=_env(tmp, str(nproc)), capture_output=True, text=True, timeout=150)
    assert done.returncode == 0, done.stderr[-3000:]
    assert f"run directory: {out}" in done.stdout and done.stdout.count("run directory:") == 1
    return out


def _seen(tmp: Path, tag: str) -> dict[int, Counter[int]]:
    """epoch -> Counter of dataset indices, over every rank's log."""
    per_epoch: dict[int, Counter[int]] = {}
    for log in tmp.glob(f"seen-{tag}.rank*"):
        for line in log.read_text().split("\n"):
            if line:
                epoch, index = map(int, line.split())
                per_epoch.setdefault(epoch, Counter())[index] += 1
    return per_epoch


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """(folder, the run at world size 1, the run at world size 2), trained once for this module."""
    tmp = tmp_path_factory.mktemp("dist")
    return tmp, _train(tmp, 1), _train(tmp, 2)


def test_two_processes_train_like_one(runs: tuple[Path, Path, Path]) -> None:
    tmp_path, one, two = runs
    # one run directory each, nothing else written (only rank 0 wrote, and only there)
    assert {"run1", "run2"} == {p.name for p in tmp_path.iterdir() if p.name.startswith("run")}
    assert not (tmp_path / "runs").exists()  # no other process wrote a default run directory
    m1, m2 = (json.loads((d / "metrics.json").read_text()) for d in (one, two))
    assert (m1["world_size"], m2["world_size"]) == (1, 2)
    assert json.loads((two / "run.json").read_text())["status"] == "done"
    assert abs(m1["iou"] - m2["iou"]) <= TOLERANCE and m1["n"] == m2["n"]
    h1, h2 = (json.loads((d / "history.json").read_text()) for d in (one, two))
    assert [round(h["val_loss"], 4) for h in h1] == [round(h["val_loss"], 4) for h in h2]
    # every train item seen exactly once per epoch, the same items at both world sizes
    s1, s2 = _seen(tmp_path, "1"), _seen(tmp_path, "2")
    assert sorted(s2) == [0, 1] and len(list(tmp_path.glob("seen-2.rank*"))) == 2
    for epoch in (0, 1):
        assert set(s2[epoch].values()) == {1} and s2[epoch] == s1[epoch]


def test_profile_states_the_world_size(runs: tuple[Path, Path, Path]) -> None:
    tmp_path, _, two = runs
    profile = subprocess.run([sys.executable, "-m", "zoo", "profile", str(two), "--nproc", "2"], cwd=tmp_path,
                             capture_output=True, text=True, timeout=120)
    assert profile.returncode == 0 and json.loads(profile.stdout)["world_size"] == 2, profile.stderr[-2000:]
    wrong = subprocess.run([sys.executable, "-m", "zoo", "profile", str(two), "--nproc", "1"], cwd=tmp_path,
                           capture_output=True, text=True, timeout=120)
    assert wrong.returncode != 0 and "trained on 2 process(es)" in wrong.stderr


def test_resume_at_another_world_size(runs: tuple[Path, Path, Path]) -> None:
    """The 1-process run continues on 2 processes."""
    tmp_path, trained, _ = runs
    one = shutil.copytree(trained, tmp_path / "resumed")
    h1 = json.loads((one / "history.json").read_text())
    done = subprocess.run([sys.executable, "-m", "zoo", "train", "--resume", str(one), "--epochs", "3", "--nproc", "2"],
                          cwd=tmp_path, env=_env(tmp_path, "resume"), capture_output=True, text=True, timeout=150)
    assert done.returncode == 0, done.stderr[-3000:]
    history = json.loads((one / "history.json").read_text())
    assert [h["epoch"] for h in history] == [1, 2, 3] and history[:2] == h1
    assert json.loads((one / "metrics.json").read_text())["world_size"] == 2
    assert sorted(_seen(tmp_path, "resume")) == [2]  # only the new epoch was trained


def test_killed_worker_resumes_from_last_checkpoint_under_torchrun(tmp_path: Path) -> None:
    out = tmp_path / "run"
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2",
           "--max-restarts", "1", "-m", "zoo", "train", "default", "-f", "torch", "--epochs", "4",
           "--out", str(out), *SMALL]
    agent = subprocess.Popen(cmd, cwd=tmp_path, env=_env(tmp_path, "run"), stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True)
    state = out / "checkpoint" / "state.pt"
    deadline = time.monotonic() + 120
    while not state.exists() and agent.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert state.exists(), "no checkpoint was written"
    workers = subprocess.run(["pgrep", "-P", str(agent.pid)], capture_output=True, text=True).stdout.split()
    assert len(workers) == 2
    os.kill(int(workers[-1]), signal.SIGKILL)  # a worker dies during epoch 2
    output, _ = agent.communicate(timeout=180)
    assert agent.returncode == 0, output[-3000:]
    history = json.loads((out / "history.json").read_text())
    assert [h["epoch"] for h in history] == [1, 2, 3, 4]
    assert json.loads((out / "run.json").read_text())["status"] == "done"
    seen = _seen(tmp_path, "run")
    # epoch 1 was trained once, before the kill: the restart resumed after it, not from scratch
    assert set(seen[0].values()) == {1}
    assert all(set(seen[e].values()) <= {1, 2} for e in seen) and set(seen[3].values()) == {1}


@pytest.mark.skipif(__import__("torch").cuda.is_available(), reason="the CPU refusal; CUDA runs SyncBatchNorm")
def test_sync_batchnorm_on_cpu_is_one_line(tmp_path: Path) -> None:
    cmd = [sys.executable, "-m", "zoo", "train", "default", "-f", "torch", "--epochs", "1", "--nproc", "2",
           "--sync-bn", "--out", str(tmp_path / "run"), *SMALL, "--set", "backbone.batch_norm=true"]
    done = subprocess.run(cmd, cwd=tmp_path, env=_env(tmp_path, "bn"), capture_output=True, text=True, timeout=150)
    assert done.returncode != 0
    assert "train.sync_batchnorm (--sync-bn) needs CUDA" in done.stdout + done.stderr
    assert "Traceback" not in (done.stdout + done.stderr).split("ChildFailedError")[0]
