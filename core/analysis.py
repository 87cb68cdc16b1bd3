"""The engine: a video file in, per-frame and per-face fake probabilities out.

Pipeline, per chunk of sampled frames: in a producer thread, decode (grabbing the frames in
between) and MTCNN on every ``detect_every``-th sampled frame as one batch; in the caller's
thread, the tracker for the rest, square crops and batched scoring. After each chunk the
caller gets the frames finished so far and is asked whether to stop, so cancel takes effect
within a chunk (about half a second here) and results stream while the analysis runs.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from core import cache
from core.aggregate import BAND_DEFAULT, MIN_FRAMES_DEFAULT
from core.decide import Rules, decide
from core.faces import FaceDetector, box_side, crop_face
from core.hashing import sha256_file
from core.models.bundle import BundleInfo, resolve
from core.models.scorer import Scorer
from core.provenance import annotate
from core.provenance import environment as provenance
from core.result import (
    DECODE_ERROR,
    FACE_TOO_SMALL,
    NO_FACE,
    SCORED,
    AnalysisResult,
    Coverage,
    FaceScore,
    FrameResult,
    ModelRef,
)
from core.segments import SegmentRules
from core.sequence import TrackWindows
from core.tracking import TrackedFace, Tracker
from core.video import VideoInfo, container_warnings, iter_frames, probe

# Parameters that turn scores into segments and verdicts: changing them re-decides, never re-scores.
DECISION_PARAMS = ("threshold", "strategy", "band", "min_track_s", "min_frames", "segments")


@dataclass(frozen=True)
class AnalysisParams:
    every: int = 1  # analyse every Nth frame
    # Run MTCNN on every Kth analysed frame and track in between. None: K is chosen from the
    # frame rate so detection runs every ``detect_interval_s`` of video (tracking error grows
    # with time, not frame count).
    detect_every: int | None = None
    detect_interval_s: float = 0.25
    detect_width: int = 640  # MTCNN runs on a copy this wide
    min_confidence: float = 0.9  # MTCNN face confidence
    margin: float | None = None  # None: the model card's
    min_face_px: int | None = None  # None: the model card's
    threshold: float | None = None  # None: the model card's
    strategy: str = "mean"
    band: float = BAND_DEFAULT  # sureness under which a verdict is inconclusive
    # A face track decides the video only when scored on this much video (and at least 3 frames).
    min_track_s: float = 0.5
    min_frames: int | None = None  # None: from min_track_s and the frame rate
    segments: SegmentRules = field(default_factory=SegmentRules)
    max_faces: int = 8  # per frame, largest first

    def resolved(self, info: BundleInfo, fps: float) -> AnalysisParams:
        """Every default filled in: from the model card and the video's frame rate."""
        c = info.card
        auto_k = max(1, round(self.detect_interval_s * fps / self.every))
        return replace(
            self,
            detect_every=auto_k if self.detect_every is None else self.detect_every,
            margin=c.face_margin if self.margin is None else self.margin,
            min_face_px=c.min_face_px if self.min_face_px is None else self.min_face_px,
            threshold=c.threshold if self.threshold is None else self.threshold,
            min_frames=(max(MIN_FRAMES_DEFAULT, round(self.min_track_s * fps / self.every))
                        if self.min_frames is None else self.min_frames),
        )

    def to_json(self) -> dict:
        d = asdict(self)
        d["segments"] = self.segments.to_json()
        return d

    def scoring_json(self) -> dict:
        """The parameters that decide the scores (the cache key); the rest only decide the verdict."""
        return {k: v for k, v in self.to_json().items() if k not in DECISION_PARAMS}

    @classmethod
    def from_json(cls, d: dict) -> AnalysisParams:
        d = dict(d)
        d["segments"] = SegmentRules(**d.get("segments", {}))
        return cls(**d)


@dataclass(frozen=True)
class Progress:
    stage: str  # "hashing" | "loading" | "analysing" | "done"
    done: int  # sampled frames finished
    total: int  # sampled frames expected
    elapsed_s: float
    eta_s: float | None
    frames: tuple[FrameResult, ...] = ()  # finished since the last report


ProgressFn = Callable[[Progress], None]
CancelFn = Callable[[], bool]

