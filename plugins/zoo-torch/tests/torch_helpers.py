"""Helpers shared by the zoo-torch tests (plain functions; fixtures live in conftest.py)."""
from __future__ import annotations

from typing import Any

import numpy as np
import torch

from zoo.assembly import Plan, make_plan
from zoo.recipes import get
from zoo.registry import Registry


def plan_for(reg: Registry, overrides: list[str], recipe: str = "default", num_classes: int = 0) -> Plan:
    return make_plan(get(recipe, overrides=overrides), "torch", reg, num_classes=num_classes)


def tiny_overrides(**extra: Any) -> list[str]:
    """A seconds-long default recipe on blobs."""
    base = {"dataset.n": 96, "dataset.size": 32, "input_size": 32, "train.epochs": 2, "train.batch_size": 16,
            "backbone.filters": "[8, 16]"}
    base.update(extra)
    return [f"{k}={v}" for k, v in base.items()]


def images(n: int, size: tuple[int, int], seed: int = 0) -> torch.Tensor:
    """Random RGB float32 NCHW images in [0, 255]."""
    rng = np.random.default_rng(seed)
    return torch.from_numpy(rng.uniform(0, 255, (n, 3, *size)).astype(np.float32))


def boxes_xyxy(n: int, seed: int = 0) -> torch.Tensor:
    rng = np.random.default_rng(seed)
    a = rng.uniform(0.05, 0.45, (n, 2))
    b = a + rng.uniform(0.2, 0.5, (n, 2))
    return torch.from_numpy(np.concatenate([a, b], 1).astype(np.float32))
