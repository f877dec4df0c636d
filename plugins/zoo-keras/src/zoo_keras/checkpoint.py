"""The training checkpoint in ``run_dir/checkpoint/``, written atomically after every epoch.

``state.npz`` holds every model variable (weights, BN statistics, dropout seed states) and
every optimizer variable (step count, learning rate, moments) in build order, plus a JSON
``meta`` entry: the epoch just finished, the plateau state and the variables' shapes.
``best.weights.h5`` holds the model variables of the best val_loss epoch. Both are written to a
temporary name and renamed, so a killed process leaves the previous files.

Every ``.weights.h5`` file zoo writes holds the model's own variables only: a compiled Keras
model's ``save_weights`` also writes its optimizer's (Adam: 3x the file), which nothing reads.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
from zoo.plugin import CHECKPOINT_DIR, WeightsError, ZooError, atomic_path

STATE = "state.npz"
BEST = "best.weights.h5"


def directory(run_dir: Path) -> Path:
    return Path(run_dir) / CHECKPOINT_DIR


def save_state(run_dir: Path, model: Any, optimizer: Any, epoch: int, extra: dict[str, Any]) -> Path:
    """Write the state after 0-based `epoch`."""
    arrays: dict[str, np.ndarray] = {}
    for prefix, variables in (("m", model.variables), ("o", optimizer.variables)):
        for i, v in enumerate(variables):
            arrays[f"{prefix}{i}"] = np.asarray(v.numpy())
    meta = {"epoch": epoch, "extra": extra, "model": len(model.variables), "optimizer": len(optimizer.variables)}
    arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), np.uint8)
    path = directory(run_dir) / STATE
    with atomic_path(path) as tmp:  # straight to the file: no in-memory copy of the archive
        np.savez(tmp, **arrays)
    return path


def damaged(path: Path, exc: BaseException, fix: str) -> WeightsError:
    """The one-line error for a weights or state file that cannot be loaded."""
    why = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:120]
    return WeightsError(f"{str(path)!r} cannot be loaded: it is damaged or was written by another recipe "
                        f"({type(exc).__name__}: {why}); {fix}")


RESUME_FIX = "the checkpoint cannot be resumed: delete {dir} to restart this run from its first epoch, or start a new run"


def load_state(run_dir: Path, model: Any, optimizer: Any) -> dict[str, Any] | None:
    """Restore model and optimizer variables; return the meta (epoch, extra), None without a state.
    The optimizer must be built (``optimizer.build(model.trainable_variables)``). WeightsError
    naming state.npz when it is damaged or was written by another recipe."""
    path = directory(run_dir) / STATE
    if not path.exists():
        return None
    try:
        with np.load(path) as data:
            meta = json.loads(bytes(data["meta"]).decode())
            for prefix, variables, key in (("m", model.variables, "model"), ("o", optimizer.variables, "optimizer")):
                if meta[key] != len(variables):
                    raise ZooError(f"checkpoint {str(path)!r} holds {meta[key]} {key} variables, the model has "
                                   f"{len(variables)}; it was written by another recipe: start a new run")
                for i, v in enumerate(variables):
                    v.assign(data[f"{prefix}{i}"])
            int(meta["epoch"])
    except ZooError:
        raise
    except Exception as exc:  # noqa: BLE001 - truncated, not a zip, keys missing, wrong shapes: one line
        raise damaged(path, exc, RESUME_FIX.format(dir=directory(run_dir))) from None
    return meta


def load_weights(model: Any, path: Path, fix: str = "train the run again or restore the file") -> None:
    """``model.load_weights(path)``; WeightsError naming the file (and `fix`) when it is damaged or
    holds another architecture's weights."""
    import warnings

    try:
        with warnings.catch_warnings():  # Keras warns, then raises, on a mismatch: the error says it
            warnings.simplefilter("ignore")
            model.load_weights(str(path))
    except Exception as exc:  # noqa: BLE001 - h5py, Keras and numpy errors alike
        raise damaged(Path(path), exc, fix) from None


def save_model_weights(model: Any, filepath: str) -> None:
    """``model.save_weights(filepath)`` without the optimizer's variables when `model` is compiled.
    Keras' public ``save_weights`` cannot leave them out, so this calls the function behind it
    with ``objects_to_skip``; a Keras whose function lacks that argument writes the full file."""
    optimizer = getattr(model, "optimizer", None)
    if optimizer is not None:
        try:
            from keras.src.saving import saving_lib

            saving_lib.save_weights_only(model, filepath, objects_to_skip=[optimizer])
            return
        except (ImportError, TypeError):
            pass
    model.save_weights(filepath)


def save_weights_atomic(model: Any, path: Path) -> Path:
    """`save_model_weights` via a temporary ``.weights.h5`` file and a rename."""
    with atomic_path(Path(path)) as tmp:
        save_model_weights(model, tmp)
    return Path(path)


def save_best(run_dir: Path, model: Any) -> Path:
    """Keep `model`'s current weights as the best ones (atomic)."""
    return save_weights_atomic(model, directory(run_dir) / BEST)


def load_best(run_dir: Path, model: Any) -> bool:
    """Load the best weights when they exist; return whether they did."""
    path = directory(run_dir) / BEST
    if not path.exists():
        return False
    load_weights(model, path, RESUME_FIX.format(dir=directory(run_dir)))
    return True
