"""From per-face scores to per-track verdicts, and from the tracks to the video's verdict.

Every strategy is relative to the threshold: a score's *sureness* is its distance from the
threshold as a share of the room on its side (``|p - t| / t`` below, ``|p - t| / (1 - t)``
above), so with a threshold of 0.15 a frame at 0.12 is nearly undecided and one at 0.02 is sure.
- ``mean``: the mean frame score, compared with the threshold;
- ``majority``: the share of frames at or above the threshold, compared with one half (a vote);
- ``weighted``: the mean score with each frame weighted by its sureness;
- ``confident``: the mean of the frames at least ``confident_margin`` sure, ignoring the
  undecided middle.
A verdict is ``inconclusive`` when its score is less than ``band`` sure (cause ``band``) or when
too few frames were scored (cause ``few_frames``); a track or video with no scored face is
``no_face``.

Each face track is decided on its own frames. The video is as fake as its most suspicious track
among those with at least ``min_frames`` scored frames, and its verdict names that track, so a
swapped face beside a real one is not averaged away.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from core.result import BAND, FEW_FRAMES, FrameResult, TrackSummary, Verdict

STRATEGIES = ("mean", "majority", "weighted", "confident")
BAND_DEFAULT = 0.1  # sureness under which a verdict is inconclusive (0.05 either side of 0.5)
MIN_FRAMES_DEFAULT = 3


def sureness(scores: np.ndarray, threshold: float) -> np.ndarray:
    """0 at the threshold, 1 at 0 or 1: a score's distance from the threshold over the room on its side."""
    scores = np.asarray(scores, dtype=np.float64)
    room = np.where(scores < threshold, threshold, 1.0 - threshold)
    return np.abs(scores - threshold) / np.maximum(room, 1e-9)


def leaning(score: float, threshold: float) -> float:
    """Sureness with a sign: -1 (surely real) .. 0 (at the threshold) .. 1 (surely fake)."""
    s = float(sureness(np.array([score]), threshold)[0])
    return s if score >= threshold else -s


def verdict(
    scores: np.ndarray,
    threshold: float,
    strategy: str = "mean",
    band: float = BAND_DEFAULT,
    min_frames: int = MIN_FRAMES_DEFAULT,
    confident_margin: float = 0.5,
) -> Verdict:
    if strategy not in STRATEGIES:
        raise ValueError(f"unknown strategy {strategy!r}; use one of {', '.join(STRATEGIES)}")
    scores = np.asarray(scores, dtype=np.float64)
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
                f"only {len(sure)} of {n} frames scored far enough from the threshold (need {min_frames})",
                FEW_FRAMES,
            )
        score = float(np.mean(sure))
    if n < min_frames:
        return Verdict("inconclusive", score, cut, strategy, n, f"only {n} frames scored (need {min_frames})",
                       FEW_FRAMES)
    if abs(leaning(score, cut)) < band:
        return Verdict("inconclusive", score, cut, strategy, n, "score too near the threshold", BAND)
    return Verdict("fake" if score >= cut else "real", score, cut, strategy, n)


def _track_series(frames: Sequence[FrameResult]) -> tuple[dict[int, list[int]], dict[int, list[float]]]:
    seen: dict[int, list[int]] = defaultdict(list)
    scores: dict[int, list[float]] = defaultdict(list)
    for f in frames:
        for face in f.faces:
            seen[face.track].append(f.index)
            if face.score is not None:
                scores[face.track].append(face.score)
    return seen, scores


def track_summaries(frames: Sequence[FrameResult], threshold: float, strategy: str = "mean",
                    band: float = BAND_DEFAULT, min_frames: int = MIN_FRAMES_DEFAULT) -> tuple[TrackSummary, ...]:
    """Each face track's frames, scores and its own verdict."""
    seen, scores = _track_series(frames)
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
                verdict=verdict(s, threshold, strategy, band, min_frames),
            )
        )
    return tuple(out)


_RANK = {"fake": 2, "inconclusive": 1, "real": 0}


def suspicion(v: Verdict) -> tuple[int, float]:
    """Orders verdicts from least to most suspicious: by label, then by how far the score leans to fake."""
    return _RANK.get(v.label, -1), (-2.0 if v.score is None else leaning(v.score, v.threshold))


def video_verdict(tracks: Sequence[TrackSummary], threshold: float, strategy: str = "mean",
                  min_frames: int = MIN_FRAMES_DEFAULT) -> Verdict:
    """The most suspicious track's verdict among the tracks scored on at least ``min_frames`` frames."""
    scored = [t for t in tracks if t.frames_scored > 0]
    if not scored:
        return Verdict("no_face", None, threshold, strategy, 0, "no frame had a face that could be scored")
    long_enough = [t for t in scored if t.frames_scored >= min_frames]
    if not long_enough:
        longest = max(scored, key=lambda t: t.frames_scored)
        return Verdict("inconclusive", None, threshold, strategy, longest.frames_scored,
                       f"no face track was scored on {min_frames} frames (the longest: track {longest.track}, "
                       f"{longest.frames_scored})", FEW_FRAMES, longest.track)
    top = max(long_enough, key=lambda t: suspicion(t.verdict))
    others = len(long_enough) - 1
    where = f"track {top.track}" + (f", the most suspicious of {len(long_enough)} tracks" if others else "")
    reason = f"{where}: {top.verdict.reason}" if top.verdict.reason else where
    return replace(top.verdict, reason=reason, track=top.track)
