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

from core import cache
from core.aggregate import BAND_DEFAULT, MIN_FRAMES_DEFAULT
from core.decide import Rules, decide
from core.faces import FaceDetector
from core.forensic.hashing import sha256_file
from core.forensic.provenance import annotate
from core.forensic.provenance import environment as provenance
from core.jobs import CancelFn, JobProgress
from core.model_run import ModelRun, track_chunk
from core.models.bundle import BundleInfo, resolve
from core.models.registry import SEQUENCE
from core.models.scorer import Scorer
from core.result import DECODE_ERROR, EVIDENCE_CHANGED_WARNING, AnalysisResult, Coverage, FrameResult, ModelRef
from core.segments import SegmentRules
from core.sequence import spacing_warning
from core.tracking import Tracker
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
class Progress(JobProgress):
    """An analysis's progress (``stage``: hashing, loading, analysing, done; ``done`` of ``total``
    sampled frames), with the frames finished since the last report: the partial result."""

    frames: tuple[FrameResult, ...] = ()  # finished since the last report
    # With several models (:func:`analyze_together`): the further models' frames finished since
    # the last report, one tuple per further model; ``frames`` is the first model's.
    others: tuple[tuple[FrameResult, ...], ...] = ()


ProgressFn = Callable[[Progress], None]

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
        return ModelRef.of(self.bundle, self.model_sha256)

    def analyze(
        self,
        video_path: str | Path,
        params: AnalysisParams = AnalysisParams(),
        progress: ProgressFn | None = None,
        should_cancel: CancelFn | None = None,
        use_cache: bool = True,
        video_sha256: str | None = None,
    ) -> AnalysisResult:
        return analyze_together(video_path, [self], params, progress, should_cancel, use_cache, video_sha256)[0]


def companion_params(params: AnalysisParams) -> AnalysisParams:
    """The parameters a second model analyses with beside the first: the same sampling and face
    detection, but its own card's margin, minimum face size and (calibrated) threshold."""
    return replace(params, margin=None, min_face_px=None, threshold=None)


def resolved_for(engines, params: AnalysisParams, fps: float) -> list[AnalysisParams]:
    """The parameters each engine analyses with: ``params`` for the first, :func:`companion_params`
    for the others, each resolved against its own card and the video's frame rate."""
    return [(params if i == 0 else companion_params(params)).resolved(e.bundle, fps) for i, e in enumerate(engines)]


MAX_COMPARED = 2  # further models beside the chosen one in one pass (the window, --compare, the report's colours)

# Parameters that must be equal for models to share one decode, detection and tracking pass.
SHARED_PARAMS = ("every", "detect_every", "detect_width", "min_confidence", "max_faces")


