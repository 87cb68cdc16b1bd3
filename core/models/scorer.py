"""Scoring face crops with a bundle: batched through compiled calls, never predict() per image.

Whatever the card says the network outputs, the scorer returns P(fake) in [0, 1], calibrated
as the card says (:mod:`core.models.calibration`).
"""

from __future__ import annotations

import numpy as np

from core.keras_env import tf
from core.models import calibration, registry
from core.models.bundle import BundleInfo, load_keras_model
from core.models.preprocess import preprocess


class Scorer:
    def __init__(self, info: BundleInfo, batch_size: int = 32):
        self.info = info
        self.card = info.card
        self.contract = c = info.card.contract  # all the scorer depends on
        self.batch_size = batch_size
        self.model = load_keras_model(info)
        t = tf()
        s = c.input_size
        crop_spec = t.TensorSpec((None, s, s, 3), t.float32)

        def compiled(fn, spec):  # no autograph: nothing to convert, and frozen builds carry no source
            return t.function(fn, input_signature=[spec], autograph=False)

        if c.kind == registry.FRAME:
            model = self.model
            self._frame_fn = compiled(lambda x: model(x, training=False), crop_spec)
        else:
            encoder = self.model.get_layer(f"{registry.ENCODER_NAME}_td").layer
            head = self.model.get_layer(registry.HEAD_NAME)
            self.feature_size = int(encoder.output_shape[-1])
            feat_spec = t.TensorSpec((None, c.sequence_length, self.feature_size), t.float32)
            self._encode_fn = compiled(lambda x: encoder(x, training=False), crop_spec)
            self._head_fn = compiled(lambda f: head(f, training=False), feat_spec)

    @property
    def is_sequence(self) -> bool:
        return self.contract.kind == registry.SEQUENCE

    def _as_p_fake(self, out) -> np.ndarray:
        p = np.asarray(out, dtype=np.float64).reshape(-1)
        return calibration.apply(self.contract.p_fake(p), self.contract.calibration)

    def _batched(self, fn, items: np.ndarray, prep: bool) -> np.ndarray:
        outs = []
        for i in range(0, len(items), self.batch_size):
            chunk = items[i : i + self.batch_size]
            x = preprocess(self.contract.preprocessing, chunk) if prep else chunk.astype(np.float32)
            outs.append(np.asarray(fn(x)))
        return np.concatenate(outs) if outs else np.zeros((0,))

    def score_crops(self, crops: np.ndarray) -> np.ndarray:
        """``(N, S, S, 3)`` uint8 RGB crops of a frame model to ``(N,)`` P(fake)."""
        if self.is_sequence:
            raise TypeError("score_crops needs a frame model; use encode_crops/score_windows")
        if len(crops) == 0:
            return np.zeros((0,))
        return self._as_p_fake(self._batched(self._frame_fn, crops, prep=True))

    def encode_crops(self, crops: np.ndarray) -> np.ndarray:
        """``(N, S, S, 3)`` uint8 crops to ``(N, D)`` features for a sequence model."""
        if len(crops) == 0:
            return np.zeros((0, self.feature_size), dtype=np.float32)
        return self._batched(self._encode_fn, crops, prep=True).astype(np.float32)

    def score_windows(self, features: np.ndarray) -> np.ndarray:
        """``(M, T, D)`` feature windows to ``(M,)`` P(fake)."""
        if len(features) == 0:
            return np.zeros((0,))
        return self._as_p_fake(self._batched(self._head_fn, features, prep=False))
