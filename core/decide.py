"""Deciding an analysis: segments, track verdicts and the video verdict, from the scores alone.

The engine, a re-decision in review (another threshold or strategy) and the window's live view
all call :func:`decide`, so a verdict is derived one way wherever it is shown.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from core import aggregate
from core.result import AnalysisResult, Coverage, FrameResult, Segment, TrackSummary, Verdict
from core.segments import SegmentRules, track_segments


@dataclass(frozen=True)
class Rules:
    """How scores become a decision (everything but the threshold)."""

    strategy: str = "mean"
    band: float = aggregate.BAND_DEFAULT
    min_frames: int = aggregate.MIN_FRAMES_DEFAULT
    segments: SegmentRules = SegmentRules()

    @classmethod
    def of(cls, params: Mapping[str, Any]) -> Rules:
        """The rules recorded in a result's parameters (defaults for what older results lack)."""
        return cls(
            strategy=params.get("strategy", "mean"),
            band=float(params.get("band", aggregate.BAND_DEFAULT)),
            min_frames=int(params.get("min_frames") or aggregate.MIN_FRAMES_DEFAULT),
            segments=SegmentRules(**params.get("segments", {})),
        )


@dataclass(frozen=True)
class Decision:
    segments: tuple[Segment, ...]
    tracks: tuple[TrackSummary, ...]
    verdict: Verdict


def decide(frames: Sequence[FrameResult], threshold: float, rules: Rules = Rules()) -> Decision:
    tracks = aggregate.track_summaries(frames, threshold, rules.strategy, rules.band, rules.min_frames)
    return Decision(
        segments=track_segments(frames, threshold, rules.segments),
        tracks=tracks,
        verdict=aggregate.video_verdict(tracks, threshold, rules.strategy, rules.min_frames),
    )


def verdict_text(verdict: Verdict, coverage: Coverage | None = None) -> str:
    """The label as an analyst reads it: which track decided, and whether it saw the whole file."""
    text = verdict.label.replace("_", " ").upper()
    if verdict.track is not None:
        text += f" (track {verdict.track})"
    if coverage is not None and not coverage.whole:
        text += f", on {_percent(coverage.share_decoded)} of the file"
    return text


def segments_caveat(result: AnalysisResult) -> str:
    """Said wherever a verdict is shown (window, command line, report) when it is not 'fake' but
    parts of the video reached the threshold: a verdict weighs each face track as a whole, so a
    manipulation confined to a few seconds can be outweighed by the rest of its track."""
    segs = result.segments
    if not segs or result.verdict.label == "fake":
        return ""
    peak = max(s.peak for s in segs)
    span = sum(s.end_s - s.start_s for s in segs)
    return (f"However, {len(segs)} suspicious segment(s) reached the frame threshold (highest score {peak:.3f}, "
            f"about {span:.1f} s in all). A manipulation confined to part of a video can leave the overall score "
            "below the threshold: examine these segments.")


def coverage_text(c: Coverage) -> str:
    """How much of the file the verdict rests on, in one or two plain sentences."""
    unit = "frames" if c.sampled == c.announced else "analysed frames"
    text = (f"The verdict covers {c.decoded:,} of {c.sampled:,} {unit} ({_percent(c.share_decoded)}); "
            f"faces were scored in {c.scored:,} ({_percent(c.share_scored)}).")
    if c.end_frame is not None:
        text += f" The stream could not be read past frame {c.end_frame}."
    elif c.analysed < c.sampled:
        text += f" The analysis stopped after {c.analysed:,}."
    if c.decode_errors:
        text += f" {c.decode_errors:,} could not be decoded."
    return text


def _percent(share: float) -> str:
    """A share as a percentage that never rounds a shortfall up to 100 % or a trace down to 0 %."""
    p = 100 * share
    if 99 < p < 100:
        return f"{p:.1f} %" if p < 99.95 else "99.9 %"
    if 0 < p < 1:
        return "<1 %"
    return f"{p:.0f} %"
