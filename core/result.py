"""What an analysis produces, as frozen values that cross to the GUI and serialise to JSON.

The JSON document (schema ``deepfake-inspector/analysis@2``) is what the command line writes,
the cache stores and reports reference. Version 2 added per-track verdicts, the track of each
segment and the coverage of the file; version 1 documents still load (their segments carry no
track, their tracks no verdict, and their coverage is worked out from their frames).
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from core.video import VideoInfo

SCHEMA = "deepfake-inspector/analysis@2"
READABLE_SCHEMAS = ("deepfake-inspector/analysis@1", SCHEMA)

# Frame status: why a sampled frame has (or has no) score.
SCORED = "scored"
NO_FACE = "no_face"
FACE_TOO_SMALL = "face_too_small"
DECODE_ERROR = "decode_error"
STATUSES = (SCORED, NO_FACE, FACE_TOO_SMALL, DECODE_ERROR)

# The warning a result carries when its evidence file changed during the analysis (the typed fact is
# ``AnalysisResult.evidence_changed``; this is the sentence for a reader, which says what changed).
EVIDENCE_CHANGED_WARNING = "EVIDENCE CHANGED during analysis: "


@dataclass(frozen=True)
class FaceScore:
    track: int
    box: tuple[int, int, int, int]  # x0, y0, x1, y1 in frame pixels
    score: float | None  # P(fake); None when the face was too small to score
    detected: bool = True  # False: box carried by the tracker between detections


@dataclass(frozen=True)
class FrameResult:
    index: int
    time_s: float
    score: float | None  # the frame's score (most suspicious face); None when not scored
    status: str
    faces: tuple[FaceScore, ...] = ()


@dataclass(frozen=True)
class Segment:
    start_frame: int
    end_frame: int
    start_s: float
    end_s: float
    peak: float
    mean: float
    peak_frame: int
    track: int | None = None  # the face track the run is in; None: the frame series (version 1 documents)


# Why a verdict is inconclusive.
BAND = "band"  # its score lies too near its threshold
FEW_FRAMES = "few_frames"  # too few frames were scored (or scored far enough from the threshold)


@dataclass(frozen=True)
class Verdict:
    label: str  # fake | real | inconclusive | no_face
    score: float | None
    threshold: float  # the threshold applied to ``score`` by this strategy
    strategy: str
    frames_scored: int
    reason: str = ""
    cause: str = ""  # inconclusive: BAND or FEW_FRAMES
    track: int | None = None  # a video verdict: the track it was taken from


@dataclass(frozen=True)
class Coverage:
    """How much of the file the analysis saw, counted at its sampling (every Nth frame)."""

    announced: int  # frames the container announced
    sampled: int  # of those, the frames the analysis was to look at
    analysed: int  # sampled frames it reached (fewer when cancelled)
    decoded: int  # reached and decoded
    scored: int  # decoded, with at least one scored face
    decode_errors: int  # reached but not decoded: damaged, or past the end of a truncated stream
    read_to_end: bool  # every sampled frame reached, and the last one decoded
    end_frame: int | None = None  # a stream cut short: the first of the frames it did not deliver

    @property
    def share_decoded(self) -> float:
        return self.decoded / self.sampled if self.sampled else 0.0

    @property
    def share_scored(self) -> float:
        return self.scored / self.sampled if self.sampled else 0.0

    @property
    def whole(self) -> bool:
        """Every sampled frame of the file was reached and decoded."""
        return self.read_to_end and self.decode_errors == 0 and self.analysed >= self.sampled

    @classmethod
    def of(cls, frames, announced: int, every: int) -> Coverage:
        sampled = max((announced + every - 1) // every, len(frames))
        errors = [f for f in frames if f.status == DECODE_ERROR]
        tail = None  # the run of undecodable frames the file ends with
        for f in reversed(frames):
            if f.status != DECODE_ERROR:
                break
            tail = f.index
        reached_end = bool(frames) and frames[-1].index + every >= announced
        return cls(
            announced=announced,
            sampled=sampled,
            analysed=len(frames),
            decoded=len(frames) - len(errors),
            scored=sum(1 for f in frames if f.score is not None),
            decode_errors=len(errors),
            read_to_end=reached_end and tail is None,
            end_frame=tail if reached_end else None,
        )


@dataclass(frozen=True)
class TrackSummary:
    track: int
    first_frame: int
    last_frame: int
    frames_scored: int
    mean: float | None
    peak: float | None
    frames_above: int
    verdict: Verdict | None = None  # None in version 1 documents


@dataclass(frozen=True)
class ModelRef:
    id: str
    name: str
    architecture: str
    kind: str
    sha256: str
    threshold: float
    output: str = "p_fake"

    @classmethod
    def of(cls, bundle, sha256: str) -> ModelRef:
        """The reference to an installed bundle whose weights hash to ``sha256``."""
        c = bundle.card
        return cls(bundle.id, c.name, c.architecture, c.kind, sha256, c.threshold, c.output)


@dataclass(frozen=True)
class AnalysisResult:
    video: VideoInfo
    sha256: str
    model: ModelRef
    params: dict[str, Any]
    frames: tuple[FrameResult, ...]
    segments: tuple[Segment, ...]
    verdict: Verdict
    tracks: tuple[TrackSummary, ...] = ()
    complete: bool = True  # False when cancelled part-way
    warnings: tuple[str, ...] = ()
    started: str = ""
    finished: str = ""
    elapsed_s: float = 0.0
    provenance: dict[str, Any] = field(default_factory=dict)
    coverage: Coverage | None = None
    evidence_changed: bool = False  # the file's SHA-256 after the analysis differed from the one analysed
    from_cache: bool = field(default=False, compare=False)  # this run reused a stored result (not saved)

    @property
    def threshold(self) -> float:
        """The threshold this result was decided with (its parameters'), else its model card's."""
        t = self.params.get("threshold")
        return float(t) if isinstance(t, (int, float)) and not isinstance(t, bool) else float(self.model.threshold)

    def segments_of(self, track: int) -> tuple[Segment, ...]:
        return tuple(s for s in self.segments if s.track == track)

    def to_json(self) -> dict[str, Any]:
        video = asdict(self.video)
        video["sha256"] = self.sha256
        return {
            "schema": SCHEMA,
            "video": video,
            "model": asdict(self.model),
            "params": dict(self.params),
            "verdict": asdict(self.verdict),
            "coverage": None if self.coverage is None else asdict(self.coverage),
            "complete": self.complete,
            "evidence_changed": self.evidence_changed,
            "warnings": list(self.warnings),
            "started": self.started,
            "finished": self.finished,
            "elapsed_s": round(self.elapsed_s, 3),
            "provenance": dict(self.provenance),
            "tracks": [asdict(t) for t in self.tracks],
            "segments": [asdict(s) for s in self.segments],
            "frames": [
                {
                    "index": f.index,
                    "time_s": round(f.time_s, 6),
                    "score": f.score,
                    "status": f.status,
                    "faces": [
                        {"track": x.track, "box": list(x.box), "score": x.score, "detected": x.detected}
                        for x in f.faces
                    ],
                }
                for f in self.frames
            ],
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> AnalysisResult:
        if d.get("schema") not in READABLE_SCHEMAS:
            raise ValueError(f"not a {SCHEMA} document")
        video = dict(d["video"])
        sha = video.pop("sha256")
        result = cls(
            video=VideoInfo(**video),
            sha256=sha,
            model=ModelRef(**d["model"]),
            params=d["params"],
            frames=tuple(
                FrameResult(
                    f["index"],
                    f["time_s"],
                    f["score"],
                    f["status"],
                    tuple(FaceScore(x["track"], tuple(x["box"]), x["score"], x["detected"]) for x in f["faces"]),
                )
                for f in d["frames"]
            ),
            segments=tuple(Segment(**s) for s in d["segments"]),
            verdict=Verdict(**d["verdict"]),
            tracks=tuple(_track(t) for t in d.get("tracks", [])),
            complete=d.get("complete", True),
            warnings=tuple(d.get("warnings", [])),
            started=d.get("started", ""),
            finished=d.get("finished", ""),
            elapsed_s=d.get("elapsed_s", 0.0),
            provenance=d.get("provenance", {}),
            # documents written before the field existed said it only in a warning's words
            evidence_changed=bool(d.get("evidence_changed",
                                        any(w.startswith(EVIDENCE_CHANGED_WARNING) for w in d.get("warnings", [])))),
        )
        if d.get("coverage"):
            return replace(result, coverage=Coverage(**d["coverage"]))
        return replace(result, coverage=Coverage.of(result.frames, result.video.frames,
                                                    int(result.params.get("every", 1))))


def _track(d: dict[str, Any]) -> TrackSummary:
    d = dict(d)
    v = d.pop("verdict", None)
    return TrackSummary(**d, verdict=None if v is None else Verdict(**v))


CSV_COLUMNS = ["frame", "time_s", "frame_score", "status", "track", "x0", "y0", "x1", "y1", "face_score", "detected",
               "track_verdict"]


def _fmt(v: float | None) -> str:
    return "" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.6f}"


def to_csv(result: AnalysisResult) -> str:
    """One row per sampled frame and face; a frame without faces has one row with empty face columns.

    ``track_verdict`` is the verdict of the face's whole track, so a filter on it keeps one person.
    """
    labels = {t.track: t.verdict.label for t in result.tracks if t.verdict is not None}
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for f in result.frames:
        base = [f.index, f"{f.time_s:.6f}", _fmt(f.score), f.status]
        if not f.faces:
            w.writerow(base + [""] * 8)
        for x in f.faces:
            w.writerow(base + [x.track, *x.box, _fmt(x.score), int(x.detected), labels.get(x.track, "")])
    return buf.getvalue()
