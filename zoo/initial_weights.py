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
    + [("vectorizer", n) for n in ("flatten", "gap", "gmp", "conv", "conv_gap", "vote")]
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


#: where a sigmoid corner (xyxy) head starts: the centred box over the middle half of each side
START_BOX = (0.25, 0.25, 0.75, 0.75)


def box_bias_index(params: Mapping[str, Any]) -> int:
    """Index, in a `box` / `box_class` head's canonical arrays (box branch first: kernel, bias
    per hidden layer, then the output layer when ``dense``), of the box output's bias."""
    layers = len(params.get("hidden") or []) + (1 if params.get("dense", True) else 0)
    return 2 * layers - 1


def start_box_bias(arrays: list[np.ndarray], params: Mapping[str, Any], encoding: str) -> list[np.ndarray]:
    """`arrays` with the box output's bias set so that a sigmoid xyxy head starts at `START_BOX`.

    With a zero bias every corner starts at sigmoid(0) = 0.5: the zero-area box (0.5, 0.5, 0.5,
    0.5), where GIoU's gradient is exactly zero (the intersection's derivative along one side is
    the other side's length), so a GIoU-led head can stay a point for good (test IoU 0.000 on the
    `cats` set). Other encodings and activations keep their zero bias (their start has area)."""
    if params.get("activation") != "sigmoid" or encoding != "xyxy":
        return arrays
    i = box_bias_index(params)
    if i < 0 or arrays[i].shape != (len(START_BOX),):
        return arrays
    start = np.asarray(START_BOX, np.float64)
    out = list(arrays)
    out[i] = np.log(start / (1 - start)).astype(np.float32)
    return out


def cell_votes(height: int, width: int) -> np.ndarray:
    """(height * width, 4) float32: the box each cell of a (height, width) map votes for at the
    start of the ``vote`` vectorizer, row-major (NHWC) order: `START_BOX`'s size, centred on the
    cell. Averaged with equal weights (the start), the votes are `START_BOX` itself."""
    ys = (np.arange(height, dtype=np.float64) + 0.5) / height
    xs = (np.arange(width, dtype=np.float64) + 0.5) / width
    cy, cx = (a.ravel() for a in np.meshgrid(ys, xs, indexing="ij"))
    centre = np.stack([cx, cy, cx, cy], axis=1)
    return (centre + np.asarray(START_BOX) - 0.5).astype(np.float32)


#: canonical array indices of the ``vote`` vectorizer's score and offset kernels (after the
#: hidden conv's kernel and bias): zero at the start, so every cell weighs the same and votes its
#: `cell_votes` box, whatever the features
VOTE_QUIET = (2, 4)


def quiet_votes(arrays: list[np.ndarray], name: str) -> list[np.ndarray]:
    """`arrays` of vectorizer `name` with the ``vote`` vectorizer's score and offset kernels at zero."""
    if name != "vote":
        return arrays
    return [np.zeros_like(a) if i in VOTE_QUIET else a for i, a in enumerate(arrays)]


def share_initial_weights(plan: Plan, parts: Mapping[str, Any],
                          get_weights: Callable[[Any], list[np.ndarray]],
                          set_weights: Callable[[Any, list[np.ndarray]], None]) -> None:
    """Give each portable part of `plan` (kind -> built module) the shared initial weights, through
    the framework's canonical ``get_weights`` / ``set_weights`` (its ``weight_layout`` module)."""
    for kind, module in parts.items():
        part = getattr(plan, kind)
        if is_portable(kind, part.name, part.params):
            arrays = initial_weights(get_weights(module), plan.recipe.train.seed, f"{kind}:{part.name}")
            if kind == "head":
                arrays = start_box_bias(arrays, part.params, plan.encoding)
            if kind == "vectorizer":
                arrays = quiet_votes(arrays, part.name)
            set_weights(module, arrays)
