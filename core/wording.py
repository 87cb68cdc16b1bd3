"""Plain-language helpers shared by the messages core and the window show."""

from __future__ import annotations


def plural(n: int, word: str, many: str | None = None) -> str:
    """``1 segment``, ``2 segments``, ``1,204 frames``: the count with the noun it agrees with."""
    return f"{n:,} {word if n == 1 else (many or word + 's')}"
