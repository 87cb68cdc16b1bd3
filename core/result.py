"""What an analysis produces, as frozen values that cross to the GUI and serialise to JSON.

The JSON document (schema ``deepfake-inspector/analysis@1``) is what the command line writes,
the cache stores and reports reference.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import asdict, dataclass, field
from typing import Any

from core.video import VideoInfo

SCHEMA = "deepfake-inspector/analysis@1"

# Frame status: why a sampled frame has (or has no) score.
SCORED = "scored"
NO_FACE = "no_face"
FACE_TOO_SMALL = "face_too_small"
DECODE_ERROR = "decode_error"
STATUSES = (SCORED, NO_FACE, FACE_TOO_SMALL, DECODE_ERROR)


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


@dataclass(frozen=True)
class Verdict:
    label: str  # fake | real | inconclusive | no_face
    score: float | None
    threshold: float  # the threshold applied to ``score`` by this strategy
    strategy: str
    frames_scored: int
    reason: str = ""


@dataclass(frozen=True)
class TrackSummary:
    track: int
    first_frame: int
    last_frame: int
    frames_scored: int
    mean: float | None
    peak: float | None
    frames_above: int


@dataclass(frozen=True)
class ModelRef:
    id: str
    name: str
    architecture: str
    kind: str
    sha256: str
    threshold: float
    output: str = "p_fake"


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

    def to_json(self) -> dict[str, Any]:
        video = asdict(self.video)
        video["sha256"] = self.sha256
        return {
            "schema": SCHEMA,
            "video": video,
            "model": asdict(self.model),
            "params": dict(self.params),
            "verdict": asdict(self.verdict),
            "complete": self.complete,
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
        if d.get("schema") != SCHEMA:
            raise ValueError(f"not a {SCHEMA} document")
        video = dict(d["video"])
        sha = video.pop("sha256")
        return cls(
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
            tracks=tuple(TrackSummary(**t) for t in d.get("tracks", [])),
            complete=d.get("complete", True),
            warnings=tuple(d.get("warnings", [])),
            started=d.get("started", ""),
            finished=d.get("finished", ""),
            elapsed_s=d.get("elapsed_s", 0.0),
            provenance=d.get("provenance", {}),
        )


CSV_COLUMNS = ["frame", "time_s", "frame_score", "status", "track", "x0", "y0", "x1", "y1", "face_score", "detected"]


def _fmt(v: float | None) -> str:
    return "" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.6f}"


def to_csv(result: AnalysisResult) -> str:
    """One row per sampled frame and face; a frame without faces has one row with empty face columns."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for f in result.frames:
        base = [f.index, f"{f.time_s:.6f}", _fmt(f.score), f.status]
        if not f.faces:
            w.writerow(base + [""] * 7)
        for x in f.faces:
            w.writerow(base + [x.track, *x.box, _fmt(x.score), int(x.detected)])
    return buf.getvalue()
