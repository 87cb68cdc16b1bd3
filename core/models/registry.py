"""The one registry of architectures.

Each entry says how to build a fresh Keras model and what its bundle card must record
(input size, preprocessing, label convention, frame or sequence). Builders import Keras
lazily, so listing architectures costs nothing.

A *frame* model maps ``(None, S, S, 3)`` preprocessed crops to ``(None, 1)``.
A *sequence* model maps ``(None, T, S, S, 3)`` to ``(None, 1)`` and is made of two named
sub-models, ``frame_encoder`` (crop -> feature vector) and ``sequence_head`` (features ->
probability), so the engine can encode each crop once and score many windows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from core.errors import UnknownArchitecture

FRAME = "frame"
SEQUENCE = "sequence"
ENCODER_NAME = "frame_encoder"
HEAD_NAME = "sequence_head"


@dataclass(frozen=True)
class Architecture:
    name: str
    description: str
    kind: str  # FRAME or SEQUENCE
    input_size: int
    preprocessing: str
    build: Callable[..., Any]  # build(input_size=..., **hparams) -> keras.Model
    defaults: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    output: str = "p_fake"  # what the sigmoid means: "p_fake" or "p_real"
    sequence_length: int | None = None
    backbone: str | None = None  # the pretrained backbone it starts from (a name in core.backbones.SOURCES)
    for_tests: bool = False  # tiny models that only exist to exercise the engine

    @property
    def uses_imagenet_backbone(self) -> bool:
        return self.backbone is not None

    def build_model(self, **overrides):
        params = {**self.defaults, **overrides}
        params.setdefault("input_size", self.input_size)
        if self.kind == SEQUENCE:
            params.setdefault("sequence_length", self.sequence_length)
        return self.build(**params)


_REGISTRY: dict[str, Architecture] = {}


def register(arch: Architecture) -> Architecture:
    if arch.name in _REGISTRY:
        raise ValueError(f"architecture {arch.name!r} registered twice")
    if arch.kind not in (FRAME, SEQUENCE):
        raise ValueError(f"architecture {arch.name!r}: kind must be frame or sequence")
    _REGISTRY[arch.name] = arch
    return arch


def _load_builtin() -> None:
    # Importing the modules registers their architectures.
    from core.models import zoo, zoo_compact, zoo_efficientnet, zoo_meso, zoo_resnet, zoo_tiny  # noqa: F401


def get(name: str) -> Architecture:
    _load_builtin()
    try:
        return _REGISTRY[name]
    except KeyError:
        known = ", ".join(names())
        raise UnknownArchitecture(f"There is no architecture called '{name}'. Known: {known}.") from None


def names(include_test: bool = False) -> list[str]:
    _load_builtin()
    return sorted(n for n, a in _REGISTRY.items() if include_test or not a.for_tests)


def all_architectures(include_test: bool = False) -> list[Architecture]:
    return [get(n) for n in names(include_test)]
