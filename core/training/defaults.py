"""Starting settings per architecture, so the training tab opens on something sensible.

Fine-tuning an ImageNet backbone wants a small learning rate, few epochs and small batches (the
papers used 1e-4 and 224 px crops); small CNNs trained from random weights want a larger rate and
more epochs. "Trainable depth" applies to the frame models on an ImageNet backbone.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.errors import UnknownArchitecture
from core.models import registry

# Per backbone, (label, trainable_from) from shallow to deep; "none" trains the head on cached features.
HEAD_ONLY = ("Head only (backbone frozen, fastest)", "none")
WHOLE = ("Whole network", "all")
_RESNET_DEPTHS = (
    HEAD_ONLY,
    ("Last bottleneck block + head", "conv5_block3_1_conv"),
    ("Last stage (conv5) + head", "conv5_block1_1_conv"),
    ("Last two stages (conv4, conv5) + head", "conv4_block1_1_conv"),
    WHOLE,
)
_LITE_DEPTHS = (
    HEAD_ONLY,
    ("Last two stages (blocks 6, 7) + head", "block6a_expand_conv"),
    ("From stage 4 on + head", "block4a_expand_conv"),
    WHOLE,
)
TRAINABLE_DEPTHS: dict[str, tuple[tuple[str, str], ...]] = {
    "resnet50": _RESNET_DEPTHS, "efficientnet_lite0": _LITE_DEPTHS, "efficientnet_lite1": _LITE_DEPTHS,
    "efficientnet_lite2": _LITE_DEPTHS,
}


# How an installed bundle can start a new model (start_from)
FINE_TUNE, ENCODER = "fine-tune", "encoder"


def start_from(arch: registry.Architecture, card) -> str | None:
    """How a bundle with ``card`` (a ModelCard) can start a model of ``arch``: FINE_TUNE (the same
    architecture, trained further), ENCODER (a frame detector whose backbone is the sequence model's
    frozen encoder, so windows are read in that detector's own features), or None."""
    if card.architecture == arch.name:
        return FINE_TUNE
    if arch.kind != registry.SEQUENCE or card.kind != registry.FRAME or not arch.backbone:
        return None
    try:
        return ENCODER if registry.get(card.architecture).backbone == arch.backbone else None
    except UnknownArchitecture:
        return None


def start_refusal(arch: registry.Architecture, card) -> str | None:
    """Why a bundle with ``card`` cannot start a model of ``arch`` (None when it can)."""
    if start_from(arch, card) is not None:
        return None
    also = (f" (a {arch.backbone} frame detector can lend it its backbone)"
            if arch.kind == registry.SEQUENCE and arch.backbone else "")
    return (f"{card.name} is a {card.architecture} model; it cannot be the starting point of a {arch.name} "
            f"model{also}.")


def depths(arch: registry.Architecture) -> tuple[tuple[str, str], ...]:
    """The trainable depths offered for ``arch`` (empty when it has none to choose)."""
    return TRAINABLE_DEPTHS.get(arch.backbone or "", ()) if has_depth(arch) else ()


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
    if has_depth(arch) and arch.backbone.startswith("efficientnet"):  # the paper fine-tunes everything
        return Suggested(epochs=10, batch_size=32, learning_rate=2e-4, trainable_from="all")
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
