"""Weights in the canonical cross-framework order and layout, for parity tests.

Order: per layer in forward order (box branch before class branch in heads; timm's module
order in resnet18: conv, bn, then per block conv1, bn1, conv2, bn2, downsample conv, bn);
per layer kernel, bias; BatchNorm gamma, beta, moving_mean, moving_var. Layout: Keras' own
(conv kernel (kh, kw, in, out), dense kernel (in, out)), so these are the Keras weights as
they are. The module must be built (called once) before `get_weights`.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from zoo.plugin import WeightsError

from zoo_keras._keras import layers


def get_weights(module: Any) -> list[np.ndarray]:
    """All weights of a built backbone, vectorizer or head, canonical order, as numpy arrays."""
    return [np.asarray(w.numpy()) for w in module.weights]


def set_weights(module: Any, arrays: list[np.ndarray]) -> None:
    """Assign `arrays` (canonical order and layout); ValueError on a count or shape mismatch."""
    weights = module.weights
    if len(arrays) != len(weights):
        raise ValueError(f"set_weights: {len(arrays)} arrays for {len(weights)} weights of {module.name!r}")
    for w, a in zip(weights, arrays):
        if tuple(w.shape) != tuple(np.shape(a)):
            raise ValueError(f"set_weights: {w.path} has shape {tuple(w.shape)}, got {tuple(np.shape(a))}")
        w.assign(np.asarray(a, dtype=w.dtype))


def _torch_to_keras(layer: Any, i: int, a: np.ndarray) -> np.ndarray:
    """Tensor `i` of a torch layer in the Keras layout of `layer`'s weight `i`."""
    if i == 0 and isinstance(layer, layers.DepthwiseConv2D):
        return a.transpose(2, 3, 0, 1)          # (C, 1, kh, kw) -> (kh, kw, C, 1)
    if i == 0 and isinstance(layer, layers.Conv2D):
        return a.transpose(2, 3, 1, 0)          # (out, in, kh, kw) -> (kh, kw, in, out)
    if i == 0 and isinstance(layer, layers.Dense):
        return a.T                              # (out, in) -> (in, out)
    return a                                    # biases; BN weight, bias, running mean, var


def from_torch(model: Any, state: Mapping[str, np.ndarray], source: str = "state dict") -> list[np.ndarray]:
    """A PyTorch state dict (numpy arrays, in module order) as `model`'s weights in canonical
    order and Keras layout: layer by layer (conv, depthwise conv, dense, batch norm) in
    `model`'s order, tensors taken in the state dict's order (``num_batches_tracked`` skipped,
    a trailing classifier skipped when `model` has none). WeightsError on a count or shape
    mismatch, naming the first tensor that does not fit."""
    tensors = [(k, np.asarray(v, np.float32)) for k, v in state.items() if not k.endswith("num_batches_tracked")]
    out: list[np.ndarray] = []
    used = 0
    for layer in _weighted_layers(model):
        for i, w in enumerate(layer.weights):
            if used >= len(tensors):
                raise WeightsError(f"{source}: {len(tensors)} tensors, but {model.name!r} needs more "
                                   f"(ran out at layer {layer.name!r})")
            key, a = tensors[used]
            converted = _torch_to_keras(layer, i, a)
            if tuple(converted.shape) != tuple(w.shape):
                raise WeightsError(f"{source}: tensor {key} {tuple(a.shape)} does not fit {w.path} {tuple(w.shape)}; "
                                   f"give the state dict of the same architecture")
            out.append(np.ascontiguousarray(converted))
            used += 1
    extra = [k for k, _ in tensors[used:]]
    if extra and not all(k.split(".")[0] in ("_fc", "fc", "classifier") for k in extra):
        raise WeightsError(f"{source}: {len(extra)} tensors left over ({', '.join(extra[:3])}); "
                           f"give the state dict of the same architecture")
    if [id(w) for w in model.weights] != [id(w) for layer in _weighted_layers(model) for w in layer.weights]:
        raise WeightsError(f"{model.name!r} holds weights outside conv, dense and batch-norm layers")
    return out


def _weighted_layers(model: Any) -> list[Any]:
    kinds = (layers.Conv2D, layers.DepthwiseConv2D, layers.Dense, layers.BatchNormalization)
    return [layer for layer in model.layers if isinstance(layer, kinds) and layer.weights]
