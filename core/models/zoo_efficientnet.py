"""EfficientNet-Lite0/1/2 (ImageNet) with the self-blended-images paper's binary head.

EfficientNet-Lite is EfficientNet without squeeze-and-excitation, with ReLU6, a stem (32) and head
(1280) that are not width-scaled, and first and last stages that are not depth-scaled; batch norm
epsilon 1e-3, TensorFlow "same" padding. Inputs are RGB scaled by ``(x - 127) / 128``.

Like the ResNet50 frame models, a model is ``crop -> backbone -> head`` with two named
sub-models: ``backbone`` (the network up to global average pooling, 1280-d) and ``head``
(dropout and one sigmoid unit, the paper's binary classifier), so training can also cache the
backbone's features and train the head alone. ``efficientnet_lite0_lstm`` reads a face track's
window of crops in such a backbone's features, frozen, with an LSTM (the registry's sequence convention).

Layer names follow Keras' own EfficientNet (``stem_conv``, ``block2a_expand_conv``, ``top_bn``);
:func:`blocks` is the one description of the layout, shared with the converter of the PyTorch
weights (:mod:`core.backbones.convert`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from core.keras_env import keras
from core.models.registry import ENCODER_NAME, FRAME, SEQUENCE, Architecture, register

BACKBONE, HEAD = "backbone", "head"
STEM, TOP = 32, 1280
# (kernel, stride, expand ratio, in, out, repeats): EfficientNet-B0's stages
_STAGES = ((3, 1, 1, 32, 16, 1), (3, 2, 6, 16, 24, 2), (5, 2, 6, 24, 40, 2), (3, 2, 6, 40, 80, 3),
           (5, 1, 6, 80, 112, 3), (5, 2, 6, 112, 192, 4), (3, 1, 6, 192, 320, 1))
# variant: (width, depth, input size)
VARIANTS = {0: (1.0, 1.0, 224), 1: (1.0, 1.1, 240), 2: (1.1, 1.2, 260)}


@dataclass(frozen=True)
class Block:
    name: str  # e.g. "block2a"
    kernel: int
    stride: int
    expand: int
    filters_in: int
    filters_out: int

    @property
    def residual(self) -> bool:
        return self.stride == 1 and self.filters_in == self.filters_out


def _round_filters(filters: int, width: float, divisor: int = 8) -> int:
    f = filters * width
    out = max(divisor, int(f + divisor / 2) // divisor * divisor)
    return out + divisor if out < 0.9 * f else out


def blocks(variant: int) -> list[Block]:
    """Every MBConv block of EfficientNet-Lite ``variant``, in order."""
    width, depth, _ = VARIANTS[variant]
    out = []
    last = len(_STAGES) - 1
    for s, (k, stride, e, fin, fout, reps) in enumerate(_STAGES):
        fin, fout = _round_filters(fin, width), _round_filters(fout, width)
        n = reps if s in (0, last) else int(math.ceil(depth * reps))
        for j in range(n):
            out.append(Block(f"block{s + 1}{chr(ord('a') + j)}", k, stride if j == 0 else 1, e,
                             fin if j == 0 else fout, fout))
    return out


def efficientnet_lite_backbone(variant: int, input_size: int, drop_connect: float = 0.2, name: str = BACKBONE):
    """The network up to global average pooling (``(None, 1280)``), random weights."""
    k = keras()
    L = k.layers

    def bn(n):
        return L.BatchNormalization(epsilon=1e-3, momentum=0.99, name=n)

    def relu6(n):
        return L.ReLU(max_value=6.0, name=n)

    inputs = k.Input((input_size, input_size, 3), name="crop")
    x = L.Conv2D(STEM, 3, strides=2, padding="same", use_bias=False, name="stem_conv")(inputs)
    x = relu6("stem_activation")(bn("stem_bn")(x))
    layout = blocks(variant)
    for i, b in enumerate(layout):
        h = x
        if b.expand != 1:
            h = L.Conv2D(b.filters_in * b.expand, 1, padding="same", use_bias=False, name=f"{b.name}_expand_conv")(h)
            h = relu6(f"{b.name}_expand_activation")(bn(f"{b.name}_expand_bn")(h))
        h = L.DepthwiseConv2D(b.kernel, strides=b.stride, padding="same", use_bias=False, name=f"{b.name}_dwconv")(h)
        h = relu6(f"{b.name}_activation")(bn(f"{b.name}_bn")(h))
        h = L.Conv2D(b.filters_out, 1, padding="same", use_bias=False, name=f"{b.name}_project_conv")(h)
        h = bn(f"{b.name}_project_bn")(h)
        if b.residual:
            rate = drop_connect * i / len(layout)
            if rate > 0:  # stochastic depth: drop the whole residual branch of a sample
                h = L.Dropout(rate, noise_shape=(None, 1, 1, 1), name=f"{b.name}_drop")(h)
            h = L.Add(name=f"{b.name}_add")([h, x])
        x = h
    x = L.Conv2D(TOP, 1, padding="same", use_bias=False, name="top_conv")(x)
    x = relu6("top_activation")(bn("top_bn")(x))
    x = L.GlobalAveragePooling2D(name="avg_pool")(x)
    return k.Model(inputs, x, name=name)


def imagenet_classifier(variant: int, input_size: int | None = None):
    """The backbone with its 1000-class ImageNet layer (``predictions``, logits): for sanity checks."""
    k = keras()
    base = efficientnet_lite_backbone(variant, input_size or VARIANTS[variant][2], drop_connect=0.0)
    logits = k.layers.Dense(1000, name="predictions")(base.output)
    return k.Model(base.input, logits, name=f"efficientnet_lite{variant}_imagenet")


def build_efficientnet_lite(variant: int = 0, input_size: int = 224, dropout: float = 0.3,
                            drop_connect: float = 0.2, trainable_from: str = "all", backbone_weights=None,
                            bn_trainable: bool = True):
    """EfficientNet-Lite backbone (ImageNet when ``backbone_weights`` is given) + Dropout + sigmoid."""
    from core import backbones as bbs
    from core.models.zoo_resnet import set_trainable

    k = keras()
    L = k.layers
    base = efficientnet_lite_backbone(int(variant), input_size, drop_connect)
    if backbone_weights is not None:
        bbs.load_into(base, bbs.as_weights(backbone_weights, f"efficientnet_lite{int(variant)}"))
    set_trainable(base, trainable_from, bn_trainable)
    f = k.Input(base.output_shape[1:], name="features")
    head = k.Model(f, L.Dense(1, activation="sigmoid", name="p_fake")(L.Dropout(dropout)(f)), name=HEAD)
    crop = k.Input((input_size, input_size, 3), name="crop")
    return k.Model(crop, head(base(crop)), name=f"efficientnet_lite{int(variant)}")


def build_efficientnet_lite0_lstm(input_size: int = 224, sequence_length: int = 20, units: int = 128,
                                  dropout: float = 0.5, backbone_weights=None, bn_trainable: bool = False):
    """A frozen EfficientNet-Lite0 encoder (pooled, 1280-d per crop) into an LSTM over a track's window.

    The encoder starts from ImageNet (``backbone_weights``) or, through the trainer's ``init_from``,
    from a fine-tuned frame detector's backbone, so the window is read in that detector's features.
    ``bn_trainable`` is accepted for the trainer's sake: the encoder is frozen whole.
    """
    from core import backbones as bbs
    from core.models.zoo_sequence import lstm_over

    encoder = efficientnet_lite_backbone(0, input_size, drop_connect=0.0, name=ENCODER_NAME)
    if backbone_weights is not None:
        bbs.load_into(encoder, bbs.as_weights(backbone_weights, "efficientnet_lite0"))
    return lstm_over(encoder, input_size, sequence_length, units, dropout, "efficientnet_lite0_lstm")


register(
    Architecture(
        name="efficientnet_lite0_lstm",
        description="EfficientNet-Lite0 features (frozen; ImageNet, or a Lite0 detector's own backbone when "
        "fine-tuned from it) of a face track's crops into an LSTM(128) and a sigmoid; windows of 20 crops; "
        "(x - 127) / 128.",
        kind=SEQUENCE,
        input_size=224,
        preprocessing="efficientnet_lite",
        build=build_efficientnet_lite0_lstm,
        sequence_length=20,
        backbone="efficientnet_lite0",
    )
)

for _v, (_w, _d, _size) in VARIANTS.items():
    register(
        Architecture(
            name=f"efficientnet_lite{_v}",
            description=f"EfficientNet-Lite{_v} (ImageNet) + the self-blended-images paper's binary head "
            f"(Dropout, sigmoid); whole network fine-tuned; {_size} px unless the card says otherwise, "
            "(x - 127) / 128.",
            kind=FRAME,
            input_size=_size,
            preprocessing="efficientnet_lite",
            build=build_efficientnet_lite,
            defaults={"variant": _v, "trainable_from": "all"},
            backbone=f"efficientnet_lite{_v}",
        )
    )
