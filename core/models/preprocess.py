"""Pixel preprocessing by name, as recorded in a model card.

Kept outside the saved model so cards say exactly what the network expects, and so bundles
load with ``safe_mode`` (no Lambda layers).
"""

from __future__ import annotations

import numpy as np

from core.errors import BundleInvalid

# keras.applications.resnet50.preprocess_input ("caffe" mode): RGB -> BGR, minus ImageNet mean.
_IMAGENET_BGR_MEAN = np.array([103.939, 116.779, 123.68], dtype=np.float32)


def _resnet50(batch: np.ndarray) -> np.ndarray:
    return batch[..., ::-1].astype(np.float32) - _IMAGENET_BGR_MEAN


def _scale_0_1(batch: np.ndarray) -> np.ndarray:
    return batch.astype(np.float32) * np.float32(1.0 / 255.0)


def _scale_m1_1(batch: np.ndarray) -> np.ndarray:
    return batch.astype(np.float32) * np.float32(2.0 / 255.0) - np.float32(1.0)


def _efficientnet_lite(batch: np.ndarray) -> np.ndarray:
    return (batch.astype(np.float32) - np.float32(127.0)) * np.float32(1.0 / 128.0)


PREPROCESSORS = {
    "efficientnet_lite": _efficientnet_lite,
    "resnet50": _resnet50,
    "scale_0_1": _scale_0_1,
    "scale_-1_1": _scale_m1_1,
}


def preprocess(name: str, batch_uint8: np.ndarray) -> np.ndarray:
    """``(..., H, W, 3)`` RGB uint8 to the float32 input the named convention expects."""
    try:
        fn = PREPROCESSORS[name]
    except KeyError:
        raise BundleInvalid(
            f"Unknown preprocessing '{name}'; known: {', '.join(sorted(PREPROCESSORS))}."
        ) from None
    return fn(batch_uint8)
