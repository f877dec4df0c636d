"""ResNet-18 trunk in timm's layout, written with Keras layers.

conv1 7x7/2 + BN + ReLU + max-pool 3x3/2, then 4 stages of 2 BasicBlocks (64, 128, 256, 512);
a 1x1 conv + BN shortcut where the stride or width changes. Padding is explicit
(ZeroPadding2D) so outputs equal torch's; zero padding before the max-pool equals torch's -inf
padding because its input is a ReLU output. 11,176,512 trainable parameters, as timm's.
Weights are in timm's module order (conv1, bn1, layerN.M.{conv1, bn1, conv2, bn2, downsample}).
"""
from __future__ import annotations

from typing import Any

from zoo_keras._keras import keras, layers
from zoo.plugin import BN_EPSILON, BN_MOMENTUM
from zoo_keras.weights import load_local, no_imagenet

WIDTHS = (64, 128, 256, 512)


def _conv_bn(filters: int, kernel: int, stride: int, pad: int, name: str) -> list[layers.Layer]:
    out: list[layers.Layer] = [layers.ZeroPadding2D(pad, name=f"{name}_pad")] if pad else []
    return out + [layers.Conv2D(filters, kernel, strides=stride, use_bias=False, name=f"{name}_conv"),
                  layers.BatchNormalization(epsilon=BN_EPSILON, momentum=BN_MOMENTUM, name=f"{name}_bn")]


def _run(seq: list[layers.Layer], x: Any, training: bool | None) -> Any:
    for layer in seq:
        x = layer(x, training=training) if isinstance(layer, layers.BatchNormalization) else layer(x)
    return x


class BasicBlock(layers.Layer):
    """conv3x3(stride) + BN + ReLU + conv3x3 + BN, plus the shortcut, then ReLU."""

    def __init__(self, filters: int, stride: int, downsample: bool, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.branch1 = _conv_bn(filters, 3, stride, 1, "conv1")
        self.relu = layers.ReLU()
        self.branch2 = _conv_bn(filters, 3, 1, 1, "conv2")
        self.downsample = _conv_bn(filters, 1, stride, 0, "downsample") if downsample else []

    def call(self, x: Any, training: bool | None = None) -> Any:
        y = _run(self.branch2, self.relu(_run(self.branch1, x, training)), training)
        shortcut = _run(self.downsample, x, training) if self.downsample else x
        return self.relu(y + shortcut)


class ResNet18(keras.Model):
    """The trunk; input (N, H, W, 3) preprocessed, output (N, H/32, W/32, 512)."""

    def __init__(self, name: str = "backbone", **kwargs: Any) -> None:
        super().__init__(name=name, **kwargs)
        self.stem = _conv_bn(64, 7, 2, 3, "stem") + [layers.ReLU(), layers.ZeroPadding2D(1),
                                                     layers.MaxPooling2D(3, strides=2)]
        self.stages: list[BasicBlock] = []
        in_width = 64
        for s, width in enumerate(WIDTHS):
            for b in range(2):
                stride = 2 if (s > 0 and b == 0) else 1
                self.stages.append(BasicBlock(width, stride, stride != 1 or in_width != width,
                                              name=f"layer{s + 1}_{b}"))
                in_width = width

    def call(self, x: Any, training: bool | None = None) -> Any:
        x = _run(self.stem, x, training)
        for block in self.stages:
            x = block(x, training=training)
        return x


def resnet18(input_size: tuple[int, int], weights: str = "none") -> ResNet18:
    """Factory: the built trunk (weights ``none`` or a local ``.weights.h5``)."""
    model = ResNet18()
    model(keras.Input((int(input_size[0]), int(input_size[1]), 3)))  # builds every layer
    if weights == "imagenet":
        raise no_imagenet("resnet18")
    if weights != "none":
        load_local(model, weights, "resnet18")
    return model