# Frames per chunk. MTCNN is the dominant cost and runs several times faster per frame in
# batches, so chunks are large; the first ones are small so the first scores show at once.
# A chunk of 32 takes about half a second here, which bounds the cancel latency.
CHUNK_SIZES = (8, 16, 32)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _producer(path: str, p: AnalysisParams, fps: float, detector: FaceDetector,
              stop: threading.Event) -> Iterator[tuple[list, dict]]:
    """Chunks of (index, time_s, rgb) with MTCNN's faces for the chunk's detection frames.

    Decoding and detection run in a background thread, so they overlap with tracking and
    scoring in the caller (OpenCV and TensorFlow release the GIL while they work).
    """
    q: queue.Queue = queue.Queue(maxsize=2)
    done = object()

    def emit(batch, sampled):
        at = [i for i, (_, _, rgb) in enumerate(batch) if rgb is not None and (sampled + i) % p.detect_every == 0]
        found = detector.detect([batch[i][2] for i in at])
        q.put((batch, dict(zip(at, found, strict=True))))

    def run():
        batch, sizes, sampled = [], list(CHUNK_SIZES), 0
        try:
            for item in iter_frames(path, every=p.every, fps=fps):
                if stop.is_set():
                    break
                batch.append(item)
                if len(batch) == sizes[0]:
                    emit(batch, sampled)
                    sampled += len(batch)
                    batch = []
                    if len(sizes) > 1:
                        sizes.pop(0)
            if batch and not stop.is_set():
                emit(batch, sampled)
            q.put(done)
        except Exception as exc:  # handed to the consumer, which re-raises it
            q.put(exc)

    t = threading.Thread(target=run, name="decode-detect", daemon=True)
    t.start()
    try:
        while True:
            item = q.get()
            if item is done:
                return
            if isinstance(item, Exception):
                raise item
            yield item
    finally:
        stop.set()
        while t.is_alive():  # unblock a put() waiting on a full queue
            try:
                q.get_nowait()
            except queue.Empty:
                t.join(0.05)


class Engine:
    """Holds a loaded model and face detector so several videos share them."""

    def __init__(self, model: str | BundleInfo | None = None, detector: FaceDetector | None = None,
                 batch_size: int = 32):
        self.bundle = model if isinstance(model, BundleInfo) else resolve(model)
        self.scorer = Scorer(self.bundle, batch_size=batch_size)
        self._detector = detector
        self.model_sha256 = self.bundle.weights_sha256()

    def detector(self, detect_width: int, min_confidence: float) -> FaceDetector:
        d = self._detector
        if d is None or d.detect_width != detect_width or d.min_confidence != min_confidence:
            d = self._detector = FaceDetector(detect_width, min_confidence)
        return d

    def model_ref(self) -> ModelRef:
        c = self.bundle.card
        return ModelRef(self.bundle.id, c.name, c.architecture, c.kind, self.model_sha256, c.threshold, c.output)

    def analyze(
        self,
        video_path: str | Path,
        params: AnalysisParams = AnalysisParams(),
        progress: ProgressFn | None = None,
        should_cancel: CancelFn | None = None,
        use_cache: bool = True,
        video_sha256: str | None = None,
    ) -> AnalysisResult:
        report = progress or (lambda p: None)
        cancelled = should_cancel or (lambda: False)
        started, t0 = _now(), time.perf_counter()
        info = probe(video_path)
        report(Progress("hashing", 0, 0, 0.0, None))
        sha = video_sha256 or sha256_file(info.path)
        p = params.resolved(self.bundle, info.fps)
        key = result_key(sha, self.model_sha256, p)
        if use_cache:
            hit = stored_result(key, p, info.path)
            if hit is not None:
                report(Progress("done", len(hit.frames), len(hit.frames), 0.0, 0.0, hit.frames))
                return hit

        run = _Run(self, info, p)
        total = (info.frames + p.every - 1) // p.every
        stop = threading.Event()
        all_frames: list[FrameResult] = []
        complete = True
        detector = self.detector(p.detect_width, p.min_confidence)
        for chunk, detections in _producer(info.path, p, info.fps, detector, stop):
            finished = run.process(chunk, detections)
            all_frames.extend(finished)
            elapsed = time.perf_counter() - t0
            done = len(all_frames) + len(run.pending)
            eta = elapsed / done * max(total - done, 0) if done else None
            report(Progress("analysing", done, max(total, done), elapsed, eta, tuple(finished)))
            if cancelled():
                complete = False
                stop.set()
                break
        if complete:
            tail = run.finish()
        else:
            tail = run.drop_pending()
        all_frames.extend(tail)

        warnings = [*container_warnings(info), *run.warnings]
        if complete:
            missing, note = missing_tail(info, p.every, all_frames[-1].index if all_frames else -1)
            tail.extend(missing)
            all_frames.extend(missing)
            if note:
                warnings.append(note)
        sha_after = sha256_file(info.path)
        if sha_after != sha:
            warnings.append(f"EVIDENCE CHANGED during analysis: SHA-256 was {sha}, is now {sha_after}.")
        result = build_result(
            info, sha, self.model_ref(), p, all_frames, complete, warnings, started, time.perf_counter() - t0
        )
        result = replace(result, evidence_changed=sha_after != sha)
        result = annotate(result, card=self.bundle.card)  # the card's training summary, with every analysis
        report(Progress("done", len(all_frames), len(all_frames), result.elapsed_s, 0.0, tuple(tail)))
        if complete and use_cache and sha_after == sha:
            cache.store(key, result)
        return result


