"""A batch's output folder: where each video's results go, which are finished, and the rows of its summary.

``DIR/<rel>.json`` and ``DIR/<rel>.csv`` mirror each input's relative path (``cam1/day2/clip.mp4``
gives ``cam1/day2/clip.mp4.json``), so two files of the same name never share an output. The CSV
is written first and the JSON last, each atomically: a video is finished exactly when its JSON
is there, parses, is complete, and names the same file hash, model weights and parameters as
the run that finds it. Anything else (a damaged JSON, another model, other parameters) is redone.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from core.forensic.hashing import sha256_text

JSON, CSV = ".json", ".csv"
STATUSES = ("done", "skipped", "failed", "cancelled", "pending")


def result_paths(out: Path, rel: str) -> tuple[Path, Path]:
    """The JSON and CSV of the input at ``rel``."""
    base = Path(out, *rel.split("/"))
    return base.with_name(base.name + JSON), base.with_name(base.name + CSV)


def _normal(obj):
    return json.loads(json.dumps(obj))


def finished_doc(json_path: Path, sha256: str, model_sha256: str, params, bundle) -> tuple[dict, str] | None:
    """The stored result at ``json_path`` (parsed, and its text) when it finishes this video for
    this run, else None.

    ``params``: the run's :class:`~core.analysis.AnalysisParams` as asked (resolved here with the
    stored video's frame rate, as the engine resolves them)."""
    try:
        text = json_path.read_text(encoding="utf-8")
        doc = json.loads(text)
        video, model = doc["video"], doc["model"]
        same = (doc.get("complete") is True and video["sha256"] == sha256 and model["sha256"] == model_sha256
                and _normal(doc["params"]) == _normal(params.resolved(bundle, float(video["fps"])).to_json()))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return (doc, text) if same else None


@dataclass(frozen=True)
class BatchRow:
    """One input's line in the summary."""

    rel: str  # the input's path relative to the batch (what the outputs mirror)
    path: str  # where it was read
    sha256: str = ""
    status: str = "pending"  # one of STATUSES
    verdict: str = ""  # fake | real | inconclusive | no_face
    score: float | None = None
    tracks: str = ""  # "1: fake 0.93; 2: real 0.08"
    coverage: float | None = None  # share of the sampled frames decoded
    segments: int | None = None
    seconds: float | None = None  # analysis time (of the run that made the result)
    error: str = ""  # exception type
    message: str = ""
    result: str = ""  # the JSON's path relative to the output folder
    result_sha256: str = ""
    host: str = ""
    evidence_changed: bool = False  # the file's hash after its analysis differed from the manifest's

    def to_json(self) -> dict:
        return asdict(self)


def _said(v: dict) -> str:
    return v["label"] + ("" if v["score"] is None else f" {v['score']:.3f}")


def row_from_doc(rel: str, path: str, doc: dict, text: str, status: str) -> BatchRow:
    """The row of a finished video; ``text``: its JSON file's text (hashed into the row)."""
    v = doc["verdict"]
    tracks = "; ".join(f"{t['track']}: {_said(t['verdict'])}" for t in doc.get("tracks", []) if t.get("verdict"))
    cov = doc.get("coverage") or {}
    share = cov["decoded"] / cov["sampled"] if cov.get("sampled") else None
    return BatchRow(rel=rel, path=path, sha256=doc["video"]["sha256"], status=status, verdict=v["label"],
                    score=v["score"], tracks=tracks, coverage=share, segments=len(doc.get("segments", [])),
                    seconds=doc.get("elapsed_s"), result=rel + JSON, result_sha256=sha256_text(text),
                    host=str(doc.get("provenance", {}).get("host", "")),
                    evidence_changed=bool(doc.get("evidence_changed")))
