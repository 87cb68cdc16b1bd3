"""Do several models agree on one video? Their verdicts side by side, and per flagged span of
the video which models score it above their own calibrated thresholds.

The spans are the first model's segments (the ones the analyst reviews), each with how many of
the models flag it, and then what only the other models found: the parts of their segments outside
the first model's segments of the same face track (overlapping parts merged). For each model, its
highest score inside the span decides whether it flags the span (at or above its own threshold,
the one its result was decided with); for a span of one face track, only that track's faces count
(one pass tracks once, so every model has the same track numbers). A model that scored no frame
inside the span has no say there, which is different from saying "real".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

from core.result import AnalysisResult


@dataclass(frozen=True)
class ModelVerdict:
    model_id: str
    name: str
    threshold: float
    label: str  # fake | real | inconclusive | no_face
    score: float | None


@dataclass(frozen=True)
class SpanAgreement:
    start_frame: int
    end_frame: int
    start_s: float
    end_s: float
    flagged_by: tuple[str, ...]  # models whose peak in the span is above their own threshold
    scored_by: tuple[str, ...]  # models that scored at least one frame in the span
    found_by: tuple[str, ...]  # models with a segment of their own in the span
    peaks: tuple[tuple[str, float | None], ...]  # (model, peak score in the span)
    track: int | None = None  # the face track of the first model's segment; None: any face
    first_model: bool = True  # a segment of the first model; False: only other models found it

    @property
    def unanimous(self) -> bool:
        return bool(self.scored_by) and len(self.flagged_by) == len(self.scored_by)

    def summary(self) -> str:
        """"2 of 3 models" when scored by several, else who found it."""
        return f"{len(self.flagged_by)} of {len(self.scored_by)} models"


@dataclass(frozen=True)
class Agreement:
    models: tuple[ModelVerdict, ...]
    spans: tuple[SpanAgreement, ...]

    @property
    def verdicts_agree(self) -> bool:
        """The models that reached a verdict (fake or real) all reached the same one."""
        decided = {m.label for m in self.models if m.label in ("fake", "real")}
        return len(decided) <= 1

    def disagreements(self) -> tuple[SpanAgreement, ...]:
        """Spans some but not all scoring models flag."""
        return tuple(s for s in self.spans if s.flagged_by and not s.unanimous)

    def to_json(self) -> dict:
        return {
            "models": [asdict(m) for m in self.models],
            "verdicts_agree": self.verdicts_agree,
            "spans": [{**asdict(s), "peaks": [list(p) for p in s.peaks]} for s in self.spans],
            "rule": "a model flags a span when its highest score there (that face track's, for a span of one "
                    "track) is at or above its own calibrated threshold; spans are the first model's segments, "
                    "then the parts of the other models' segments outside them",
        }


def _overlaps(a0: int, a1: int, b0: int, b1: int) -> bool:
    return a0 <= b1 and b0 <= a1


def _uncovered(start: int, end: int, covered: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The parts of frames ``start..end`` outside every ``covered`` range."""
    pieces = [(start, end)]
    for a, b in covered:
        kept = []
        for s, e in pieces:
            if b < s or a > e:
                kept.append((s, e))
                continue
            if s < a:
                kept.append((s, a - 1))
            if e > b:
                kept.append((b + 1, e))
        pieces = kept
    return pieces


def _others_only(results: Sequence[AnalysisResult]) -> list[tuple[int, int, int | None, set[str]]]:
    """What the other models flagged outside the first model's segments of the same face track:
    ``(start, end, track, models)``, overlapping pieces of one track merged."""
    first = results[0].segments
    pieces = []
    for r in results[1:]:
        for seg in r.segments:
            covered = [(f.start_frame, f.end_frame) for f in first
                       if f.track is None or seg.track is None or f.track == seg.track]
            for a, b in _uncovered(seg.start_frame, seg.end_frame, covered):
                pieces.append((seg.track, a, b, r.model.id))
    pieces.sort(key=lambda x: (-1 if x[0] is None else x[0], x[1]))
    spans: list[tuple[int, int, int | None, set[str]]] = []
    for track, start, end, model in pieces:
        if spans and spans[-1][2] == track and start <= spans[-1][1] + 1:
            s0, e0, t0, who = spans[-1]
            spans[-1] = (s0, max(e0, end), t0, who | {model})
        else:
            spans.append((start, end, track, {model}))
    return spans


class _Scores:
    """One result's scores as sorted arrays, per frame and per face track, for range maxima."""

    def __init__(self, r: AnalysisResult):
        scored = [(f.index, f.score) for f in r.frames if f.score is not None]
        self.frames = (np.array([i for i, _ in scored], np.int64), np.array([v for _, v in scored], np.float64))
        by_track: dict[int, list[tuple[int, float]]] = {}
        for f in r.frames:
            for x in f.faces:
                if x.score is not None:
                    by_track.setdefault(x.track, []).append((f.index, x.score))
        self.tracks = {t: (np.array([i for i, _ in v], np.int64), np.array([s for _, s in v], np.float64))
                       for t, v in by_track.items()}

    def peak(self, start: int, end: int, track: int | None) -> float | None:
        idx, val = self.frames if track is None else self.tracks.get(track, (np.empty(0, np.int64), np.empty(0)))
        lo, hi = np.searchsorted(idx, start, "left"), np.searchsorted(idx, end, "right")
        return float(val[lo:hi].max()) if hi > lo else None


def _span(results: Sequence[AnalysisResult], scores: list[_Scores], start: int, end: int, track: int | None,
          first: bool, fps: float) -> SpanAgreement:
    flagged, scored, peaks = [], [], []
    for r, sc in zip(results, scores, strict=True):
        peak = sc.peak(start, end, track)
        peaks.append((r.model.id, peak))
        if peak is not None:
            scored.append(r.model.id)
            if peak >= r.threshold:
                flagged.append(r.model.id)
    found = [r.model.id for r in results
             if any(_overlaps(s.start_frame, s.end_frame, start, end) and (track is None or s.track in (None, track))
                    for s in r.segments)]
    return SpanAgreement(start, end, start / fps, end / fps, tuple(flagged), tuple(scored), tuple(found),
                         tuple(peaks), track, first)


def agreement(results: Sequence[AnalysisResult]) -> Agreement:
    """The agreement of analyses of one video by different models (as each was decided); the
    first result is the one under review."""
    if not results:
        raise ValueError("agreement needs at least one analysis")
    if len({r.sha256 for r in results}) > 1:
        raise ValueError("agreement compares analyses of one file; these are of different files")
    models = tuple(ModelVerdict(r.model.id, r.model.name, r.threshold, r.verdict.label, r.verdict.score)
                   for r in results)
    fps = results[0].video.fps or 25.0
    scores = [_Scores(r) for r in results]
    spans = [_span(results, scores, s.start_frame, s.end_frame, s.track, True, fps) for s in results[0].segments]
    spans += [_span(results, scores, start, end, track, False, fps)
              for start, end, track, _who in _others_only(results)]
    spans.sort(key=lambda s: (s.start_frame, not s.first_model, -1 if s.track is None else s.track))
    return Agreement(models, tuple(spans))