def result_key(video_sha256: str, model_sha256: str, resolved: AnalysisParams) -> str:
    """The one cache key of an analysis: the file, the weights and the parameters that decide the scores
    (``resolved``: after :meth:`AnalysisParams.resolved`; the decision rules are not part of it)."""
    return cache.key(video_sha256, model_sha256, resolved.scoring_json())


def stored_result(key: str, resolved: AnalysisParams, video_path: str | None = None) -> AnalysisResult | None:
    """The stored analysis under ``key``, decided by ``resolved``'s rules and marked ``from_cache``;
    with ``video_path`` it names that path (the same file may have moved)."""
    hit = cache.load(key)
    if hit is None:
        return None
    if video_path is not None:
        hit = replace(hit, video=replace(hit.video, path=str(video_path)))
    return decided_as(replace(hit, from_cache=True), resolved)


def decided_as(result: AnalysisResult, p: AnalysisParams) -> AnalysisResult:
    """A stored result (same scores) decided with ``p``'s threshold, strategy and rules."""
    params = {**result.params, **{k: v for k, v in p.to_json().items() if k in DECISION_PARAMS}}
    if params == result.params:
        return result
    d = decide(result.frames, p.threshold, Rules.of(params))
    return replace(result, params=params, segments=d.segments, verdict=d.verdict, tracks=d.tracks)


# A stream this few frames short of the announced count is taken as the container's estimate
# (Matroska and WebM give a count from the duration), not as truncation.
COUNT_SLACK = 2
MAX_MARKED = 1_000_000  # frames past a truncation marked one by one; a count beyond this is not believed


def missing_tail(info: VideoInfo, every: int, last: int) -> tuple[list[FrameResult], str]:
    """The sampled frames the container announced past ``last``, the stream's last frame, as decode errors."""
    if info.declared_frames is not None:
        return [], ""  # no count announced: nothing known to be missing
    short = info.frames - (last + 1)
    if short <= 0:
        return [], ""
    if short <= COUNT_SLACK:
        return [], (f"The stream held {last + 1} frames; the container announced {info.frames}, "
                    "a difference within what container estimates are off by.")
    indices = range(last + 1 + (-(last + 1)) % every, info.frames, every)
    note = (f"The stream ends at frame {last + 1} of the {info.frames} the container announced "
            f"({100 * (last + 1) / info.frames:.0f} %): the file is truncated or damaged, and frames "
            f"{last + 1}-{info.frames - 1} could not be read.")
    if len(indices) > MAX_MARKED:
        return [], note + " (The announced count is too large to mark each missing frame.)"
    return [FrameResult(i, i / info.fps, None, DECODE_ERROR) for i in indices], note


def build_result(info: VideoInfo, sha: str, model: ModelRef, p: AnalysisParams, frames, complete: bool,
                 warnings, started: str, elapsed: float) -> AnalysisResult:
    frames = tuple(sorted(frames, key=lambda f: f.index))
    params = p.to_json()
    d = decide(frames, p.threshold, Rules.of(params))
    return AnalysisResult(
        video=info,
        sha256=sha,
        model=model,
        params=params,
        frames=frames,
        segments=d.segments,
        verdict=d.verdict,
        tracks=d.tracks,
        coverage=Coverage.of(frames, info.frames, p.every),
        complete=complete,
        warnings=tuple(warnings),
        started=started,
        finished=_now(),
        elapsed_s=elapsed,
        provenance=provenance(),
    )


@dataclass
class _Pending:
    index: int
    time_s: float
    status: str
    faces: list  # [TrackedFace, score-or-None, too_small, (windows, position) or None]


