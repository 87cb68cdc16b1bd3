"""Starting settings per architecture, so the training tab opens on something sensible.

Fine-tuning an ImageNet backbone wants a small learning rate, few epochs and small batches (the
papers used 1e-4 and 224 px crops); small CNNs trained from random weights want a larger rate and
more epochs. "Trainable depth" only applies to the ResNet50 frame models.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.models import registry

# (label, trainable_from) from shallow to deep; "none" trains the head on cached backbone features.
TRAINABLE_DEPTHS: tuple[tuple[str, str], ...] = (
    ("Head only (backbone frozen, fastest)", "none"),
    ("Last bottleneck block + head", "conv5_block3_1_conv"),
    ("Last stage (conv5) + head", "conv5_block1_1_conv"),
    ("Last two stages (conv4, conv5) + head", "conv4_block1_1_conv"),
    ("Whole network", "all"),
)


@dataclass(frozen=True)
class Suggested:
    epochs: int
    batch_size: int
    learning_rate: float
    trainable_from: str | None  # None: the architecture has no trainable depth to choose


def has_depth(arch: registry.Architecture) -> bool:
    return arch.kind == registry.FRAME and arch.uses_imagenet_backbone


def suggested(arch: registry.Architecture) -> Suggested:
    if arch.for_tests:
        return Suggested(epochs=2, batch_size=8, learning_rate=3e-3, trainable_from=None)
    if has_depth(arch):
        return Suggested(epochs=5, batch_size=16, learning_rate=1e-4,
                         trainable_from=str(arch.defaults.get("trainable_from", "none")))
    if arch.kind == registry.SEQUENCE:  # only the LSTM head trains, on cached features
        return Suggested(epochs=15, batch_size=16, learning_rate=1e-3, trainable_from=None)
    return Suggested(epochs=20, batch_size=32, learning_rate=1e-3, trainable_from=None)


def depth_settings(arch: registry.Architecture, trainable_from: str | None) -> tuple[tuple, bool]:
    """``(params, freeze_backbone)`` for a TrainConfig from the chosen depth."""
    if not has_depth(arch) or trainable_from is None:
        return (), False
    if trainable_from == "none":
        return (), True
    return (("trainable_from", trainable_from),), False
