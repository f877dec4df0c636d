"""What a competent Keras user writes without zoo, for bench_speed.py: the same architecture
(a Sequential CNN, keras.applications.MobileNetV2, or ResNet-18 in the functional API, as
keras.applications has none) + Flatten + Dense(4, sigmoid), Huber + a GIoU written in keras.ops,
Adam with cosine decay, ``model.fit`` on a shuffled, batched, prefetched tf.data pipeline over
in-memory arrays (preprocessed once; tf.data's autotuner off, see `main`); ``mixed_bfloat16`` for
bf16 (the output layer in float32).

    python benchmarks/hand_keras.py --case default --precision fp32

Prints one JSON line: images/s of every epoch, parameter count (every weight, as zoo's Keras
adapter counts), threads.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import keras  # noqa: E402
import tensorflow as tf  # noqa: E402
from keras import layers, ops  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from speed_cases import CASES, Case, take_turn, train_arrays  # noqa: E402


def conv_bn(x, filters: int, kernel: int, stride: int, pad: int):  # type: ignore[no-untyped-def]
    if pad:
        x = layers.ZeroPadding2D(pad)(x)
    x = layers.Conv2D(filters, kernel, strides=stride, use_bias=False)(x)
    return layers.BatchNormalization(epsilon=1e-3, momentum=0.9)(x)


def resnet18(inputs):  # type: ignore[no-untyped-def]
    x = layers.ReLU()(conv_bn(inputs, 64, 7, 2, 3))
    x = layers.MaxPooling2D(3, strides=2)(layers.ZeroPadding2D(1)(x))
    width = 64
    for stage, filters in enumerate((64, 128, 256, 512)):
        for block in range(2):
            stride = 2 if stage > 0 and block == 0 else 1
            y = conv_bn(layers.ReLU()(conv_bn(x, filters, 3, stride, 1)), filters, 3, 1, 1)
            shortcut = conv_bn(x, filters, 1, stride, 0) if stride != 1 or width != filters else x
            x = layers.ReLU()(layers.Add()([y, shortcut]))
            width = filters
    return x


def build(case: Case) -> keras.Model:
    inputs = keras.Input((case.size, case.size, 3))
    if case.backbone == "simple_cnn":
        x = inputs
        for width in (16, 32, 64, 64):
            x = layers.MaxPooling2D(2)(layers.Conv2D(width, 3, padding="same", activation="relu")(x))
    elif case.backbone == "resnet18":
        x = resnet18(inputs)
    else:
        x = keras.applications.MobileNetV2(include_top=False, weights=None, input_tensor=inputs).output
    outputs = layers.Dense(4, activation="sigmoid", dtype="float32")(layers.Flatten()(x))
    return keras.Model(inputs, outputs)


def giou_loss(y_true, y_pred):  # type: ignore[no-untyped-def]
    x1, y1 = ops.maximum(y_true[:, 0], y_pred[:, 0]), ops.maximum(y_true[:, 1], y_pred[:, 1])
    x2, y2 = ops.minimum(y_true[:, 2], y_pred[:, 2]), ops.minimum(y_true[:, 3], y_pred[:, 3])
    inter = ops.maximum(x2 - x1, 0.0) * ops.maximum(y2 - y1, 0.0)
    area_t = (y_true[:, 2] - y_true[:, 0]) * (y_true[:, 3] - y_true[:, 1])
    area_p = (y_pred[:, 2] - y_pred[:, 0]) * (y_pred[:, 3] - y_pred[:, 1])
    union = area_t + area_p - inter
    hull = ((ops.maximum(y_true[:, 2], y_pred[:, 2]) - ops.minimum(y_true[:, 0], y_pred[:, 0]))
            * (ops.maximum(y_true[:, 3], y_pred[:, 3]) - ops.minimum(y_true[:, 1], y_pred[:, 1])))
    iou = inter / (union + 1e-7)
    return ops.mean(1.0 - (iou - (hull - union) / (hull + 1e-7)))


def box_loss(y_true, y_pred):  # type: ignore[no-untyped-def]
    return keras.losses.Huber(delta=1.0)(y_true, y_pred) + giou_loss(y_true, y_pred)


class EpochTimer(keras.callbacks.Callback):
    def __init__(self, items: int, lockstep: bool) -> None:
        super().__init__()
        self.items, self.lockstep = items, lockstep
        self.seconds: list[float] = []

    def on_epoch_begin(self, epoch, logs=None):  # type: ignore[no-untyped-def]
        self.start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):  # type: ignore[no-untyped-def]
        self.seconds.append(time.perf_counter() - self.start)
        take_turn(self.items / self.seconds[-1], self.lockstep)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--case", choices=sorted(CASES), default="default")
    parser.add_argument("--precision", choices=("fp32", "bf16"), default="fp32")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--lockstep", action="store_true", help="wait for bench_speed.py's go after each epoch")
    args = parser.parse_args()
    case = CASES[args.case]
    images, boxes, batch = train_arrays(case)
    x = images.astype("float32") / 255.0
    if case.backbone == "resnet18":
        x = (x - [0.485, 0.456, 0.406]) / [0.229, 0.224, 0.225]
    elif case.backbone == "mobilenet_v2":
        x = x * 2.0 - 1.0
    x = x.astype("float32")
    keras.utils.set_random_seed(0)
    if args.precision == "bf16":
        keras.mixed_precision.set_global_policy("mixed_bfloat16")
    model = build(case)
    steps = math.ceil(len(x) / batch)
    schedule = keras.optimizers.schedules.CosineDecay(1e-3, steps * args.epochs)
    model.compile(optimizer=keras.optimizers.Adam(schedule), loss=box_loss)
    # tf.data's autotuner off, one batch prefetched: with it on, on one core, epochs swung between
    # 150 and 1,000 images/s (it competes with the train step for the core); off, they hold at
    # the top of that range, so the hand-written side is the faster of the two
    options = tf.data.Options()
    options.autotune.enabled = False
    data = (tf.data.Dataset.from_tensor_slices((x, boxes)).shuffle(len(x), seed=0)
            .batch(batch).prefetch(1).with_options(options))
    timer = EpochTimer(len(x), args.lockstep)
    model.fit(data, epochs=args.epochs, callbacks=[timer], verbose=0)
    print(json.dumps({"rates": [len(x) / s for s in timer.seconds], "params": int(model.count_params()),
                      "threads": tf.config.threading.get_intra_op_parallelism_threads()}))


if __name__ == "__main__":
    main()
