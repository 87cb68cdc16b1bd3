"""Suspicious segments: runs of frames above the threshold.

A run opens at a frame scored at or above the threshold and stays open while scores stay
above ``threshold - hysteresis`` (so a curve hovering at the line does not flicker). Frames
without a score close a run at its last scored frame. Runs separated by at most ``max_gap_s``
merge; runs with fewer than ``min_frames`` scored frames are dropped.
"""

from __future__ import annotations

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


def find_segments(frames: Sequence[FrameResult], threshold: float, rules: SegmentRules = SegmentRules()):
    scored = [f for f in frames if f.score is not None]
    runs: list[list[FrameResult]] = []
    current: list[FrameResult] = []
    prev_index = None
    frame_pos = {f.index: i for i, f in enumerate(frames)}
    for f in scored:
        interrupted = prev_index is not None and frame_pos[f.index] != frame_pos[prev_index] + 1
        if current and (interrupted or f.score < threshold - rules.hysteresis):
            runs.append(current)
            current = []
        if current or f.score >= threshold:
            current.append(f)
        prev_index = f.index
    if current:
        runs.append(current)

    merged: list[list[FrameResult]] = []
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
            )
        )
    return tuple(segments)
