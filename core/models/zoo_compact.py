"""Compact detectors that a 2-core CPU can train from scratch in minutes.

``compact_cnn``: an Xception-style network (separable convolutions, residual shortcuts, global
average pooling) at 128 px. With no ImageNet backbone available offline, it is the candidate
that learns self-blending traces fastest per CPU second; the shipped default is chosen among
it and the research architectures by measurement (see the model card).
"""

from __future__ import annotations

from core.keras_env import keras
from core.models.registry import FRAME, Architecture, register


def build_compact_cnn(input_size: int = 128, widths: tuple[int, ...] = (48, 96, 160, 256), dropout: float = 0.3):
    k = keras()
    L = k.layers
    inputs = k.Input((input_size, input_size, 3), name="crop")
    x = L.Conv2D(32, 3, strides=2, padding="same", use_bias=False)(inputs)
    x = L.BatchNormalization()(x)
    x = L.Activation("relu")(x)
    for width in widths:
        shortcut = L.Conv2D(width, 1, strides=2, padding="same", use_bias=False)(x)
        shortcut = L.BatchNormalization()(shortcut)
        for _ in range(2):
            x = L.SeparableConv2D(width, 3, padding="same", use_bias=False)(x)
            x = L.BatchNormalization()(x)
            x = L.Activation("relu")(x)
        x = L.MaxPooling2D(3, strides=2, padding="same")(x)
        x = L.Add()([x, shortcut])
    x = L.GlobalAveragePooling2D()(x)
    x = L.Dropout(dropout)(x)
    outputs = L.Dense(1, activation="sigmoid", name="p_fake")(x)
    return k.Model(inputs, outputs, name="compact_cnn")


register(
    Architecture(
        name="compact_cnn",
        description="Xception-style compact CNN (separable convs, residuals, GAP), 128 px, [-1, 1]; CPU-trainable.",
        kind=FRAME,
        input_size=128,
        preprocessing="scale_-1_1",
        build=build_compact_cnn,
    )
)
