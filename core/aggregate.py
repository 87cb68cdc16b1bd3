"""From per-frame scores to per-track summaries and a video verdict.

Strategies (from the research this product comes from, plus one of ours):
- ``mean``: the mean frame score, compared with the threshold;
- ``majority``: the share of frames above the threshold, compared with 0.5 (a vote);
- ``weighted``: frames weighted by how sure they are: their distance from the threshold as a share
  of the room on their side of it (``|p - t| / t`` below, ``|p - t| / (1 - t)`` above), so a frame
  at 0.12 under a threshold of 0.15 is nearly undecided, not sure;
- ``confident``: the mean of the frames at least ``confident_margin`` of that room away from the
  threshold, ignoring the undecided middle (inconclusive when there are too few of them).
A score within ``band`` of its threshold, or too few scored frames, is ``inconclusive``;
a video in which no frame could be scored is ``no_face``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import numpy as np

from core.result import FrameResult, TrackSummary, Verdict

STRATEGIES = ("mean", "majority", "weighted", "confident")


def frame_scores(frames: Sequence[FrameResult]) -> np.ndarray:
    """Scores of the scored frames, in frame order (unscored frames left out)."""
    return np.array([f.score for f in frames if f.score is not None], dtype=np.float64)


def sureness(scores: np.ndarray, threshold: float) -> np.ndarray:
    """0 at the threshold, 1 at 0 or 1: a score's distance from the threshold over the room on its side."""
    room = np.where(scores < threshold, threshold, 1.0 - threshold)
    return np.abs(scores - threshold) / np.maximum(room, 1e-9)


def verdict(
    scores: np.ndarray,
    threshold: float,
    strategy: str = "mean",
    band: float = 0.05,
    min_frames: int = 3,
    confident_margin: float = 0.5,
) -> Verdict:
    if strategy not in STRATEGIES:
        raise ValueError(f"unknown strategy {strategy!r}; use one of {', '.join(STRATEGIES)}")
    n = int(len(scores))
    if n == 0:
        return Verdict("no_face", None, threshold, strategy, 0, "no frame had a face that could be scored")
    cut = threshold
    if strategy == "mean":
        score = float(np.mean(scores))
    elif strategy == "majority":
        score, cut = float(np.mean(scores >= threshold)), 0.5
    elif strategy == "weighted":
        w = sureness(scores, threshold) + 1e-6
        score = float(np.sum(w * scores) / np.sum(w))
    else:
        sure = scores[sureness(scores, threshold) >= confident_margin]
        if len(sure) < min_frames:
            return Verdict(
                "inconclusive", None, threshold, strategy, n,
                f"only {len(sure)} frames scored far enough from the threshold",
            )
        score = float(np.mean(sure))
    if n < min_frames:
        return Verdict("inconclusive", score, cut, strategy, n, f"only {n} frames scored (need {min_frames})")
    if abs(score - cut) < band:
        return Verdict("inconclusive", score, cut, strategy, n, f"score within {band} of the threshold")
    return Verdict("fake" if score >= cut else "real", score, cut, strategy, n)


def track_summaries(frames: Sequence[FrameResult], threshold: float) -> tuple[TrackSummary, ...]:
    seen: dict[int, list[int]] = defaultdict(list)
    scores: dict[int, list[float]] = defaultdict(list)
    for f in frames:
        for face in f.faces:
            seen[face.track].append(f.index)
            if face.score is not None:
                scores[face.track].append(face.score)
    out = []
    for track in sorted(seen):
        s = np.array(scores[track], dtype=np.float64)
        out.append(
            TrackSummary(
                track=track,
                first_frame=min(seen[track]),
                last_frame=max(seen[track]),
                frames_scored=len(s),
                mean=float(s.mean()) if len(s) else None,
                peak=float(s.max()) if len(s) else None,
                frames_above=int(np.sum(s >= threshold)),
            )
        )
    return tuple(out)
