"""Tiny architectures that train in seconds: the engine's and tests' stand-ins for the zoo."""

from __future__ import annotations

from core.keras_env import keras
from core.models.registry import ENCODER_NAME, FRAME, HEAD_NAME, SEQUENCE, Architecture, register


def build_tiny_cnn(input_size: int = 32, filters: int = 4):
    k = keras()
    inputs = k.Input((input_size, input_size, 3), name="crop")
    x = k.layers.Conv2D(filters, 3, activation="relu", padding="same")(inputs)
    x = k.layers.MaxPooling2D(2)(x)
    x = k.layers.GlobalAveragePooling2D()(x)
    outputs = k.layers.Dense(1, activation="sigmoid", name="p")(x)
    return k.Model(inputs, outputs, name="tiny_cnn")


def build_tiny_lstm(input_size: int = 32, sequence_length: int = 4, units: int = 4):
    k = keras()
    crop = k.Input((input_size, input_size, 3), name="crop")
    f = k.layers.Conv2D(4, 3, activation="relu", padding="same")(crop)
    f = k.layers.GlobalAveragePooling2D()(f)
    encoder = k.Model(crop, f, name=ENCODER_NAME)

    feats = k.Input((sequence_length, encoder.output_shape[-1]), name="features")
    h = k.layers.LSTM(units)(feats)
    head = k.Model(feats, k.layers.Dense(1, activation="sigmoid")(h), name=HEAD_NAME)

    clip = k.Input((sequence_length, input_size, input_size, 3), name="clip")
    x = k.layers.TimeDistributed(encoder, name=f"{ENCODER_NAME}_td")(clip)
    return k.Model(clip, head(x), name="tiny_lstm")


register(
    Architecture(
        name="tiny_cnn",
        description="Test-only: one convolution, for exercising the engine quickly.",
        kind=FRAME,
        input_size=32,
        preprocessing="scale_0_1",
        build=build_tiny_cnn,
        for_tests=True,
    )
)
register(
    Architecture(
        name="tiny_lstm",
        description="Test-only: a 4-unit LSTM over tiny crop features.",
        kind=SEQUENCE,
        input_size=32,
        preprocessing="scale_0_1",
        build=build_tiny_lstm,
        sequence_length=4,
        for_tests=True,
    )
)
