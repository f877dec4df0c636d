"""The one place that imports Keras: selects the TensorFlow backend before the first import and
keeps TensorFlow's native start-up logs off stderr unless asked for (`zoo.progress`)."""
from __future__ import annotations

import os

from zoo.plugin import quiet_native_stderr, verbose  # noqa: E402

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
if not verbose():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

# TensorFlow's C++ start-up lines (oneDNN, CUDA stubs, cuInit) ignore TF_CPP_MIN_LOG_LEVEL: they
# are hidden at the file-descriptor level while TensorFlow loads and finds its devices, unless
# ZOO_VERBOSE=1 / zoo -v (and shown when loading fails)
with quiet_native_stderr():
    import keras  # noqa: E402
    import tensorflow as _tf  # noqa: E402

    _tf.config.list_physical_devices()

from keras import layers, ops  # noqa: E402

__all__ = ["keras", "layers", "ops"]
