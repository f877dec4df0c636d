"""Loss parity across frameworks: the same loss, built by each framework plugin, gives the same
value on the same random numpy inputs.

Calling a framework's loss on numpy needs a conversion per framework; each lives in one small
`Bridge` below and imports its library only when used. A framework without a bridge here can
still take part when its adapter offers ``loss_value(loss, pred, target) -> float``.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from zoo.registry import Registry
from zoo.testing.conformance import ConformanceError
from zoo.testing.minimal import FrameworkUnavailable, current_registry, framework_engine


@dataclass(frozen=True)
class Bridge:
    """numpy -> framework tensor, and a scalar framework result -> float."""

    to_tensor: Callable[[np.ndarray], Any]
    to_float: Callable[[Any], float]


def _torch_bridge() -> Bridge:
    import torch

    return Bridge(lambda a: torch.from_numpy(np.ascontiguousarray(a)),
                  lambda v: float(v.detach().cpu().reshape(()).item()))


def _keras_bridge() -> Bridge:
    from keras import ops

    return Bridge(ops.convert_to_tensor, lambda v: float(np.asarray(ops.convert_to_numpy(v)).reshape(())))


BRIDGES: dict[str, Callable[[], Bridge]] = {"torch": _torch_bridge, "keras": _keras_bridge}


def loss_inputs(meta: Mapping[str, Any], n: int = 16, classes: int = 5, box_size: int = 4,
                seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Random (pred, target) a loss with this metadata receives: valid xyxy boxes inside
    (0, 1) for box losses (so sigmoid-only losses such as bce apply), logits and int64 labels
    for class losses."""
    rng = np.random.default_rng(seed)
    if meta["target"] == "class":
        return rng.normal(0, 2, (n, classes)).astype(np.float32), rng.integers(0, classes, n).astype(np.int64)

    def boxes() -> np.ndarray:
        xy = rng.uniform(0.05, 0.5, (n, 2))
        wh = rng.uniform(0.05, 0.45, (n, 2))
        return np.concatenate([xy, xy + wh], 1)[:, :box_size].astype(np.float32)

    return boxes(), boxes()


def loss_value(framework: str, name: str, params: Mapping[str, Any] | None, pred: np.ndarray, target: np.ndarray,
               registry: Registry | None = None) -> float:
    """The value of loss `name` built by `framework` on numpy `pred`, `target`."""
    reg = current_registry(registry)
    engine = framework_engine(framework, reg)
    loss = reg.build("loss", name, framework, dict(params or {}))
    if hasattr(engine, "loss_value"):
        return float(engine.loss_value(loss, pred, target))
    if framework not in BRIDGES:
        raise FrameworkUnavailable(f"zoo.testing has no numpy bridge for framework {framework!r}; "
                                   "give its adapter a loss_value(loss, pred, target) method")
    try:
        bridge = BRIDGES[framework]()
    except ImportError as exc:
        raise FrameworkUnavailable(f"framework {framework!r} needs a library that is not installed: {exc}") from None
    return bridge.to_float(loss(bridge.to_tensor(pred), bridge.to_tensor(target)))


def check_loss_parity(name: str, params: Mapping[str, Any] | None = None,
                      frameworks: Sequence[str] = ("torch", "keras"), *, registry: Registry | None = None,
                      tol: float = 1e-5, seeds: Sequence[int] = (0, 1, 2)) -> dict[str, list[float]]:
    """Values of loss `name` on each framework for a few seeded random inputs; ConformanceError
    when they differ by more than `tol` (relative and absolute). FrameworkUnavailable when
    fewer than two of `frameworks` are installed. Returns framework -> values."""
    reg = current_registry(registry)
    usable = []
    for fw in frameworks:
        try:
            framework_engine(fw, reg)
        except FrameworkUnavailable:
            continue
        usable.append(fw)
    if len(usable) < 2:
        raise FrameworkUnavailable(f"loss parity of {name!r} needs two of {list(frameworks)}; installed: {usable}")
    meta = reg.info("loss", name).metadata(dict(params or {}))
    values: dict[str, list[float]] = {fw: [] for fw in usable}
    for seed in seeds:
        pred, target = loss_inputs(meta, seed=seed)
        for fw in usable:
            values[fw].append(loss_value(fw, name, params, pred, target, reg))
    ref = np.array(values[usable[0]])
    bad = {fw: v for fw, v in values.items() if not np.allclose(v, ref, rtol=tol, atol=tol)}
    if bad or not np.all(np.isfinite(ref)):
        raise ConformanceError(f"loss {name!r} {dict(params or {})}: values differ across frameworks beyond {tol}: "
                               f"{values}")
    return values
