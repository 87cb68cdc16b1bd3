"""Does a finding survive the re-encoding every shared video goes through? A robustness probe.

The faces an analysis scored are cropped again, as the analysis cropped them, from frames degraded
as sharing degrades them (JPEG at quality 70 and 40, half and quarter resolution, blur), and
scored again by the same model. Mild degradations (JPEG 70, half resolution) are what any upload
does: a segment whose verdict side flips under one of them is **fragile**, the finding depends on
details a re-encode removes; otherwise **stable**. Strong degradations are reported beside them.
Frame models only; the evidence file must be the analysed one (by hash).

Besides the per-segment summaries, the report keeps each re-scored face's own range over the
degradations (:class:`FrameProbe`: frame, track, lowest and highest degraded score), which the review
timeline draws as a band around that track's curve.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

from core.errors import EvidenceChanged, ModelError
from core.faces import crop_face
from core.result import AnalysisResult

MILD = ("jpeg70", "half")
STRONG = ("jpeg40", "quarter", "blur")
VARIANTS = MILD + STRONG
WORDS = {"jpeg70": "JPEG quality 70", "half": "half resolution", "jpeg40": "JPEG quality 40",
         "quarter": "quarter resolution", "blur": "Gaussian blur, sigma 2 px"}


def degrade(rgb: np.ndarray, variant: str) -> np.ndarray:
    """The whole frame as sharing degrades it, at its own size (so face boxes still fit)."""
    h, w = rgb.shape[:2]
    if variant in ("jpeg70", "jpeg40"):
        from core.training.augment import jpeg_recompress

        return jpeg_recompress(rgb, 70 if variant == "jpeg70" else 40)
    if variant in ("half", "quarter"):
        f = 2 if variant == "half" else 4
        small = cv2.resize(rgb, (max(1, w // f), max(1, h // f)), interpolation=cv2.INTER_AREA)
        return cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
    if variant == "blur":
        return cv2.GaussianBlur(rgb, (0, 0), 2.0)
    raise ValueError(f"unknown degradation {variant!r}")


@dataclass(frozen=True)
class SegmentProbe:
    segment: int  # 1-based, as in reports
    track: int
    frames: tuple[int, ...]  # the frames re-scored
    original: float  # mean of the re-scored faces, undegraded
    degraded: dict[str, float]  # variant -> mean
    fragile: bool
    because: str  # which mild degradation moved it across the threshold ("" when stable)


@dataclass(frozen=True)
class FrameProbe:
    """One re-scored face: how far the degradations move its score."""

    frame: int
    track: int | None  # the segment's track (None: a version-1 frame-series segment)
    segment: int  # 1-based, the SegmentProbe it belongs to
    original: float  # re-scored undegraded
    low: float  # lowest score over VARIANTS
    high: float  # highest score over VARIANTS


@dataclass(frozen=True)
class RobustnessReport:
    threshold: float
    reproduced: float  # largest difference between the re-scored undegraded faces and the analysis's scores
    shift: dict[str, float]  # variant -> mean absolute change of a face's score
    segments: tuple[SegmentProbe, ...]
    frames: tuple[FrameProbe, ...] = ()  # every re-scored face of every segment, by segment then frame

    def lines(self) -> list[str]:
        out = [f"Re-scored faces reproduce the analysis within {self.reproduced:.2g}.",
               "Mean change of a face's score: " + ", ".join(f"{WORDS[v]} {self.shift[v]:+.3f}"
                                                            for v in VARIANTS if v in self.shift)]
        for s in self.segments:
            mark = f"FRAGILE ({s.because})" if s.fragile else "stable"
            cells = ", ".join(f"{v} {s.degraded[v]:.3f}" for v in VARIANTS if v in s.degraded)
            out.append(f"Segment {s.segment} (track {s.track}, {len(s.frames)} frames): {s.original:.3f} -> "
                       f"{cells}: {mark}")
        return out


def _frames_to_probe(result: AnalysisResult, per_segment: int) -> dict[int, list[int]]:
    by_index = {f.index: f for f in result.frames}
    out = {}
    for n, seg in enumerate(result.segments, 1):
        inside = [i for i in range(seg.start_frame, seg.end_frame + 1) if i in by_index
                  and any(x.track == seg.track and x.score is not None for x in by_index[i].faces)]
        step = max(1, len(inside) // per_segment)
        chosen = sorted(set(inside[::step][:per_segment]) | ({seg.peak_frame} & set(inside)))
        out[n] = chosen
    return out


def probe(result: AnalysisResult, video_path: str | os.PathLike, score: Callable[[np.ndarray], np.ndarray],
          input_size: int, per_segment: int = 8, should_cancel: Callable[[], bool] | None = None,
          ) -> RobustnessReport:
    """Re-score each segment's faces (up to ``per_segment`` frames each) under every degradation.

    ``score``: crops ``(N, S, S, 3)`` uint8 to calibrated P(fake), the analysing model's
    (:meth:`core.models.scorer.Scorer.score_crops`).
    """
    from core.errors import Cancelled
    from core.forensic.hashing import sha256_file
    from core.video import FrameReader

    if result.model.kind != "frame":
        raise ModelError("The robustness probe re-scores face crops: it needs a frame model.")
    if sha256_file(video_path) != result.sha256:
        raise EvidenceChanged(f"{os.fspath(video_path)} is not the analysed file (its SHA-256 differs): nothing "
                              "is re-scored from it.")
    margin = float(result.params.get("margin", 0.3))
    threshold = float(result.verdict.threshold)
    chosen = _frames_to_probe(result, per_segment)
    by_index = {f.index: f for f in result.frames}
    scores: dict[tuple[int, int], dict[str, float]] = {}  # (frame, track) -> variant ("" undegraded) -> score
    recorded: dict[tuple[int, int], float] = {}
    with FrameReader(video_path) as reader:
        for index in sorted({i for frames in chosen.values() for i in frames}):
            if should_cancel and should_cancel():
                raise Cancelled("The robustness probe was cancelled.")
            rgb = reader.read(index)
            faces = [x for x in by_index[index].faces if x.score is not None]
            versions = {"": rgb} | {v: degrade(rgb, v) for v in VARIANTS}
            for v, frame in versions.items():
                crops = np.stack([crop_face(frame, x.box, margin, input_size) for x in faces])
                for x, p in zip(faces, score(crops), strict=True):
                    scores.setdefault((index, x.track), {})[v] = float(p)
            for x in faces:
                recorded[(index, x.track)] = float(x.score)
    reproduced = max((abs(scores[k][""] - recorded[k]) for k in scores), default=0.0)
    shift = {v: float(np.mean([s[v] - s[""] for s in scores.values()])) if scores else 0.0 for v in VARIANTS}
    probes, per_frame = [], []
    for n, seg in enumerate(result.segments, 1):
        keys = [(i, seg.track) for i in chosen[n] if (i, seg.track) in scores]
        if not keys:
            continue
        original = float(np.mean([scores[k][""] for k in keys]))
        degraded = {v: float(np.mean([scores[k][v] for k in keys])) for v in VARIANTS}
        flips = [v for v in MILD if (degraded[v] >= threshold) != (original >= threshold)]
        probes.append(SegmentProbe(n, seg.track, tuple(i for i, _ in keys), original, degraded, bool(flips),
                                   ", ".join(WORDS[v] for v in flips)))
        for k in keys:
            moved = [scores[k][v] for v in VARIANTS]
            per_frame.append(FrameProbe(k[0], seg.track, n, scores[k][""], min(moved), max(moved)))
    return RobustnessReport(threshold, reproduced, shift, tuple(probes), tuple(per_frame))
