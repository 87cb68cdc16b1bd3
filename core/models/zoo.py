"""The research architectures trained from scratch on face crops: ``simple_cnn`` and ``face_cnn``.

MesoNet lives in :mod:`core.models.zoo_meso`, the ResNet50 family in :mod:`core.models.zoo_resnet`.
"""

from __future__ import annotations

from core.keras_env import keras
from core.models.registry import FRAME, Architecture, register


def build_face_cnn(input_size: int = 224, dropout: float = 0.5):
    """Custom CNN on MTCNN face crops: 8@3x3, 8@5x5, 16@5x5, 16@5x5, BN + max-pool 2,2,2,4."""
    k = keras()
    L = k.layers
    inputs = k.Input((input_size, input_size, 3), name="crop")
    x = inputs
    for filters, kernel, pool in ((8, 3, 2), (8, 5, 2), (16, 5, 2), (16, 5, 4)):
        x = L.Conv2D(filters, kernel, padding="same", activation="relu")(x)
        x = L.BatchNormalization()(x)
        x = L.MaxPooling2D(pool, padding="same")(x)
    x = L.Flatten()(x)
    x = L.Dense(1024, activation="relu")(x)
    x = L.Dropout(dropout)(x)
    x = L.Dense(16, activation="relu")(x)
    outputs = L.Dense(1, activation="sigmoid", name="p_fake")(x)
    return k.Model(inputs, outputs, name="face_cnn")


register(
    Architecture(
        name="face_cnn",
        description="Custom CNN on MTCNN face crops (4 conv blocks with BN, Dense 1024/16), 224 px, /255.",
        kind=FRAME,
        input_size=224,
        preprocessing="scale_0_1",
        build=build_face_cnn,
    )
)


def build_simple_cnn(input_size: int = 128, filters: tuple[int, ...] = (32, 64, 128), dropout: float = 0.5):
    """Conv 3x3 relu + max-pool 2 blocks, Flatten, Dropout, Dense 1 sigmoid; pixels / 255."""
    k = keras()
    L = k.layers
    inputs = k.Input((input_size, input_size, 3), name="crop")
    x = inputs
    for f in filters:
        x = L.Conv2D(int(f), 3, padding="same", activation="relu")(x)
        x = L.MaxPooling2D(2, padding="same")(x)
    x = L.Flatten()(x)
    x = L.Dropout(dropout)(x)
    outputs = L.Dense(1, activation="sigmoid", name="p_fake")(x)
    return k.Model(inputs, outputs, name="simple_cnn")


register(
    Architecture(
        name="simple_cnn",
        description="Baseline CNN: Conv 32/64/128 3x3 + max-pool blocks, Flatten, Dropout 0.5, sigmoid; 128 px, /255.",
        kind=FRAME,
        input_size=128,
        preprocessing="scale_0_1",
        build=build_simple_cnn,
    )
)
