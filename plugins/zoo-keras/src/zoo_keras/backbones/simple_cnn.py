"""Seed 000's CNN: per entry of ``filters`` Conv(k, padding) [+BN] + ReLU + MaxPool(2).

Trainable parameters equal zoo-torch's exactly (conv bias only without BN; BN eps 1e-3,
momentum 0.9). Weights (see `zoo_keras.weight_layout`) are in forward order: conv kernel [, bias]
[, BN gamma, beta, moving mean, moving variance] per block.
"""
from __future__ import annotations

from typing import Any

from zoo.plugin import BN_EPSILON, BN_MOMENTUM
from zoo_keras._keras import keras, layers
from zoo_keras.weights import load_local, no_imagenet


class SimpleCNN(keras.Model):
    """The trunk; input (N, H, W, 3) preprocessed, output (N, H / 2^n, W / 2^n, filters[-1])."""

    def __init__(self, filters: list[int], kernel: int = 3, padding: str = "valid", batch_norm: bool = False,
                 name: str = "backbone", **kwargs: Any) -> None:
        super().__init__(name=name, **kwargs)
        self.stack: list[layers.Layer] = []  # flat: Keras' weight files do not nest lists
        for i, f in enumerate(filters):
            self.stack.append(layers.Conv2D(int(f), kernel, padding=padding, use_bias=not batch_norm, name=f"conv{i}"))
            if batch_norm:
                self.stack.append(layers.BatchNormalization(epsilon=BN_EPSILON, momentum=BN_MOMENTUM, name=f"bn{i}"))
            self.stack += [layers.ReLU(name=f"relu{i}"), layers.MaxPooling2D(2, name=f"pool{i}")]

    def call(self, x: Any, training: bool | None = None) -> Any:
        for layer in self.stack:
            x = layer(x, training=training) if isinstance(layer, layers.BatchNormalization) else layer(x)
        return x


def simple_cnn(input_size: tuple[int, int], weights: str = "none", filters: list[int] | None = None,
               kernel: int = 3, padding: str = "valid", batch_norm: bool = False) -> SimpleCNN:
    """Factory: the built trunk (weights ``none`` or a local ``.weights.h5``)."""
    if not filters:
        raise ValueError("simple_cnn: filters must list at least one block width, e.g. [32]")
    model = SimpleCNN([int(f) for f in filters], kernel, padding, batch_norm)
    model(keras.Input((int(input_size[0]), int(input_size[1]), 3)))  # builds every layer
    if weights == "imagenet":
        raise no_imagenet("simple_cnn")
    if weights != "none":
        load_local(model, weights, "simple_cnn")
    return model
