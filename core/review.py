"""Re-deciding a finished analysis at another threshold, as an analyst does in review.

Scores never change; segments, track summaries and the verdict are derived again from them.
The result records the change in its parameters and warnings, so a report cannot present
a review threshold as the model's own.
"""

from __future__ import annotations

from dataclasses import replace

from core import aggregate
from core.result import AnalysisResult
from core.segments import SegmentRules, find_segments


def rules_of(result: AnalysisResult) -> SegmentRules:
    return SegmentRules(**result.params.get("segments", {}))


def rethreshold(result: AnalysisResult, threshold: float, segments=None, tracks=None) -> AnalysisResult:
    """The same analysis decided at ``threshold``; the result itself when it is unchanged.

    ``segments`` and ``tracks`` may be passed when already derived at ``threshold`` (the window
    keeps them), to spare recomputing them on long videos.
    """
    analysed = float(result.params.get("threshold", result.model.threshold))
    if abs(threshold - analysed) < 1e-9:
        return result
    strategy = result.params.get("strategy", result.verdict.strategy)
    params = dict(result.params)
    params["threshold"] = threshold
    note = (f"Threshold changed in review from {analysed:.3f} to {threshold:.3f}; "
            "segments, tracks and verdict use the review threshold.")
    return replace(
        result,
        params=params,
        segments=find_segments(result.frames, threshold, rules_of(result)) if segments is None else tuple(segments),
        verdict=aggregate.verdict(aggregate.frame_scores(result.frames), threshold, strategy),
        tracks=aggregate.track_summaries(result.frames, threshold) if tracks is None else tuple(tracks),
        warnings=(*result.warnings, note),
    )
