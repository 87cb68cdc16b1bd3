"""Suspicious segments: runs of frames above the threshold, in each face track.

A run opens at a frame scored at or above the threshold and stays open while scores stay
above ``threshold - hysteresis`` (so a curve hovering at the line does not flicker). Frames
without a score close a run at its last scored frame. Runs separated by at most ``max_gap_s``
merge; runs with fewer than ``min_frames`` scored frames are dropped.

:func:`track_segments` finds them in each face track's own scores, so a segment belongs to one
person; :func:`find_segments` in the frames' own scores.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

from core.result import FrameResult, Segment


@dataclass(frozen=True)
class SegmentRules:
    hysteresis: float = 0.05
    min_frames: int = 2
    max_gap_s: float = 0.5

    def to_json(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class _Point:
    pos: int  # position among the analysed frames: a gap in it interrupts a run
    index: int
    time_s: float
    score: float


def _track_series(frames: Sequence[FrameResult]) -> dict[int, list[_Point]]:
    out: dict[int, list[_Point]] = defaultdict(list)
    for i, f in enumerate(frames):
        for x in f.faces:
            if x.score is not None:
                out[x.track].append(_Point(i, f.index, f.time_s, x.score))
    return out


def track_segments(frames: Sequence[FrameResult], threshold: float,
                   rules: SegmentRules = SegmentRules()) -> tuple[Segment, ...]:
    """Every face track's segments, ordered by start frame (then track)."""
    segs = [s for t, pts in _track_series(frames).items() for s in _segments(pts, threshold, rules, t)]
    return tuple(sorted(segs, key=lambda s: (s.start_frame, s.track)))


def find_segments(frames: Sequence[FrameResult], threshold: float,
                  rules: SegmentRules = SegmentRules()) -> tuple[Segment, ...]:
    """Segments of the frames' own scores (each frame's most suspicious face)."""
    pts = [_Point(i, f.index, f.time_s, f.score) for i, f in enumerate(frames) if f.score is not None]
    return _segments(pts, threshold, rules, None)


def _segments(points: list[_Point], threshold: float, rules: SegmentRules, track: int | None):
    runs: list[list[_Point]] = []
    current: list[_Point] = []
    prev = None
    for f in points:
        interrupted = prev is not None and f.pos != prev.pos + 1
        if current and (interrupted or f.score < threshold - rules.hysteresis):
            runs.append(current)
            current = []
        if current or f.score >= threshold:
            current.append(f)
        prev = f
    if current:
        runs.append(current)

    merged: list[list[_Point]] = []
    for run in runs:
        # Trim the tail that only hysteresis kept open, so a segment ends at its last frame above threshold.
        while run and run[-1].score < threshold:
            run.pop()
        if not run:
            continue
        if merged and run[0].time_s - merged[-1][-1].time_s <= rules.max_gap_s:
            merged[-1].extend(run)
        else:
            merged.append(run)

    segments = []
    for run in merged:
        if len(run) < rules.min_frames:
            continue
        s = np.array([f.score for f in run])
        peak = int(np.argmax(s))
        segments.append(
            Segment(
                start_frame=run[0].index,
                end_frame=run[-1].index,
                start_s=run[0].time_s,
                end_s=run[-1].time_s,
                peak=float(s.max()),
                mean=float(s.mean()),
                peak_frame=run[peak].index,
                track=track,
            )
        )
    return tuple(segments)
