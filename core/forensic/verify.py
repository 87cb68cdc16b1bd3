"""Reproducing a recorded analysis: same model (checked by weights SHA-256), same parameters,
no cache, and a frame-by-frame comparison of what comes out.

On the same build (app, Python, TensorFlow, Keras, OpenCV, mtcnn, NumPy, OS and device all as
recorded) the scores must be bit-identical: the same decoder delivers the same pixels and the
same compiled model computes the same floats. When any of those differ, scores may differ in
the last bits (other kernels, other instruction sets), so they are compared with an absolute
tolerance (default :data:`DEFAULT_TOLERANCE`) which the report states. Frame statuses, face
tracks and boxes, segments and the verdict label must match in both cases.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from core.decide import Rules, decide, verdict_text
from core.errors import ResultFileInvalid
from core.forensic import audit, record
from core.forensic.integrity import hash_evidence
from core.forensic.provenance import environment, same_build
from core.result import AnalysisResult

DEFAULT_TOLERANCE = 1e-6  # absolute, on P(fake), when the build differs
MAX_LISTED = 20


def read_result(path: str | os.PathLike) -> AnalysisResult:
    """An analysis JSON (as written beside a report or by ``analyze --json``)."""
    p = Path(path)
    try:
        return AnalysisResult.from_json(json.loads(p.read_text(encoding="utf-8")))
    except FileNotFoundError as exc:
        raise ResultFileInvalid(f"No analysis file at {p}.") from exc
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        raise ResultFileInvalid(f"{p.name} is not a Deepfake Inspector analysis result ({exc}).") from exc


@dataclass(frozen=True)
class Difference:
    frame: int
    what: str  # "status" | "faces" | "score" | "missing" | "extra"
    recorded: str
    now: str


@dataclass(frozen=True)
class VerifyReport:
    video_path: str
    video_sha256_recorded: str
    video_sha256_now: str
    model_id: str
    model_sha256_recorded: str
    model_sha256_now: str
    build_differences: tuple[str, ...]  # environment keys that differ from the recorded ones
    tolerance: float  # 0.0: bit-identical required
    frames_recorded: int = 0
    frames_compared: int = 0
    scores_compared: int = 0
    scores_identical: int = 0  # bit for bit
    max_abs_diff: float = 0.0
    differences: tuple[Difference, ...] = ()  # the first MAX_LISTED
    difference_count: int = 0
    verdict_recorded: str = ""
    verdict_now: str = ""
    segments_recorded: int = 0
    segments_now: int = 0
    segments_match: bool = False
    rerun_complete: bool = False
    audit_recorded: bool = False  # the result carries the audit log's head after its own entry
    audit_problem: str | None = None  # what is wrong with that entry now (None: still there)
    rerun: AnalysisResult | None = field(default=None, compare=False)

    @property
    def video_matches(self) -> bool:
        return self.video_sha256_now == self.video_sha256_recorded

    @property
    def model_matches(self) -> bool:
        return self.model_sha256_now == self.model_sha256_recorded

    @property
    def same_build(self) -> bool:
        return not self.build_differences

    @property
    def scores_match(self) -> bool:
        return (self.rerun is not None and self.rerun_complete and self.difference_count == 0
                and self.segments_match and self.verdict_now == self.verdict_recorded)

    @property
    def ok(self) -> bool:
        return self.video_matches and self.model_matches and self.scores_match

    def lines(self) -> list[str]:
        """The outcome in words, one fact a line."""
        def mark(ok: bool) -> str:
            return "MATCH" if ok else "DIFFERENT"

        out = [
            f"Evidence  {self.video_path}",
            f"  SHA-256 recorded  {self.video_sha256_recorded}",
            f"  SHA-256 now       {self.video_sha256_now}  {mark(self.video_matches)}",
            f"Model     {self.model_id}",
            f"  weights SHA-256 recorded  {self.model_sha256_recorded}",
            f"  weights SHA-256 now       {self.model_sha256_now}  {mark(self.model_matches)}",
        ]
        if not self.model_matches:
            out.append("  The installed model is not the recorded one: the analysis was not run again.")
            out.append("RESULT: NOT VERIFIED (different model weights)")
            return out
        if self.same_build:
            out.append("Build     same as recorded: scores must be bit-identical (tolerance 0)")
        else:
            out.append(f"Build     differs from the recorded one in: {', '.join(self.build_differences)}")
            out.append(f"          scores compared with an absolute tolerance of {self.tolerance:g}")
        out.append(f"Frames    {self.frames_recorded} recorded, {self.frames_compared} compared, "
                   f"{self.scores_compared} scores compared, {self.scores_identical} bit-identical, "
                   f"largest difference {self.max_abs_diff:.3g}")
        if not self.rerun_complete:
            out.append("          the re-analysis did not finish")
        for d in self.differences:
            out.append(f"  frame {d.frame}: {d.what} recorded {d.recorded}, now {d.now}")
        if self.difference_count > len(self.differences):
            out.append(f"  ... and {self.difference_count - len(self.differences)} more differences")
        out.append(f"Verdict   recorded {self.verdict_recorded}, now {self.verdict_now}  "
                   f"{mark(self.verdict_now == self.verdict_recorded)}")
        out.append(f"Segments  recorded {self.segments_recorded}, now {self.segments_now}  {mark(self.segments_match)}")
        if self.audit_recorded and self.audit_problem == audit.ELSEWHERE:
            out.append("Audit log the analysis was recorded in another audit log (another machine or user): "
                       "not checkable here")
        elif self.audit_recorded:
            out.append("Audit log the entry recording this analysis is still there  MATCH" if not self.audit_problem
                       else f"Audit log {self.audit_problem}  DIFFERENT")
        else:
            out.append("Audit log the result records no audit log head (written before it was recorded)")
        if self.ok:
            out.append("RESULT: VERIFIED. The file is the analysed file and the analysis reproduces "
                       + ("bit for bit." if self.same_build else f"within {self.tolerance:g}."))
        else:
            why = []
            if not self.video_matches:
                why.append("the video is not the analysed file")
            if not self.scores_match:
                why.append("the analysis does not reproduce")
            out.append(f"RESULT: NOT VERIFIED ({'; '.join(why)})")
        return out

    def to_json(self) -> dict:
        return {
            "ok": self.ok,
            "video": {"path": self.video_path, "sha256_recorded": self.video_sha256_recorded,
                      "sha256_now": self.video_sha256_now, "matches": self.video_matches},
            "model": {"id": self.model_id, "sha256_recorded": self.model_sha256_recorded,
                      "sha256_now": self.model_sha256_now, "matches": self.model_matches},
            "build_differences": list(self.build_differences),
            "tolerance": self.tolerance,
            "frames_recorded": self.frames_recorded,
            "frames_compared": self.frames_compared,
            "scores_compared": self.scores_compared,
            "scores_identical": self.scores_identical,
            "max_abs_diff": self.max_abs_diff,
            "difference_count": self.difference_count,
            "differences": [d.__dict__ for d in self.differences],
            "verdict": {"recorded": self.verdict_recorded, "now": self.verdict_now},
            "segments": {"recorded": self.segments_recorded, "now": self.segments_now, "match": self.segments_match},
            "scores_match": self.scores_match,
            "audit": {"recorded": self.audit_recorded, "problem": self.audit_problem},
        }


def _faces_key(f) -> tuple:
    return tuple((x.track, tuple(x.box), x.detected, x.score is None) for x in f.faces)


def compare_results(recorded: AnalysisResult, now: AnalysisResult, tolerance: float) -> dict:
    """Frame-by-frame comparison; ``tolerance`` 0 means bit-identical."""
    rec = {f.index: f for f in recorded.frames}
    cur = {f.index: f for f in now.frames}
    diffs: list[Difference] = []
    compared = scores = identical = 0
    max_diff = 0.0
    for i in sorted(rec):
        a, b = rec[i], cur.get(i)
        if b is None:
            diffs.append(Difference(i, "missing", a.status, "not analysed"))
            continue
        compared += 1
        if a.status != b.status:
            diffs.append(Difference(i, "status", a.status, b.status))
            continue
        if _faces_key(a) != _faces_key(b):
            diffs.append(Difference(i, "faces", _faces_text(a), _faces_text(b)))
            continue
        # the model's outputs, per face (a frame's score is its highest face score)
        for sa, sb in ((x.score, y.score) for x, y in zip(a.faces, b.faces, strict=True)):
            if sa is None and sb is None:
                continue
            scores += 1
            d = abs(float(sa) - float(sb))
            max_diff = max(max_diff, d)
            if sa == sb:
                identical += 1
            elif d > tolerance:
                diffs.append(Difference(i, "score", repr(sa), repr(sb)))
    if recorded.complete:  # frames the re-run found that a complete recorded run did not have
        for i in sorted(set(cur) - set(rec)):
            diffs.append(Difference(i, "extra", "not recorded", cur[i].status))
    seg = lambda r: [(s.track, s.start_frame, s.end_frame, s.peak_frame) for s in r.segments]  # noqa: E731
    return dict(frames_compared=compared, scores_compared=scores, scores_identical=identical, max_abs_diff=max_diff,
                differences=tuple(diffs[:MAX_LISTED]), difference_count=len(diffs),
                segments_match=seg(recorded) == seg(now))


def _per_track(r: AnalysisResult) -> AnalysisResult:
    """A version 1 result decided per track from its own scores, so it compares with a run today."""
    if all(t.verdict is not None for t in r.tracks) and all(s.track is not None for s in r.segments):
        return r
    d = decide(r.frames, float(r.params.get("threshold", r.model.threshold)), Rules.of(r.params))
    return replace(r, segments=d.segments, tracks=d.tracks, verdict=d.verdict)


def _faces_text(f) -> str:
    return "; ".join(f"#{x.track} {list(x.box)}{'' if x.detected else ' (tracked)'}" for x in f.faces) or "none"


def verify(
    recorded: AnalysisResult,
    video_path: str | os.PathLike,
    *,
    model=None,
    detector=None,
    tolerance: float = DEFAULT_TOLERANCE,
    progress=None,
    should_cancel: Callable[[], bool] | None = None,
    log: audit.AuditLog | None = None,
) -> VerifyReport:
    """Hash ``video_path``, run the recorded analysis again and compare.

    ``model``: a BundleInfo or an id/folder to use instead of looking the recorded id up (its
    weights must still have the recorded SHA-256). ``detector``: a face detector to inject
    (tests); the real MTCNN otherwise. ``progress`` receives core.analysis.Progress values.
    """
    from core.analysis import AnalysisParams, Engine
    from core.models.bundle import BundleInfo, resolve

    log = log or audit.default_log()
    recorded = _per_track(recorded)
    bundle = model if isinstance(model, BundleInfo) else resolve(model or recorded.model.id)
    weights_now = bundle.weights_sha256()
    ev = hash_evidence(video_path, should_cancel=should_cancel)
    record.file_opened(ev, purpose="verify", log=log)
    diffs = tuple(same_build(recorded.provenance, environment()))
    tol = 0.0 if not diffs else float(tolerance)
    base = dict(
        video_path=ev.path,
        video_sha256_recorded=recorded.sha256,
        video_sha256_now=ev.sha256,
        model_id=recorded.model.id,
        model_sha256_recorded=recorded.model.sha256,
        model_sha256_now=weights_now,
        build_differences=diffs,
        tolerance=tol,
        frames_recorded=len(recorded.frames),
        verdict_recorded=verdict_text(recorded.verdict),
        segments_recorded=len(recorded.segments),
        audit_recorded=bool(recorded.provenance.get("audit_anchor")),
        audit_problem=audit.check_anchor(recorded.provenance.get("audit_anchor"), log),
    )
    if weights_now != recorded.model.sha256:
        report = VerifyReport(**base)
    else:
        params = AnalysisParams.from_json(recorded.params)
        engine = Engine(bundle, detector=detector)
        now = engine.analyze(video_path, params, progress=progress, should_cancel=should_cancel, use_cache=False,
                             video_sha256=ev.sha256)
        report = VerifyReport(**base, **compare_results(recorded, now, tol), verdict_now=verdict_text(now.verdict),
                              segments_now=len(now.segments), rerun_complete=now.complete, rerun=now)
    log.append(audit.VERIFY_FINISHED, path=ev.path, sha256=ev.sha256, ok=report.ok, video_matches=report.video_matches,
               model_matches=report.model_matches, scores_match=report.scores_match, tolerance=tol,
               max_abs_diff=report.max_abs_diff, differences=report.difference_count,
               audit_anchor=None if not report.audit_recorded else (report.audit_problem or "held"))
    return report
