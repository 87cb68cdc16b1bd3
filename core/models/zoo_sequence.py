"""The sequence models' shared shape: a frozen per-crop encoder, an LSTM over a track's window of
its features, a sigmoid. ``frame_encoder`` (inside ``frame_encoder_td``) and ``sequence_head`` are
the registry's names, which training (cached features) and the scorer rely on."""

from __future__ import annotations

from core.keras_env import keras
from core.models.registry import ENCODER_NAME, HEAD_NAME


def lstm_over(encoder, input_size: int, sequence_length: int, units: int, dropout: float, name: str):
    """``clip -> TimeDistributed(encoder) -> LSTM(units) -> Dropout -> sigmoid`` with ``encoder``
    (named ``frame_encoder``) frozen whole, batch norm included."""
    from core.models.zoo_resnet import TRAINABLE_NONE, set_trainable

    k = keras()
    L = k.layers
    set_trainable(encoder, TRAINABLE_NONE, bn_trainable=False)
    feats = k.Input((sequence_length, int(encoder.output_shape[-1])), name="features")
    h = L.Dropout(dropout)(L.LSTM(units)(feats))
    head = k.Model(feats, L.Dense(1, activation="sigmoid", name="p_fake")(h), name=HEAD_NAME)
    clip = k.Input((sequence_length, input_size, input_size, 3), name="clip")
    x = L.TimeDistributed(encoder, name=f"{ENCODER_NAME}_td")(clip)
    return k.Model(clip, head(x), name=name)
