"""The scores of the open video as arrays for drawing, filled as analysis results stream in.

One slot per sampled frame (frame ``index`` is slot ``index // every``). Curves hold NaN
where there is no score, so the timeline draws gaps, never a made-up value. Once the player
finds that the stream ends before the announced count (:meth:`ScoreStore.set_end`), the frames
past it read "decode error" whether or not an analysis reached them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from core.result import DECODE_ERROR, STATUSES, FrameResult

NOT_ANALYSED = -1
STATUS_CODE = {s: i for i, s in enumerate(STATUSES)}


class ScoreStore:
    def __init__(self, frames: int = 0, fps: float = 25.0, every: int = 1):
        self.reset(frames, fps, every)

    def reset(self, frames: int, fps: float, every: int = 1, end: int | None = None) -> None:
        self.fps, self.every = float(fps or 25.0), max(1, int(every))
        self.video_frames = max(0, int(frames))
        self.end = end
        n = math.ceil(self.video_frames / self.every) if self.video_frames else 0
        self.max = np.full(n, np.nan)
        self.status = np.full(n, NOT_ANALYSED, np.int8)
        self._mark_end()
        self.tracks: dict[int, np.ndarray] = {}
        self._frames: dict[int, FrameResult] = {}
        self._sorted: list[FrameResult] | None = []
        # Bumps on every change, resets included (never restarts at 0: drawing code compares it, and
        # a refilled store whose count matched the last drawn one would otherwise never be drawn).
        self.version = getattr(self, "version", -1) + 1

    # -- filling -------------------------------------------------------------------------
    def _grow(self, slots: int) -> None:
        extra = slots - len(self.max)
        if extra <= 0:
            return
        self.max = np.concatenate([self.max, np.full(extra, np.nan)])
        self.status = np.concatenate([self.status, np.full(extra, NOT_ANALYSED, np.int8)])
        for t, arr in self.tracks.items():
            self.tracks[t] = np.concatenate([arr, np.full(extra, np.nan)])

    def set_end(self, end: int) -> None:
        """The stream holds only frames ``0 .. end - 1`` of the announced ones."""
        self.end = max(0, int(end))
        self._mark_end()
        self.version += 1

    def _mark_end(self) -> None:
        if self.end is not None:
            tail = self.status[-(-self.end // self.every):]
            tail[tail == NOT_ANALYSED] = STATUS_CODE[DECODE_ERROR]

    def add(self, frames: Iterable[FrameResult]) -> int:
        n = 0
        for f in frames:
            slot = f.index // self.every
            if slot >= len(self.max):
                self._grow(slot + 1)
            self._frames[f.index] = f
            self.max[slot] = np.nan if f.score is None else f.score
            self.status[slot] = STATUS_CODE.get(f.status, NOT_ANALYSED)
            for face in f.faces:
                arr = self.tracks.get(face.track)
                if arr is None:
                    arr = self.tracks[face.track] = np.full(len(self.max), np.nan)
                if face.score is not None:
                    arr[slot] = face.score
            n += 1
        if n:
            self._sorted = None
            self.version += 1
        return n

    def set_frames(self, frames: Iterable[FrameResult], every: int | None = None) -> None:
        """Replace everything with a finished result's frames (its stride wins)."""
        self.reset(self.video_frames, self.fps, every or self.every, self.end)
        self.add(frames)

    # -- reading -------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._frames)

    def frames(self) -> list[FrameResult]:
        if self._sorted is None:
            self._sorted = [self._frames[i] for i in sorted(self._frames)]
        return self._sorted

    def x(self) -> np.ndarray:
        """Time in seconds of each slot."""
        return np.arange(len(self.max)) * self.every / self.fps

    def frame_result(self, index: int) -> tuple[FrameResult | None, bool]:
        """The analysed frame to draw boxes from at ``index``: (result, exact).

        With a stride, a frame between samples shows the nearest sampled frame's boxes,
        flagged not exact, when it lies within half the stride.
        """
        f = self._frames.get(index)
        if f is not None:
            return f, True
        if self.every == 1:
            return None, False
        slot = int(round(index / self.every))
        f = self._frames.get(slot * self.every)
        if f is not None and abs(f.index - index) <= self.every // 2:
            return f, False
        return None, False

    def counts(self) -> dict[str, int]:
        out = {s: int(np.sum(self.status == c)) for s, c in STATUS_CODE.items()}
        out["not_analysed"] = int(np.sum(self.status == NOT_ANALYSED))
        return out
