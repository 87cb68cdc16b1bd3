"""Results with made-up scores for decision tests: a real analysis's result as a base, its frames
replaced by one track scored as given, then decided at a threshold."""

from __future__ import annotations

from dataclasses import replace

from core.analysis import AnalysisParams, decided_as
from core.result import FaceScore, FrameResult


def scored_result(base, scores: list[float | None], threshold: float = 0.5, model_id: str | None = None):
    """``base`` with one track scored ``scores`` (None: no face) at 10 fps, decided at ``threshold``."""
    frames = tuple(FrameResult(i, i / 10, s, "scored" if s is not None else "no_face",
                               (FaceScore(1, (10, 10, 60, 60), s, True),) if s is not None else ())
                   for i, s in enumerate(scores))
    r = replace(base, frames=frames, segments=())
    if model_id is not None:
        r = replace(r, model=replace(r.model, id=model_id, name=model_id))
    return decided_as(replace(r, params={**r.params, "threshold": -1}),
                      AnalysisParams.from_json({**r.params, "threshold": threshold}))
