"""EfficientNet-B0 on Keras: keras.applications.EfficientNetB0(include_top=False), whose ImageNet
weights expect [0, 255] inputs (it rescales and normalizes inside), hence the "raw"
preprocessing declared at registration. Output (N, H/32, W/32, 1280).

Every BatchNormalization layer takes the core's momentum (`zoo.plugin.BN_MOMENTUM`, 0.9 in Keras'
convention, timm's 0.1): keras.applications builds it with 0.99, whose running statistics lag the
weights on a short run, so the eval-mode output does not follow training (test IoU 0.211 on the
results table's `shapes` run against torch's 0.398, docs/results.md)."""
from __future__ import annotations

import os
from typing import Any

from zoo.plugin import BN_MOMENTUM, WeightsError


def efficientnet_b0(*, input_size: tuple[int, int], weights: str = "none") -> Any:
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    import keras

    shape = (int(input_size[0]), int(input_size[1]), 3)
    try:
        trunk = keras.applications.EfficientNetB0(include_top=False, input_shape=shape, name="backbone",
                                                  weights="imagenet" if weights == "imagenet" else None)
    except Exception as exc:
        raise WeightsError("efficientnet_b0: Keras imagenet weights are not available offline "
                           f"({type(exc).__name__}); put efficientnetb0_notop.h5 in ~/.keras/models "
                           "or pass backbone.weights=/path/file.weights.h5") from exc
    if weights not in ("none", "imagenet"):
        if not os.path.isfile(os.path.expanduser(weights)):
            raise WeightsError(f"efficientnet_b0: weights file {weights!r} does not exist")
        trunk.load_weights(os.path.expanduser(weights))
    for layer in trunk.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.momentum = BN_MOMENTUM
    return trunk
