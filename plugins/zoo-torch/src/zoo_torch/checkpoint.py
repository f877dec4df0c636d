"""Training state in ``run_dir/checkpoint/``, written atomically (temp file + os.replace):

    state.pt           model, optimizer, schedule, RNG states, epochs done, whether early stopping
                       ended the run (informative: on resume `Monitor.stopped_after` decides)
    best.safetensors   weights of the best-val_loss epoch so far
"""
from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from zoo.plugin import WeightsError, atomic_path

STATE = "state.pt"
BEST = "best.safetensors"


def _atomic(path: Path, write: Any) -> None:
    with atomic_path(path) as tmp:
        write(tmp)


def damaged(path: Path, exc: BaseException, fix: str) -> WeightsError:
    """The one-line error for a weights or state file that cannot be loaded."""
    why = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:120]
    return WeightsError(f"{str(path)!r} cannot be loaded: it is damaged or was written by another recipe "
                        f"({type(exc).__name__}: {why}); {fix}")


def weights_of(model: nn.Module) -> dict[str, torch.Tensor]:
    """A contiguous CPU copy of the state dict (safetensors needs contiguous, unshared tensors)."""
    return {k: v.detach().to("cpu").contiguous().clone() for k, v in model.state_dict().items()}


def save_weights(model: nn.Module, path: Path) -> Path:
    from safetensors.torch import save_file

    tensors = weights_of(model)
    _atomic(Path(path), lambda tmp: save_file(tensors, tmp, metadata={"format": "pt"}))
    return Path(path)


def load_weights(model: nn.Module, path: Path, fix: str = "train the run again or restore the file") -> None:
    """Load a safetensors file into `model`; WeightsError naming it (and `fix`) when it is
    truncated, not safetensors, or for another architecture."""
    from safetensors.torch import load_file

    try:
        model.load_state_dict(load_file(str(path), device="cpu"), strict=True)
    except Exception as exc:  # noqa: BLE001 - any failure means the file does not fit: one line
        raise damaged(Path(path), exc, fix) from None


def rng_state() -> dict[str, Any]:
    np_state = np.random.get_state()
    return {
        "torch": torch.get_rng_state(),
        "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
        "numpy": [np_state[0], torch.from_numpy(np_state[1].astype(np.int64)), *np_state[2:]],
        "python": random.getstate(),
    }


def set_rng_state(state: dict[str, Any]) -> None:
    torch.set_rng_state(state["torch"])
    if state["cuda"] and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])
    name, keys, *rest = state["numpy"]
    np.random.set_state((name, keys.numpy().astype(np.uint32), *rest))
    random.setstate(state["python"])


def save_state(directory: Path, *, model: nn.Module, optimizer: torch.optim.Optimizer, schedule: dict[str, Any],
               epoch: int, stopped: bool) -> Path:
    """Write the state after `epoch` completed epochs."""
    state = {"model": weights_of(model), "optimizer": optimizer.state_dict(), "schedule": schedule,
             "rng": rng_state(), "epoch": epoch, "stopped": stopped}
    path = Path(directory) / STATE
    _atomic(path, lambda tmp: torch.save(state, tmp))
    return path


RESUME_FIX = "the checkpoint cannot be resumed: delete {dir} to restart this run from its first epoch, or start a new run"


def load_state(directory: Path, model: nn.Module | None = None) -> dict[str, Any] | None:
    """The state in `directory` (None without one), its model weights loaded into `model` when
    given; WeightsError naming state.pt when it is damaged or for another recipe."""
    path = Path(directory) / STATE
    if not path.exists():
        return None
    try:
        state = dict(torch.load(str(path), map_location="cpu", weights_only=True))
        if model is not None:
            model.load_state_dict(state["model"])
        int(state["epoch"])
    except Exception as exc:  # noqa: BLE001 - truncated, not a torch file, keys missing, wrong shapes
        raise damaged(path, exc, RESUME_FIX.format(dir=directory)) from None
    return state
