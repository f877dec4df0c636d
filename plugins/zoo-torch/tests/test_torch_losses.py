"""Each torch loss against an independent numpy formula, and the weighted objective."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from torch_helpers import boxes_xyxy, plan_for, tiny_overrides
from zoo import boxes
from zoo.registry import Registry

RNG = np.random.default_rng(3)
P = RNG.uniform(0.01, 0.99, (6, 4)).astype(np.float32)
T = RNG.uniform(0.0, 1.0, (6, 4)).astype(np.float32)
LOGITS = RNG.normal(0, 2, (6, 3)).astype(np.float32)
LABELS = np.array([0, 2, 1, 1, 0, 2])


def _np_smooth_l1(p: np.ndarray, t: np.ndarray, beta: float) -> float:
    d = np.abs(p - t)
    return float(np.where(d < beta, 0.5 * d**2 / beta, d - 0.5 * beta).mean())


def _np_giou(p: np.ndarray, t: np.ndarray) -> float:
    out = []
    for a, b in zip(p, t):
        iw = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
        ih = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
        inter = iw * ih
        union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
        hull = (max(a[2], b[2]) - min(a[0], b[0])) * (max(a[3], b[3]) - min(a[1], b[1]))
        iou = inter / (union + 1e-7)
        out.append(1 - (iou - (hull - union) / (hull + 1e-7)))
    return float(np.mean(out))


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def _np_focal_softmax(logits: np.ndarray, labels: np.ndarray, alpha: float, gamma: float) -> float:
    q = np.clip(_softmax(logits.astype(np.float64)), 1e-7, 1 - 1e-7)
    y = np.eye(logits.shape[1])[labels]
    return float(np.mean(-(alpha * (1 - q) ** gamma * y * np.log(q) + (1 - alpha) * q**gamma * (1 - y) * np.log(1 - q))))


def _np_focal_binary(logits: np.ndarray, labels: np.ndarray, alpha: float, gamma: float) -> float:
    p = 1 / (1 + np.exp(-logits.astype(np.float64)))
    y = np.eye(logits.shape[1])[labels]
    ce = -(y * np.log(p) + (1 - y) * np.log(1 - p))
    p_t = p * y + (1 - p) * (1 - y)
    a_t = alpha * y + (1 - alpha) * (1 - y)
    return float(np.mean(a_t * ce * (1 - p_t) ** gamma))


def _xyxy(v: np.ndarray) -> np.ndarray:
    return np.concatenate([np.minimum(v[:, :2], v[:, 2:]), np.maximum(v[:, :2], v[:, 2:])], 1)


CASES = [
    ("mse", {}, lambda: float(np.mean((P - T) ** 2))),
    ("smooth_l1", {"beta": 1.0}, lambda: _np_smooth_l1(P, T, 1.0)),
    ("smooth_l1", {"beta": 0.1}, lambda: _np_smooth_l1(P, T, 0.1)),
    ("bce", {}, lambda: float(np.mean(-(T * np.log(P) + (1 - T) * np.log(1 - P))))),
    ("log_l2", {}, lambda: float(np.mean(np.log((P - T) ** 2 + 1)))),
    ("giou", {}, lambda: _np_giou(_xyxy(P), _xyxy(T))),
]
CLASS_CASES = [
    ("focal", {"alpha": 0.9, "gamma": 2.0, "mode": "softmax"}, lambda: _np_focal_softmax(LOGITS, LABELS, 0.9, 2.0)),
    ("focal", {"alpha": 0.25, "gamma": 1.5, "mode": "binary"}, lambda: _np_focal_binary(LOGITS, LABELS, 0.25, 1.5)),
    ("cross_entropy", {}, lambda: float(np.mean(-np.log(_softmax(LOGITS.astype(np.float64))[np.arange(6), LABELS])))),
]


@pytest.mark.parametrize("name,params,expected", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_box_loss(reg: Registry, name: str, params: dict, expected) -> None:
    fn = reg.build("loss", name, "torch", params)
    p, t = (_xyxy(P), _xyxy(T)) if name == "giou" else (P, T)
    value = fn(torch.from_numpy(p).requires_grad_(), torch.from_numpy(t))
    assert value.ndim == 0 and value.item() == pytest.approx(expected(), rel=1e-5, abs=1e-6)
    value.backward()


@pytest.mark.parametrize("name,params,expected", CLASS_CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CLASS_CASES)])
def test_class_loss(reg: Registry, name: str, params: dict, expected) -> None:
    fn = reg.build("loss", name, "torch", params)
    value = fn(torch.from_numpy(LOGITS), torch.from_numpy(LABELS))
    assert value.item() == pytest.approx(expected(), rel=1e-5, abs=1e-6)


def test_every_loss_is_tested(reg: Registry) -> None:
    ours = {e.name for e in reg.entries("loss", framework="torch") if e.source.distribution == "zoo-torch"}
    assert ours == {c[0] for c in CASES + CLASS_CASES}


def test_objective_weights_and_spaces(reg: Registry) -> None:
    plan = plan_for(reg, tiny_overrides(**{"head.encoding": "cxcywh", "loss.0.weight": 0.5, "loss.1.weight": 2.0}))
    target = boxes_xyxy(5)
    pred = torch.rand(5, 4)
    total, parts = plan.objective()({"box": pred}, target, torch.full((5,), -1), xp=torch)
    encoded = boxes.encode(target.numpy(), "cxcywh")
    decoded = boxes.decode(pred.numpy(), "cxcywh")
    assert parts["smooth_l1"].item() == pytest.approx(_np_smooth_l1(pred.numpy(), encoded, 1.0), rel=1e-5)
    assert parts["giou"].item() == pytest.approx(_np_giou(decoded, target.numpy()), rel=1e-5)
    assert total.item() == pytest.approx(0.5 * parts["smooth_l1"].item() + 2 * parts["giou"].item(), rel=1e-6)
