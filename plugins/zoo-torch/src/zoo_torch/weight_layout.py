"""Weights in the canonical cross-framework order and layout (for parity tests torch <-> Keras).

Order: every Conv2d, Linear and BatchNorm2d in module registration order, which is forward
order for every component we write by hand (timm's resnet18: conv1, bn1, then per block conv1,
bn1, conv2, bn2, downsample conv, downsample bn; heads: the box branch, then the class branch).
Per layer, Keras layout:
    conv        kernel (kh, kw, in, out), bias (out,) when present
    dense       kernel (in, out), bias (out,)
    batch norm  gamma, beta, moving_mean, moving_var
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
import torch
from torch import nn

LAYERS = (nn.Conv2d, nn.Linear, nn.BatchNorm2d)


def layers(module: nn.Module) -> Iterator[nn.Module]:
    for m in module.modules():
        if isinstance(m, LAYERS):
            yield m


def _tensors(layer: nn.Module) -> list[torch.Tensor]:
    if isinstance(layer, nn.BatchNorm2d):
        return [layer.weight, layer.bias, layer.running_mean, layer.running_var]  # type: ignore[list-item]
    return [t for t in (layer.weight, layer.bias) if t is not None]


def _to_keras(layer: nn.Module, i: int, t: torch.Tensor) -> np.ndarray:
    a = t.detach().cpu().float().numpy()
    if i == 0 and isinstance(layer, nn.Conv2d):
        return np.ascontiguousarray(a.transpose(2, 3, 1, 0))
    if i == 0 and isinstance(layer, nn.Linear):
        return np.ascontiguousarray(a.T)
    return a


def _from_keras(layer: nn.Module, i: int, a: np.ndarray) -> np.ndarray:
    if i == 0 and isinstance(layer, nn.Conv2d):
        return a.transpose(3, 2, 0, 1)
    if i == 0 and isinstance(layer, nn.Linear):
        return a.T
    return a


def get_weights(module: nn.Module) -> list[np.ndarray]:
    """All weights of `module` in canonical order, Keras layout, float32."""
    return [_to_keras(layer, i, t) for layer in layers(module) for i, t in enumerate(_tensors(layer))]


def set_weights(module: nn.Module, arrays: Sequence[np.ndarray]) -> None:
    """Set `module`'s weights from canonical arrays; ValueError on a count or shape mismatch."""
    slots = [(layer, i, t) for layer in layers(module) for i, t in enumerate(_tensors(layer))]
    if len(slots) != len(arrays):
        raise ValueError(f"{type(module).__name__} has {len(slots)} weight arrays, got {len(arrays)}")
    with torch.no_grad():
        for (layer, i, t), a in zip(slots, arrays):
            value = torch.as_tensor(np.ascontiguousarray(_from_keras(layer, i, np.asarray(a))), dtype=t.dtype)
            if tuple(value.shape) != tuple(t.shape):
                raise ValueError(f"{type(layer).__name__} weight {i}: expected Keras shape "
                                 f"{_to_keras(layer, i, t).shape}, got {np.asarray(a).shape}")
            t.copy_(value)
