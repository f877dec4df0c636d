"""Each Keras loss equals an independent numpy formula (1e-5), on the standard's reductions."""
from __future__ import annotations

import numpy as np
import pytest
from keras_helpers import random_boxes

from zoo_keras._keras import ops

N, K = 8, 3
CLIP = 1e-7


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def _np_giou(p: np.ndarray, t: np.ndarray) -> float:
    ix = np.clip(np.minimum(p[:, 2], t[:, 2]) - np.maximum(p[:, 0], t[:, 0]), 0, None)
    iy = np.clip(np.minimum(p[:, 3], t[:, 3]) - np.maximum(p[:, 1], t[:, 1]), 0, None)
    inter = ix * iy
    area = lambda b: (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])  # noqa: E731
    union = area(p) + area(t) - inter
    hull = (np.maximum(p[:, 2], t[:, 2]) - np.minimum(p[:, 0], t[:, 0])) * \
        (np.maximum(p[:, 3], t[:, 3]) - np.minimum(p[:, 1], t[:, 1]))
    return float(np.mean(1 - (inter / (union + 1e-7) - (hull - union) / (hull + 1e-7))))


def _np_loss(name: str, params: dict, p: np.ndarray, t: np.ndarray) -> float:
    if name == "mse":
        return float(np.mean((p - t) ** 2))
    if name == "smooth_l1":
        beta = params.get("beta", 1.0)
        d = np.abs(p - t)
        return float(np.mean(np.where(d < beta, 0.5 * d ** 2 / beta, d - 0.5 * beta)))
    if name == "bce":
        q = np.clip(p, CLIP, 1 - CLIP)
        return float(np.mean(-(t * np.log(q) + (1 - t) * np.log(1 - q))))
    if name == "log_l2":
        return float(np.mean(np.log((p - t) ** 2 + 1)))
    if name == "giou":
        return _np_giou(p, t)
    y = np.eye(K)[t]
    alpha, gamma = params.get("alpha", 0.9), params.get("gamma", 2.0)
    if name == "focal" and params.get("mode", "softmax") == "softmax":
        q = np.clip(_softmax(p), CLIP, 1 - CLIP)
        return float(np.mean(-(alpha * (1 - q) ** gamma * y * np.log(q)
                               + (1 - alpha) * q ** gamma * (1 - y) * np.log(1 - q))))
    if name == "focal":
        s = _sigmoid(p)
        ce = -(y * np.log(s) + (1 - y) * np.log(1 - s))
        p_t = s * y + (1 - s) * (1 - y)
        return float(np.mean((alpha * y + (1 - alpha) * (1 - y)) * ce * (1 - p_t) ** gamma))
    assert name == "cross_entropy"
    return float(np.mean(-np.log(_softmax(p)[np.arange(len(t)), t])))


CASES = [("mse", {}), ("smooth_l1", {}), ("smooth_l1", {"beta": 0.1}), ("bce", {}), ("log_l2", {}), ("giou", {}),
         ("focal", {}), ("focal", {"mode": "binary", "alpha": 0.25, "gamma": 1.5}), ("cross_entropy", {})]


def _inputs(name: str, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    if name in ("focal", "cross_entropy"):
        return rng.normal(0, 2, (N, K)).astype(np.float32), rng.integers(0, K, N).astype(np.int64)
    if name == "giou":
        return random_boxes(rng, N), random_boxes(rng, N)
    return _sigmoid(rng.normal(0, 1.5, (N, 4))).astype(np.float32), random_boxes(rng, N)


@pytest.mark.parametrize("name, params", CASES, ids=[f"{n}{p or ''}" for n, p in CASES])
def test_loss_matches_numpy(name: str, params: dict, reg, rng) -> None:  # type: ignore[no-untyped-def]
    pred, target = _inputs(name, rng)
    loss = reg.build("loss", name, "keras", params)
    value = float(ops.convert_to_numpy(loss(ops.convert_to_tensor(pred), ops.convert_to_tensor(target))))
    expected = _np_loss(name, params, pred.astype(np.float64), target)
    assert value == pytest.approx(expected, rel=1e-5, abs=1e-6)
    assert value > 0


def test_every_registered_loss_is_covered(reg) -> None:  # type: ignore[no-untyped-def]
    assert set(reg.names("loss", "keras")) - {"dice", "diou"} >= {n for n, _ in CASES}
    keras_losses = {e.name for e in reg.entries("loss", framework="keras") if e.framework == "keras"
                    and e.source.plugin == "keras"}
    assert keras_losses == {n for n, _ in CASES}


def test_giou_cannot_go_below_zero_on_inverted_boxes(reg) -> None:  # type: ignore[no-untyped-def]
    """torchvision's formula is unbounded below for x2 < x1; ours treats such a box as empty."""
    loss = reg.build("loss", "giou", "keras", {})
    target = np.array([[0.2, 0.2, 0.6, 0.6]], np.float32)
    inverted = np.array([[0.9, 0.9, 0.1, 0.1]], np.float32)
    value = float(ops.convert_to_numpy(loss(ops.convert_to_tensor(inverted), ops.convert_to_tensor(target))))
    assert 1.0 <= value <= 2.0
    assert float(ops.convert_to_numpy(loss(ops.convert_to_tensor(target), ops.convert_to_tensor(target)))) < 1e-6
