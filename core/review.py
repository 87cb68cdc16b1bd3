"""Re-deciding a finished analysis at another threshold or strategy, as an analyst does in review.

Scores never change; segments, track verdicts and the video verdict are derived again from them
(:func:`core.decide.decide`). The result records the change in its parameters and warnings, so
a report cannot present a review threshold or strategy as the analysis's own.
"""

from __future__ import annotations

from dataclasses import replace

from core.decide import Decision, Rules, decide
from core.result import AnalysisResult


def redecide(result: AnalysisResult, threshold: float | None = None, strategy: str | None = None,
             decision: Decision | None = None) -> AnalysisResult:
    """The same analysis decided at ``threshold`` with ``strategy``; the result itself when neither changes.

    ``decision`` may be passed when already derived for them (the window keeps one), to spare
    recomputing it on long videos.
    """
    analysed = float(result.params.get("threshold", result.model.threshold))
    was = result.params.get("strategy", result.verdict.strategy)
    threshold = analysed if threshold is None else float(threshold)
    strategy = strategy or was
    if abs(threshold - analysed) < 1e-9 and strategy == was:
        return result
    params = {**result.params, "threshold": threshold, "strategy": strategy}
    notes = []
    if abs(threshold - analysed) >= 1e-9:
        notes.append(f"Threshold changed in review from {analysed:.3f} to {threshold:.3f}; "
                     "segments, tracks and verdict use the review threshold.")
    if strategy != was:
        notes.append(f"Verdict strategy changed in review from {was} to {strategy}.")
    d = decision or decide(result.frames, threshold, Rules.of(params))
    return replace(result, params=params, segments=d.segments, verdict=d.verdict, tracks=d.tracks,
                   warnings=(*result.warnings, *notes))
