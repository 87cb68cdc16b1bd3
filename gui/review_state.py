"""What is under review: the scores so far, the finished result, the threshold and the segments.

Segments and track summaries are derived with the engine's own functions (``core.segments``,
``core.aggregate``) whenever scores arrive or the analyst moves the threshold; recomputing is
coalesced so a drag or a fast stream never queues up work. Long videos (tens of thousands of
scored frames, ~80 ms per derivation at 100k) are derived in a worker thread, so the window
never waits for it.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from core import aggregate
from core.result import AnalysisResult, Segment
from core.review import rethreshold
from core.segments import SegmentRules, find_segments
from gui.scores import ScoreStore
from gui.workers import FunctionWorker, WorkerPool

ASYNC_FROM = 20_000  # frames; below this, deriving takes < 20 ms and is done in place


def derive(frames, threshold: float, rules: SegmentRules):
    return find_segments(frames, threshold, rules), aggregate.track_summaries(frames, threshold)


class ReviewState(QObject):
    derived_changed = Signal()  # segments / tracks recomputed
    result_changed = Signal(object)  # AnalysisResult | None
    threshold_changed = Signal(float)

    def __init__(self, pool: WorkerPool | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self.pool = pool or WorkerPool(self)
        self._job: FunctionWorker | None = None
        self._again = False
        self._generation = 0
        self._derived_at: tuple[int, float] | None = None
        self.store = ScoreStore()
        self.result: AnalysisResult | None = None
        self.source = ""  # "analysed" | "cached" | "partial"
        self.threshold = 0.5
        self.analysed_threshold = 0.5
        self.rules = SegmentRules()
        self.segments: tuple[Segment, ...] = ()
        self.tracks = ()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._derive)

    def reset(self, frames: int = 0, fps: float = 25.0) -> None:
        self._timer.stop()
        self._generation += 1
        self.store.reset(frames, fps, 1)
        self.result, self.source = None, ""
        self.segments, self.tracks = (), ()
        self.result_changed.emit(None)
        self.derived_changed.emit()

    def begin(self, every: int, threshold: float, rules: SegmentRules) -> None:
        """A new analysis starts streaming: forget the old scores."""
        self._generation += 1
        self.store.reset(self.store.video_frames, self.store.fps, every)
        self.result, self.source = None, ""
        self.rules = rules
        self.set_analysed_threshold(threshold)
        self.segments, self.tracks = (), ()
        self.result_changed.emit(None)
        self.derived_changed.emit()

    def add_frames(self, frames) -> None:
        if self.store.add(frames):
            self._schedule(400)

    def set_result(self, result: AnalysisResult, source: str) -> None:
        self.result, self.source = result, source
        self.rules = SegmentRules(**result.params.get("segments", {}))
        self._generation += 1
        self.store.set_frames(result.frames, int(result.params.get("every", 1)))
        self.set_analysed_threshold(float(result.params.get("threshold", result.model.threshold)))
        self._derive()
        self.result_changed.emit(result)

    def set_analysed_threshold(self, t: float) -> None:
        self.analysed_threshold = t
        self.set_threshold(t)

    def set_threshold(self, t: float) -> None:
        t = float(min(max(t, 0.01), 0.99))
        if abs(t - self.threshold) < 1e-9:
            return
        self.threshold = t
        self.threshold_changed.emit(t)
        self._schedule(0)

    def _schedule(self, delay_ms: int) -> None:
        if not self._timer.isActive():
            self._timer.start(delay_ms)
        elif delay_ms == 0:
            self._timer.start(0)

    def _derive(self) -> None:
        frames = self.store.frames()  # a list the store replaces, never mutates: safe to hand over
        if len(frames) < ASYNC_FROM:
            self._apply(self._generation, self.threshold, derive(frames, self.threshold, self.rules))
            return
        if self.pool.is_running(self._job):
            self._again = True
            return
        gen, t, rules = self._generation, self.threshold, self.rules
        self._again = False
        self._job = FunctionWorker("derive", lambda _w: (gen, t, derive(frames, t, rules)))
        self._job.succeeded.connect(self._derived)
        self._job.finished.connect(self._job_finished)
        self.pool.start(self._job)

    @Slot(object)
    def _derived(self, value) -> None:
        gen, t, derived = value
        self._apply(gen, t, derived)

    @Slot()
    def _job_finished(self) -> None:
        if self._again:
            self._again = False
            self._timer.start(0)

    def _apply(self, gen: int, threshold: float, derived) -> None:
        if gen != self._generation or abs(threshold - self.threshold) > 1e-12:
            self._again = True  # stale: the data or threshold moved on while deriving
            return
        self.segments, self.tracks = derived
        self._derived_at = (self._generation, threshold)
        self.derived_changed.emit()

    def current_result(self) -> AnalysisResult | None:
        """The finished (or cancelled, partial) analysis as decided at the review threshold."""
        if self.result is None:
            return None
        if self._derived_at == (self._generation, self.threshold):
            return rethreshold(self.result, self.threshold, self.segments, self.tracks)
        return rethreshold(self.result, self.threshold)

    def next_segment(self, index: int) -> Segment | None:
        return next((s for s in self.segments if s.start_frame > index), None)

    def previous_segment(self, index: int) -> Segment | None:
        before = [s for s in self.segments if s.start_frame < index]
        return before[-1] if before else None
