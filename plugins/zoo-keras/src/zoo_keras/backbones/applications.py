"""keras.applications trunks (include_top=False): vgg16, resnet50, mobilenet_v2.

Their ImageNet weights expect keras' own ``preprocess_input`` modes, declared at registration:
``caffe`` for vgg16 / resnet50 and ``tf`` for mobilenet_v2.

Every BatchNormalization layer gets the core's momentum (`zoo.standard.backbones.BN_MOMENTUM`,
0.9): keras.applications builds MobileNetV2 with 0.999 and ResNet50 with 0.99, whose running
statistics lag the weights on short runs so eval-mode predictions collapse (timm's trunks, on
zoo-torch, already use 0.9 in Keras' convention).
"""
from __future__ import annotations

from typing import Any

from zoo.plugin import BN_MOMENTUM, WeightsError

from zoo_keras._keras import keras
from zoo_keras.weights import application

#: input sizes keras has MobileNetV2 ImageNet weights for (square only)
MOBILENET_SIZES = (96, 128, 160, 192, 224)


def core_batch_norm(model: Any) -> Any:
    """`model` with every BatchNormalization layer's momentum set to the core's `BN_MOMENTUM`."""
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.momentum = BN_MOMENTUM
    return model


def _shape(input_size: tuple[int, int]) -> tuple[int, int, int]:
    return (int(input_size[0]), int(input_size[1]), 3)


def vgg16(input_size: tuple[int, int], weights: str = "none") -> Any:
    """VGG16's 13 conv layers and 5 max-pools: (N, H/32, W/32, 512)."""
    return application(keras.applications.VGG16, "vgg16", "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5",
                       "vgg16", weights, include_top=False, input_shape=_shape(input_size), name="backbone")


def resnet50(input_size: tuple[int, int], weights: str = "none") -> Any:
    """ResNet-50 up to conv5_block3_out: (N, H/32, W/32, 2048)."""
    return core_batch_norm(application(keras.applications.ResNet50, "resnet50",
                                       "resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5", "resnet", weights,
                                       include_top=False, input_shape=_shape(input_size), name="backbone"))


def mobilenet_v2(input_size: tuple[int, int], weights: str = "none", alpha: float = 1.0) -> Any:
    """MobileNetV2 up to out_relu: (N, H/32, W/32, 1280, or 1280 * alpha when alpha > 1)."""
    h, w = int(input_size[0]), int(input_size[1])
    if weights == "imagenet" and (h != w or h not in MOBILENET_SIZES):
        sizes = ", ".join(map(str, MOBILENET_SIZES))
        raise WeightsError(f"mobilenet_v2: Keras has ImageNet weights only for square inputs of {sizes} px, "
                           f"not {h}x{w}; set input_size to one of them or use weights: none")
    file_name = f"mobilenet_v2_weights_tf_dim_ordering_tf_kernels_{float(alpha)}_{h}_no_top.h5"
    return core_batch_norm(application(keras.applications.MobileNetV2, "mobilenet_v2", file_name, "mobilenet_v2",
                                       weights, include_top=False, input_shape=(h, w, 3), alpha=float(alpha),
                                       name="backbone"))
