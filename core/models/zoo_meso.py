"""MesoNet (Afchar et al., WIFS 2018): ``meso4`` and ``meso_inception4``, 256 px, pixels / 255.

Layers are named ``conv_N``, ``bn_N`` and ``dense_N`` with N counting in the order the original
Keras code created them, so published weights can be mapped onto them type by type
(:mod:`core.models.mesonet`). Trained here, the output is P(fake); the published weights output
P(real), which their imported card records.
"""

from __future__ import annotations

from core.keras_env import keras
from core.models.registry import FRAME, Architecture, register

MESO_INPUT = 256


class _Names:
    """Creation-order names per layer type, as Keras 2 numbered them."""

    def __init__(self):
        self.counts: dict[str, int] = {}

    def __call__(self, kind: str) -> str:
        self.counts[kind] = self.counts.get(kind, 0) + 1
        return f"{kind}_{self.counts[kind]}"


def _conv_block(L, x, names, filters, kernel, pool):
    x = L.Conv2D(filters, kernel, padding="same", activation="relu", name=names("conv"))(x)
    x = L.BatchNormalization(name=names("bn"))(x)
    return L.MaxPooling2D(pool, padding="same")(x)


def _inception(L, x, names, a, b, c, d):
    """1x1 | 1x1->3x3 | 1x1->3x3 dilated 2 | 1x1->3x3 dilated 3, concatenated."""
    x1 = L.Conv2D(a, 1, padding="same", activation="relu", name=names("conv"))(x)
    x2 = L.Conv2D(b, 1, padding="same", activation="relu", name=names("conv"))(x)
    x2 = L.Conv2D(b, 3, padding="same", activation="relu", name=names("conv"))(x2)
    x3 = L.Conv2D(c, 1, padding="same", activation="relu", name=names("conv"))(x)
    x3 = L.Conv2D(c, 3, dilation_rate=2, padding="same", activation="relu", name=names("conv"))(x3)
    x4 = L.Conv2D(d, 1, padding="same", activation="relu", name=names("conv"))(x)
    x4 = L.Conv2D(d, 3, dilation_rate=3, padding="same", activation="relu", name=names("conv"))(x4)
    return L.Concatenate(axis=-1)([x1, x2, x3, x4])


def _head(L, x, names, dropout):
    x = L.Flatten()(x)
    x = L.Dropout(dropout)(x)
    x = L.Dense(16, name=names("dense"))(x)
    x = L.LeakyReLU(negative_slope=0.1)(x)
    x = L.Dropout(dropout)(x)
    return L.Dense(1, activation="sigmoid", name=names("dense"))(x)


def build_meso4(input_size: int = MESO_INPUT, dropout: float = 0.5):
    """Conv 8@3x3, 8@5x5, 16@5x5, 16@5x5 (BN, max-pool 2, 2, 2, 4); Dense 16, LeakyReLU 0.1; sigmoid."""
    k = keras()
    L, names = k.layers, _Names()
    inputs = k.Input((input_size, input_size, 3), name="crop")
    x = inputs
    for filters, kernel, pool in ((8, 3, 2), (8, 5, 2), (16, 5, 2), (16, 5, 4)):
        x = _conv_block(L, x, names, filters, kernel, pool)
    return k.Model(inputs, _head(L, x, names, dropout), name="meso4")


def build_meso_inception4(input_size: int = MESO_INPUT, dropout: float = 0.5):
    """Inception blocks (1,4,4,2) and (2,4,4,2) with BN + max-pool 2, then Meso4's last two blocks and head."""
    k = keras()
    L, names = k.layers, _Names()
    inputs = k.Input((input_size, input_size, 3), name="crop")
    x = inputs
    for a, b, c, d in ((1, 4, 4, 2), (2, 4, 4, 2)):
        x = _inception(L, x, names, a, b, c, d)
        x = L.BatchNormalization(name=names("bn"))(x)
        x = L.MaxPooling2D(2, padding="same")(x)
    for filters, kernel, pool in ((16, 5, 2), (16, 5, 4)):
        x = _conv_block(L, x, names, filters, kernel, pool)
    return k.Model(inputs, _head(L, x, names, dropout), name="meso_inception4")


register(
    Architecture(
        name="meso4",
        description="MesoNet Meso4 (Afchar et al. 2018): 4 conv blocks with BN, Dense 16 + LeakyReLU; 256 px, /255.",
        kind=FRAME,
        input_size=MESO_INPUT,
        preprocessing="scale_0_1",
        build=build_meso4,
    )
)
register(
    Architecture(
        name="meso_inception4",
        description="MesoNet MesoInception4: 2 Inception blocks (dilated 3x3 branches) + 2 conv blocks; 256 px, /255.",
        kind=FRAME,
        input_size=MESO_INPUT,
        preprocessing="scale_0_1",
        build=build_meso_inception4,
    )
)
