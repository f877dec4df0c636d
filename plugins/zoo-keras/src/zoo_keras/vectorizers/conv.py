"""Convolutional vectorizers: lars76's ``conv`` (conv then flatten) and Analytics Vidhya's
``conv_gap`` (conv then global average pooling). Both convolutions are valid (no padding)
with a bias. Weights: conv kernel (k, k, C, filters), bias."""
from __future__ import annotations

from zoo.plugin import check_kernel_fits

from zoo_keras._keras import keras, layers


def _conv(filters: int, kernel: int, stride: int, activation: str, in_size: tuple[int, int], name: str) -> layers.Layer:
    check_kernel_fits(name, kernel, in_size)
    return layers.Conv2D(filters, kernel, strides=stride, padding="valid", activation=activation, name="conv")


def conv(in_channels: int, in_size: tuple[int, int], filters: int = 4, kernel: int = 3, stride: int = 1,
         activation: str = "linear") -> keras.Sequential:
    """(N, h, w, C) -> Conv(filters, kernel, stride, valid) + activation -> flatten (NHWC)."""
    return keras.Sequential([_conv(filters, kernel, stride, activation, in_size, "conv"), layers.Flatten()],
                            name="vectorizer")


def conv_gap(in_channels: int, in_size: tuple[int, int], filters: int = 1024, kernel: int = 3, stride: int = 2,
             activation: str = "relu") -> keras.Sequential:
    """(N, h, w, C) -> Conv(filters, kernel, stride, valid) + activation -> global average pooling."""
    return keras.Sequential([_conv(filters, kernel, stride, activation, in_size, "conv_gap"),
                             layers.GlobalAveragePooling2D()],
                            name="vectorizer")
