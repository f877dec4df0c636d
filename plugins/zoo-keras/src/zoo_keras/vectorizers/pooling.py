"""Parameter-free vectorizers: flatten (NHWC order, as zoo-torch after its permute), global
average and global max pooling."""
from __future__ import annotations

from zoo_keras._keras import layers


def flatten(in_channels: int, in_size: tuple[int, int]) -> layers.Layer:
    """(N, h, w, C) -> (N, h * w * C) in NHWC order."""
    return layers.Flatten(name="vectorizer")


def gap(in_channels: int, in_size: tuple[int, int]) -> layers.Layer:
    """(N, h, w, C) -> (N, C), the mean over h and w."""
    return layers.GlobalAveragePooling2D(name="vectorizer")


def gmp(in_channels: int, in_size: tuple[int, int]) -> layers.Layer:
    """(N, h, w, C) -> (N, C), the maximum over h and w."""
    return layers.GlobalMaxPooling2D(name="vectorizer")
