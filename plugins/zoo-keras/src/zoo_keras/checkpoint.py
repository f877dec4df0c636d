"""The training checkpoint in ``run_dir/checkpoint/``, written atomically after every epoch.

``state.npz`` holds every model variable (weights, BN statistics, dropout seed states) and
every optimizer variable (step count, learning rate, moments) in build order, plus a JSON
``meta`` entry: the epoch just finished, the plateau state and the variables' shapes.
``best.weights.h5`` holds the weights of the best val_loss epoch. Both are written to a
temporary name and renamed, so a killed process leaves the previous files.
"""
from __future__ import annotations

import io
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
from zoo import runs
from zoo.errors import ZooError

STATE = "state.npz"
BEST = "best.weights.h5"


def directory(run_dir: Path) -> Path:
    return Path(run_dir) / runs.CHECKPOINT


def save_state(run_dir: Path, model: Any, optimizer: Any, epoch: int, extra: dict[str, Any]) -> Path:
    """Write the state after 0-based `epoch`."""
    arrays: dict[str, np.ndarray] = {}
    for prefix, variables in (("m", model.variables), ("o", optimizer.variables)):
        for i, v in enumerate(variables):
            arrays[f"{prefix}{i}"] = np.asarray(v.numpy())
    meta = {"epoch": epoch, "extra": extra, "model": len(model.variables), "optimizer": len(optimizer.variables)}
    arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), np.uint8)
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    path = directory(run_dir) / STATE
    runs.atomic_write(path, buf.getvalue())
    return path


def load_state(run_dir: Path, model: Any, optimizer: Any) -> dict[str, Any] | None:
    """Restore model and optimizer variables; return the meta (epoch, extra), None without a state.
    The optimizer must be built (``optimizer.build(model.trainable_variables)``)."""
    path = directory(run_dir) / STATE
    if not path.exists():
        return None
    with np.load(path) as data:
        meta = json.loads(bytes(data["meta"]).decode())
        for prefix, variables, key in (("m", model.variables, "model"), ("o", optimizer.variables, "optimizer")):
            if meta[key] != len(variables):
                raise ZooError(f"checkpoint {str(path)!r} holds {meta[key]} {key} variables, the model has "
                               f"{len(variables)}; it was written by another recipe: start a new run")
            for i, v in enumerate(variables):
                v.assign(data[f"{prefix}{i}"])
    return meta


def save_weights_atomic(model: Any, path: Path) -> Path:
    """``model.save_weights(path)`` via a temporary ``.weights.h5`` file and a rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".weights.h5")
    os.close(fd)
    try:
        model.save_weights(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return path


def save_best(run_dir: Path, model: Any) -> Path:
    """Keep `model`'s current weights as the best ones (atomic)."""
    return save_weights_atomic(model, directory(run_dir) / BEST)


def load_best(run_dir: Path, model: Any) -> bool:
    """Load the best weights when they exist; return whether they did."""
    path = directory(run_dir) / BEST
    if not path.exists():
        return False
    model.load_weights(str(path))
    return True
