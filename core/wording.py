"""Plain-language helpers shared by the messages core and the window show."""

from __future__ import annotations


def plural(n: int, word: str, many: str | None = None) -> str:
    """``1 segment``, ``2 segments``, ``1,204 frames``: the count with the noun it agrees with."""
    return f"{n:,} {word if n == 1 else (many or word + 's')}"


def kept_weights(best_epoch: int | None, averaged: tuple[int, int] | None) -> str:
    """What a trained bundle holds: ``epoch 7 kept`` or ``epochs 5-9 averaged`` (empty when unknown)."""
    if averaged:
        first, last = averaged
        return f"epoch {first} kept" if first == last else f"epochs {first}-{last} averaged"
    return f"epoch {best_epoch} kept" if best_epoch else ""
