"""Shared initial weights for the components both framework plugins write by hand.

Frameworks initialise layers differently (torch: Kaiming-uniform; Keras: Glorot-uniform) and
their random streams differ, so the same recipe and seed would start from different weights and a
short comparison would measure luck. For the hand-written components (`PORTABLE`) both plugins
instead draw the kernels here, in numpy, from (seed, component), in the canonical order and
layout of their ``weight_layout`` modules: the two frameworks then start from identical weights.
"""
from __future__ import annotations

import zlib
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from zoo.interfaces.component import Kind

if TYPE_CHECKING:
    from zoo.assembly import Plan

#: (kind, name) of the components written by hand in both framework plugins
PORTABLE: frozenset[tuple[str, str]] = frozenset(
    [("backbone", "simple_cnn"), ("backbone", "resnet18")]
    + [("vectorizer", n) for n in ("flatten", "gap", "gmp", "conv", "conv_gap")]
    + [("head", n) for n in ("box", "box_class")]
)


def is_portable(kind: Kind, name: str, params: dict[str, object]) -> bool:
    """Whether (kind, name) starts from shared weights: hand-written, and no pretrained weights."""
    return (kind, name) in PORTABLE and params.get("weights", "none") == "none"


def initial_weights(arrays: Sequence[np.ndarray], seed: int, component: str) -> list[np.ndarray]:
    """Glorot-uniform kernels drawn from (seed, component); 1-D arrays (biases at zero, batch-norm
    gamma, beta and statistics at their identity values) are kept as the framework made them."""
    rng = np.random.default_rng([int(seed), zlib.crc32(component.encode())])
    out = []
    for a in arrays:
        a = np.asarray(a)
        if a.ndim >= 2:
            receptive = int(np.prod(a.shape[:-2])) if a.ndim > 2 else 1
            fan_in, fan_out = receptive * a.shape[-2], receptive * a.shape[-1]
            limit = np.sqrt(6.0 / (fan_in + fan_out))
            out.append(rng.uniform(-limit, limit, a.shape).astype(np.float32))
        else:
            out.append(a.astype(np.float32))
    return out


def share_initial_weights(plan: Plan, parts: Mapping[str, Any],
                          get_weights: Callable[[Any], list[np.ndarray]],
                          set_weights: Callable[[Any, list[np.ndarray]], None]) -> None:
    """Give each portable part of `plan` (kind -> built module) the shared initial weights, through
    the framework's canonical ``get_weights`` / ``set_weights`` (its ``weight_layout`` module)."""
    for kind, module in parts.items():
        part = getattr(plan, kind)
        if is_portable(kind, part.name, part.params):
            arrays = initial_weights(get_weights(module), plan.recipe.train.seed, f"{kind}:{part.name}")
            set_weights(module, arrays)