class _Run:
    """The state of one analysis: tracker, per-track windows and frames awaiting scores."""

    def __init__(self, engine: Engine, info: VideoInfo, p: AnalysisParams):
        self.scorer = engine.scorer
        self.card = engine.bundle.card
        self.info, self.p = info, p
        self.tracker = Tracker()
        self.pending: list[_Pending] = []
        self.windows: dict[int, TrackWindows] = {}
        self.warnings: list[str] = []

    # -- per chunk ----------------------------------------------------------------------
    def process(self, chunk, by_pos: dict) -> list[FrameResult]:
        """Track and score one chunk; ``by_pos`` maps chunk positions to their detections."""
        p = self.p
        crops, owners = [], []
        for i, (index, time_s, rgb) in enumerate(chunk):
            if rgb is None:
                self.pending.append(_Pending(index, time_s, DECODE_ERROR, []))
                continue
            h, w = rgb.shape[:2]
            if i in by_pos:
                faces, ended = self.tracker.update(index, by_pos[i][: p.max_faces])
                self._close_tracks(ended)
            else:
                faces = self.tracker.carry(index, (w, h))
            entry = _Pending(index, time_s, NO_FACE, [])
            for face in faces:
                small = box_side(face.box) < p.min_face_px
                slot = [face, None, small, None]
                entry.faces.append(slot)
                if not small:
                    crops.append(crop_face(rgb, face.box, p.margin, self.card.input_size))
                    owners.append(slot)
            if entry.faces:
                entry.status = SCORED if any(not s[2] for s in entry.faces) else FACE_TOO_SMALL
            self.pending.append(entry)
        if crops:
            self._score(np.stack(crops), owners)
        return self._pop_final()

    def _score(self, crops: np.ndarray, owners: list) -> None:
        if not self.scorer.is_sequence:
            for slot, s in zip(owners, self.scorer.score_crops(crops), strict=True):
                slot[1] = float(s)
            return
        feats = self.scorer.encode_crops(crops)
        c = self.card
        for slot, f in zip(owners, feats, strict=True):
            track = slot[0].track
            tw = self.windows.get(track)
            if tw is None:
                tw = self.windows[track] = TrackWindows(c.sequence_length, c.sequence_hop or c.sequence_length)
            slot[3] = (tw, tw.add(f))
        self._score_windows([(tw, s) for tw in self.windows.values() for s in tw.due_windows()])

    def _score_windows(self, due: list) -> None:
        if not due:
            return
        scores = self.scorer.score_windows(np.stack([tw.window(s) for tw, s in due]))
        for (tw, s), score in zip(due, scores, strict=True):
            tw.record(s, float(score))

    def _close_tracks(self, ids) -> None:
        due = []
        for track in ids:
            tw = self.windows.pop(track, None)
            if tw is not None:
                start = tw.tail_window()
                if start is not None:
                    due.append((tw, start))
        self._score_windows(due)

    # -- emitting frames ----------------------------------------------------------------
    @staticmethod
    def _slot_final(slot) -> bool:
        return slot[2] or slot[3] is None or slot[3][0].is_final(slot[3][1])

    def _pop_final(self) -> list[FrameResult]:
        out = []
        while self.pending and all(self._slot_final(s) for s in self.pending[0].faces):
            out.append(self._to_result(self.pending.pop(0)))
        return out

    def _to_result(self, e: _Pending) -> FrameResult:
        faces = []
        for face, score, small, seq in e.faces:
            if seq is not None:
                score = seq[0].score(seq[1])
            faces.append(FaceScore(face.track, _int_box(face), None if small else score, face.detected))
        scores = [f.score for f in faces if f.score is not None]
        return FrameResult(e.index, e.time_s, max(scores) if scores else None, e.status, tuple(faces))

    def finish(self) -> list[FrameResult]:
        self._close_tracks(list(self.windows))
        return self._pop_final()

    def drop_pending(self) -> list[FrameResult]:
        """On cancel: frames whose scores are final are kept; the rest are dropped."""
        out = self._pop_final()
        self.pending.clear()
        return out


def _int_box(face: TrackedFace) -> tuple[int, int, int, int]:
    return tuple(int(round(v)) for v in face.box)


def analyze(video_path, model: str | BundleInfo | None = None, params: AnalysisParams = AnalysisParams(),
            progress: ProgressFn | None = None, should_cancel: CancelFn | None = None,
            use_cache: bool = True) -> AnalysisResult:
    """One-shot convenience: load the model, analyse one video."""
    return Engine(model).analyze(video_path, params, progress, should_cancel, use_cache)
