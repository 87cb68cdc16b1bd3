"""The one place that imports Keras/TensorFlow, lazily, with quiet logs and the TF backend."""

from __future__ import annotations

import os
from functools import cache


@cache
def keras():
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    # Keras writes keras.json on import: into the app's config folder, not ~/.keras
    from core import paths

    os.environ.setdefault("KERAS_HOME", str(paths.config_dir() / "keras"))
    import keras as _keras

    return _keras


@cache
def tf():
    keras()
    import tensorflow as _tf

    return _tf


def device_name() -> str:
    """'GPU: <name>' when TensorFlow sees a GPU (and will use it), else 'CPU'."""
    gpus = tf().config.list_physical_devices("GPU")
    if not gpus:
        return "CPU"
    details = tf().config.experimental.get_device_details(gpus[0])
    return f"GPU: {details.get('device_name', gpus[0].name)}"
