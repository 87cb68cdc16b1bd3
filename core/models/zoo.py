"""The research architectures (see the README's model zoo section)."""

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
