"""The one place that imports Keras: selects the TensorFlow backend before the first import."""
from __future__ import annotations

import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
from keras import layers, ops  # noqa: E402

__all__ = ["keras", "layers", "ops"]
