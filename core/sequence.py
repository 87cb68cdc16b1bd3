"""Sliding windows over one track's crops, for sequence (ResNet50+LSTM style) models.

Windows of ``length`` consecutive crops start every ``hop`` crops (hop <= length). A crop's
score is the mean of the windows that cover it. Positions before the next window start are
final; closing the track adds one last window that covers its tail (a track shorter than a
window is padded by repeating its first crop's features).
"""

from __future__ import annotations

import numpy as np


class TrackWindows:
    def __init__(self, length: int, hop: int):
        if not 1 <= hop <= length:
            raise ValueError("need 1 <= hop <= length")
        self.length, self.hop = length, hop
        self.features: list[np.ndarray] = []
        self._sums: list[float] = []
        self._counts: list[int] = []
        self._next_start = 0
        self.closed = False

    def add(self, feature: np.ndarray) -> int:
        self.features.append(feature)
        self._sums.append(0.0)
        self._counts.append(0)
        return len(self.features) - 1

    def due_windows(self) -> list[int]:
        """Starts of the complete windows not yet scored."""
        starts = []
        while self._next_start + self.length <= len(self.features):
            starts.append(self._next_start)
            self._next_start += self.hop
        return starts

    def tail_window(self) -> int | None:
        """On close: the start of one more window so the last crops are covered, if needed."""
        n = len(self.features)
        last_covered = self._next_start - self.hop + self.length - 1 if self._next_start else -1
        self.closed = True
        if n == 0 or last_covered >= n - 1:
            return None
        return max(0, n - self.length)

    def window(self, start: int) -> np.ndarray:
        feats = self.features[start : start + self.length]
        if len(feats) < self.length:
            feats = [feats[0]] * (self.length - len(feats)) + feats
        return np.stack(feats)

    def record(self, start: int, score: float) -> None:
        for p in range(start, min(start + self.length, len(self.features))):
            self._sums[p] += score
            self._counts[p] += 1

    def is_final(self, position: int) -> bool:
        return self.closed or position < self._next_start

    def score(self, position: int) -> float:
        return self._sums[position] / self._counts[position]


def spacing_warning(step: int | None, every: int) -> str | None:
    """What an analyst should know when a sequence model's windows are read at another spacing than
    it learned (``step``: frames apart of a window's crops in training; ``every``: the analysis's)."""
    step = step or 1
    if step == every:
        return None
    return (f"This sequence model learned from windows of face crops {step} frame(s) apart, and this analysis "
            f"took every {every} frame(s): each window spans {every / step:g} times the time it learned, so "
            f"its scores are less reliable. Analyse every {step} frame(s) to use it as trained.")
