"""ONNX export of a Keras localizer: Keras 3's own ``model.export(format="onnx")`` (tf2onnx on
the TensorFlow backend).

The exported model wraps the localizer so the graph follows `zoo.export`'s contract: uint8
NHWC in, ``zoo.export.graph_outputs`` (decoded, clipped boxes; class probabilities) out.
"""
from __future__ import annotations

import contextlib
import io
import logging
import warnings
from pathlib import Path
from typing import Any

from zoo.plugin import ONNX_INPUT, Plan, graph_outputs

from zoo_keras._keras import keras, ops


def deployed(model: Any, plan: Plan) -> Any:
    """uint8 RGB (N, H, W, 3) -> ``{"box": xyxy[, "probs"]}``: the localizer plus the core's decoding."""
    height, width = plan.input_size
    image = keras.Input((height, width, 3), dtype="uint8", name=ONNX_INPUT)
    raw = model(ops.cast(image, "float32"), training=False)
    return keras.Model(image, graph_outputs(dict(raw), plan.encoding, ops), name="deployed")


def export_onnx(model: Any, plan: Plan, path: Path, *, opset: int, dynamic_batch: bool) -> None:
    """Write `model` to `path` as ONNX with opset `opset`."""
    import tensorflow as tf

    height, width = plan.input_size
    spec = tf.TensorSpec((None if dynamic_batch else 1, height, width, 3), tf.uint8, name=ONNX_INPUT)
    logging.getLogger("tf2onnx").setLevel(logging.ERROR)
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # tf2onnx probes np.object
        deployed(model, plan).export(str(path), format="onnx", input_signature=[spec], opset_version=opset,
                                     verbose=False)
