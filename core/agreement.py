"""Do several models agree on one video? Their verdicts side by side, and per flagged span of
the video which models score it above their own calibrated thresholds.

A span is where at least one model found a segment; spans of different models that overlap
are merged into one. For each model, its highest face score inside the span decides whether it
flags the span (above its own threshold, the one its result was decided with). A model that
scored no frame inside the span has no say there, which is different from saying "real".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

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
        }


def _threshold(r: AnalysisResult) -> float:
    return float(r.params.get("threshold", r.model.threshold))


def _merged_spans(results: Sequence[AnalysisResult]) -> list[tuple[int, int, set[str]]]:
    found = sorted((s.start_frame, s.end_frame, r.model.id) for r in results for s in r.segments)
    spans: list[tuple[int, int, set[str]]] = []
    for start, end, model in found:
        if spans and start <= spans[-1][1]:
            s0, e0, who = spans[-1]
            spans[-1] = (s0, max(e0, end), who | {model})
        else:
            spans.append((start, end, {model}))
    return spans


def agreement(results: Sequence[AnalysisResult]) -> Agreement:
    """The agreement of analyses of one video by different models (as each was decided)."""
    if len({r.sha256 for r in results}) > 1:
        raise ValueError("agreement compares analyses of one file; these are of different files")
    models = tuple(ModelVerdict(r.model.id, r.model.name, _threshold(r), r.verdict.label, r.verdict.score)
                   for r in results)
    fps = results[0].video.fps if results else 25.0
    spans = []
    for start, end, found in _merged_spans(results):
        flagged, scored, peaks = [], [], []
        for r in results:
            inside = [f.score for f in r.frames if start <= f.index <= end and f.score is not None]
            peak = max(inside) if inside else None
            peaks.append((r.model.id, peak))
            if peak is None:
                continue
            scored.append(r.model.id)
            if peak >= _threshold(r):
                flagged.append(r.model.id)
        order = [r.model.id for r in results]
        spans.append(SpanAgreement(start, end, start / fps, end / fps, tuple(flagged), tuple(scored),
                                   tuple(m for m in order if m in found), tuple(peaks)))
    return Agreement(models, tuple(spans))