def analyze_together(
    video_path: str | Path,
    engines,
    params: AnalysisParams = AnalysisParams(),
    progress: ProgressFn | None = None,
    should_cancel: CancelFn | None = None,
    use_cache: bool = True,
    video_sha256: str | None = None,
    rehash: Callable[[], str | None] | None = None,
    info: VideoInfo | None = None,
    resolved: list[AnalysisParams] | None = None,
) -> tuple[AnalysisResult, ...]:
    """Analyse one video with several models in one pass: one decode, one face detection and
    tracking; each model crops and scores the same tracked faces. Returns one result per engine,
    in order. Results and the cache are per model: a model with a stored result is not scored
    again, so adding a model later scores only that one. The first engine takes ``params`` as
    given; the others take :func:`companion_params`. ``progress`` reports the first model's new
    frames in ``frames`` and the others' in ``others`` (one tuple per further engine). ``rehash``:
    how the file is hashed again after the pass, returning its SHA-256 or None when it is gone (the
    caller's integrity check, so the file is read once after the pass; default: SHA-256 here). ``info``:
    the caller's probe of the file, so it is probed once. ``resolved``: the caller's
    :func:`resolved_for` of these engines, the parameters it logged, so they are the ones used."""
    engines = list(engines)
    if not engines:
        raise ValueError("analyze_together needs at least one engine")
    report = progress or (lambda p: None)
    cancelled = should_cancel or (lambda: False)
    started, t0 = _now(), time.perf_counter()
    info = info or probe(video_path)
    report(Progress("hashing", 0, 0, 0.0, None))
    sha = video_sha256 or sha256_file(info.path)
    resolved = resolved if resolved is not None else resolved_for(engines, params, info.fps)
    keys = [result_key(sha, e.model_sha256, p) for e, p in zip(engines, resolved, strict=True)]
    results: list[AnalysisResult | None] = [
        stored_result(k, p, info.path) if use_cache else None for k, p in zip(keys, resolved, strict=True)]
    todo = [i for i, r in enumerate(results) if r is None]
    n = len(engines)

    def lanes(by_model: dict[int, tuple]) -> tuple[tuple, tuple]:
        per = [by_model.get(i, ()) for i in range(n)]
        return per[0], tuple(per[1:])

    if not todo:
        first, others = lanes({i: r.frames for i, r in enumerate(results)})
        report(Progress("done", len(first), len(first), 0.0, 0.0, first, others))
        return tuple(results)
    if any(r is not None for r in results):  # stored ones show at once, beside the live ones
        first, others = lanes({i: r.frames for i, r in enumerate(results) if r is not None})
        report(Progress("analysing", 0, 0, 0.0, None, first, others))

    lead = resolved[todo[0]]
    for i in todo[1:]:
        differ = [k for k in SHARED_PARAMS if getattr(resolved[i], k) != getattr(lead, k)]
        if differ:
            raise ValueError(f"models analysed together must share {', '.join(differ)}")
    runs = {i: ModelRun(engines[i].scorer, engines[i].bundle.card.contract, resolved[i].margin, resolved[i].min_face_px)
            for i in todo}
    for i in todo:
        contract = runs[i].contract
        note = spacing_warning(contract.sequence_step, lead.every) if contract.kind == SEQUENCE else None
        if note:
            runs[i].warnings.append(note)
    frames: dict[int, list[FrameResult]] = {i: [] for i in todo}
    tracker = Tracker()
    total = (info.frames + lead.every - 1) // lead.every
    stop = threading.Event()
    complete = True
    detector = engines[todo[0]].detector(lead.detect_width, lead.min_confidence)
    for chunk, detections in _producer(info.path, lead, info.fps, detector, stop):
        tracked = track_chunk(chunk, detections, tracker, lead.max_faces)
        finished = {i: runs[i].process(tracked) for i in todo}
        for i in todo:
            frames[i].extend(finished[i])
        elapsed = time.perf_counter() - t0
        head = todo[0]
        done = len(frames[head]) + len(runs[head].pending)
        eta = elapsed / done * max(total - done, 0) if done else None
        first, others = lanes({i: tuple(f) for i, f in finished.items()})
        report(Progress("analysing", done, max(total, done), elapsed, eta, first, others))
        if cancelled():
            complete = False
            stop.set()
            break
    tails = {i: runs[i].finish() if complete else runs[i].drop_pending() for i in todo}
    sha_after = rehash() if rehash is not None else sha256_file(info.path)
    for i in todo:
        frames[i].extend(tails[i])
        warnings = [*container_warnings(info), *runs[i].warnings]
        if complete:
            missing, note = missing_tail(info, lead.every, frames[i][-1].index if frames[i] else -1)
            tails[i].extend(missing)
            frames[i].extend(missing)
            if note:
                warnings.append(note)
        if sha_after != sha:
            warnings.append(f"{EVIDENCE_CHANGED_WARNING}SHA-256 was {sha}, is now {sha_after}.")
        e = engines[i]
        result = build_result(info, sha, e.model_ref(), resolved[i], frames[i], complete, warnings, started,
                              time.perf_counter() - t0)
        result = replace(result, evidence_changed=sha_after != sha)
        results[i] = annotate(result, card=e.bundle.card)  # the card's training summary, with every analysis
        if complete and use_cache and sha_after == sha:
            cache.store(keys[i], results[i])
    first, others = lanes({i: tuple(tails[i]) for i in todo})
    head = results[todo[0]]
    report(Progress("done", len(head.frames), len(head.frames), head.elapsed_s, 0.0, first, others))
    return tuple(results)


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


def analyze(video_path, model: str | BundleInfo | None = None, params: AnalysisParams = AnalysisParams(),
            progress: ProgressFn | None = None, should_cancel: CancelFn | None = None,
            use_cache: bool = True) -> AnalysisResult:
    """One-shot convenience: load the model, analyse one video."""
    return Engine(model).analyze(video_path, params, progress, should_cancel, use_cache)
