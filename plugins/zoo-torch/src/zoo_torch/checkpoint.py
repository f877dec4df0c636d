"""Training state in ``run_dir/checkpoint/``, written atomically (temp file + os.replace):

    state.pt           model, optimizer, schedule, RNG states, epochs done, stopped flag
    best.safetensors   weights of the best-val_loss epoch so far
"""
from __future__ import annotations

import os
import random
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

STATE = "state.pt"
BEST = "best.safetensors"


def _atomic(path: Path, write: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def weights_of(model: nn.Module) -> dict[str, torch.Tensor]:
    """A contiguous CPU copy of the state dict (safetensors needs contiguous, unshared tensors)."""
    return {k: v.detach().to("cpu").contiguous().clone() for k, v in model.state_dict().items()}


def save_weights(model: nn.Module, path: Path) -> Path:
    from safetensors.torch import save_file

    tensors = weights_of(model)
    _atomic(Path(path), lambda tmp: save_file(tensors, tmp, metadata={"format": "pt"}))
    return Path(path)


def load_weights(model: nn.Module, path: Path) -> None:
    from safetensors.torch import load_file

    model.load_state_dict(load_file(str(path), device="cpu"), strict=True)


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


def load_state(directory: Path) -> dict[str, Any] | None:
    path = Path(directory) / STATE
    if not path.exists():
        return None
    return dict(torch.load(str(path), map_location="cpu", weights_only=True))
