"""ResNet50 transfer learning: two published frame heads and a ResNet50 + LSTM sequence model.

Frame models are ``crop -> backbone -> head`` with two named sub-models, ``backbone`` (the
``keras.applications`` ResNet50 without its top) and ``head``, so training can freeze the
backbone, compute its features once and train only the head (:mod:`core.training.features`).
The sequence model follows the registry's convention: ``frame_encoder`` (ResNet50, global average
pooled, 2048-d per crop) inside a ``TimeDistributed`` named ``frame_encoder_td``, then
``sequence_head`` (LSTM and a sigmoid).

Builders never look for ImageNet weights themselves: the caller passes verified
:class:`~core.backbones.BackboneWeights` (or ``None`` for random initialisation, which
is what tests and training ``--from-scratch`` use). With ImageNet weights the backbone's batch
normalisation layers are frozen (inference mode), the usual practice when fine-tuning on small
batches; from scratch they train.
"""

from __future__ import annotations

from core import backbones as bbs
from core.keras_env import keras
from core.models.registry import ENCODER_NAME, FRAME, SEQUENCE, Architecture, register

BACKBONE = "backbone"  # frame models: the ResNet50 sub-model
HEAD = "head"  # frame models: the trainable head sub-model
TRAINABLE_ALL, TRAINABLE_NONE = "all", "none"


def resnet50_backbone(input_size: int, pooling: str | None, backbone_weights=None, name: str = BACKBONE):
    """``keras.applications.ResNet50`` without its top; ImageNet weights when given (a path is verified).

    Batch norm epsilon is 1e-3, the value the ImageNet weights were trained with (Keras 3 builds
    1.001e-5), so the pretrained network computes what it computed when it was published.
    """
    k = keras()
    base = k.applications.ResNet50(
        include_top=False, weights=None, input_shape=(input_size, input_size, 3), pooling=pooling, name=name
    )
    for layer in base.layers:
        if isinstance(layer, k.layers.BatchNormalization):
            layer.epsilon = 1e-3
    if backbone_weights is not None:
        bbs.load_into(base, bbs.as_weights(backbone_weights, "resnet50"))
    return base


def set_trainable(base, trainable_from: str, bn_trainable: bool) -> int:
    """Freeze the backbone's layers before ``trainable_from`` ('all', 'none' or a layer name).

    Batch normalisation layers stay frozen unless ``bn_trainable``. Returns how many layers train.
    """
    layers = base.layers
    if trainable_from == TRAINABLE_ALL:
        start = 0
    elif trainable_from in (TRAINABLE_NONE, None, ""):
        start = len(layers)
    else:
        names = [layer.name for layer in layers]
        if trainable_from not in names:
            raise ValueError(
                f"trainable_from: no layer '{trainable_from}' in the backbone; use 'all', 'none' or a layer name "
                f"such as conv5_block1_1_conv"
            )
        start = names.index(trainable_from)
    bn_type = keras().layers.BatchNormalization
    count = 0
    for i, layer in enumerate(layers):
        is_bn = isinstance(layer, bn_type)
        layer.trainable = i >= start and (bn_trainable or not is_bn)
        count += bool(layer.trainable and layer.weights)
    return count


def _head_v1(k, feature_shape):
    """Published head v1: Flatten, Dense 256 relu, Dropout 0.3, Dense 126 relu, Dropout 0.5, sigmoid."""
    L = k.layers
    f = k.Input(feature_shape, name="features")
    x = L.Flatten()(f)
    x = L.Dense(256, activation="relu")(x)
    x = L.Dropout(0.3)(x)
    x = L.Dense(126, activation="relu")(x)
    x = L.Dropout(0.5)(x)
    return k.Model(f, L.Dense(1, activation="sigmoid", name="p_fake")(x), name=HEAD)


def _head_v2(k, feature_shape, l2: float):
    """Published head v2 on pooled features: Dense 256, BN, Dropout 0.7, Dense 128 (L2), BN,
    Dropout 0.7, Dense 64 (L2), sigmoid."""
    L, reg = k.layers, k.regularizers.L2(l2)
    f = k.Input(feature_shape, name="features")
    x = L.Dense(256, activation="relu")(f)
    x = L.BatchNormalization()(x)
    x = L.Dropout(0.7)(x)
    x = L.Dense(128, activation="relu", kernel_regularizer=reg)(x)
    x = L.BatchNormalization()(x)
    x = L.Dropout(0.7)(x)
    x = L.Dense(64, activation="relu", kernel_regularizer=reg)(x)
    return k.Model(f, L.Dense(1, activation="sigmoid", name="p_fake")(x), name=HEAD)


def build_resnet50(input_size: int = 224, head: str = "v1", trainable_from: str = "conv5_block3_1_conv",
                   backbone_weights=None, bn_trainable: bool | None = None, l2: float = 1e-3):
    """ResNet50 (no top) + a published head. v1 flattens the feature map; v2 pools it first."""
    if head not in ("v1", "v2"):
        raise ValueError("head must be 'v1' or 'v2'")
    k = keras()
    base = resnet50_backbone(input_size, None if head == "v1" else "avg", backbone_weights)
    set_trainable(base, trainable_from, bn_trainable if bn_trainable is not None else backbone_weights is None)
    top = _head_v1(k, base.output_shape[1:]) if head == "v1" else _head_v2(k, base.output_shape[1:], l2)
    crop = k.Input((input_size, input_size, 3), name="crop")
    return k.Model(crop, top(base(crop)), name=f"resnet50_{head}")


def build_resnet50_lstm(input_size: int = 224, sequence_length: int = 20, units: int = 256,
                        dropout: float = 0.5, backbone_weights=None, bn_trainable: bool = False):
    """ResNet50 features (2048-d, frozen) per crop of a track, an LSTM over the window, a sigmoid.
    ``bn_trainable`` is accepted for the trainer's sake (it passes it to a model started from a
    bundle): the encoder is frozen whole."""
    from core.models.zoo_sequence import lstm_over

    encoder = resnet50_backbone(input_size, "avg", backbone_weights, name=ENCODER_NAME)
    return lstm_over(encoder, input_size, sequence_length, units, dropout, "resnet50_lstm")


register(
    Architecture(
        name="resnet50",
        description="ResNet50 (ImageNet) + head v1: Flatten, Dense 256/126 with Dropout 0.3/0.5; "
        "last bottleneck block and head trainable; 224 px, ResNet50 preprocessing.",
        kind=FRAME,
        input_size=224,
        preprocessing="resnet50",
        build=build_resnet50,
        defaults={"head": "v1", "trainable_from": "conv5_block3_1_conv"},
        backbone="resnet50",
    )
)
register(
    Architecture(
        name="resnet50_v2",
        description="ResNet50 (ImageNet) + head v2: pooled, Dense 256/128/64 with BN, Dropout 0.7, L2; "
        "whole last stage (conv5) and head trainable; 224 px, ResNet50 preprocessing.",
        kind=FRAME,
        input_size=224,
        preprocessing="resnet50",
        build=build_resnet50,
        defaults={"head": "v2", "trainable_from": "conv5_block1_1_conv"},
        backbone="resnet50",
    )
)
register(
    Architecture(
        name="resnet50_lstm",
        description="ResNet50 (ImageNet, frozen) features of a face track's crops into an LSTM(256) and a sigmoid; "
        "windows of 20 crops; 224 px, ResNet50 preprocessing.",
        kind=SEQUENCE,
        input_size=224,
        preprocessing="resnet50",
        build=build_resnet50_lstm,
        sequence_length=20,
        backbone="resnet50",
    )
)
