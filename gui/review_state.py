"""What is under review: the scores so far, the finished result, the threshold and the segments.

Segments and track summaries are derived with the engine's own functions (``core.segments``,
``core.aggregate``) whenever scores arrive or the analyst moves the threshold; recomputing is
coalesced so a drag or a fast stream never queues up work.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer, Signal

from core import aggregate
from core.result import AnalysisResult, Segment
from core.review import rethreshold
from core.segments import SegmentRules, find_segments
from gui.scores import ScoreStore


class ReviewState(QObject):
    derived_changed = Signal()  # segments / tracks recomputed
    result_changed = Signal(object)  # AnalysisResult | None
    threshold_changed = Signal(float)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
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
        self.store.reset(frames, fps, 1)
        self.result, self.source = None, ""
        self.segments, self.tracks = (), ()
        self.result_changed.emit(None)
        self.derived_changed.emit()

    def begin(self, every: int, threshold: float, rules: SegmentRules) -> None:
        """A new analysis starts streaming: forget the old scores."""
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
        frames = self.store.frames()
        self.segments = find_segments(frames, self.threshold, self.rules)
        self.tracks = aggregate.track_summaries(frames, self.threshold)
        self.derived_changed.emit()

    def current_result(self) -> AnalysisResult | None:
        """The finished (or cancelled, partial) analysis as decided at the review threshold."""
        if self.result is None:
            return None
        return rethreshold(self.result, self.threshold)

    def next_segment(self, index: int) -> Segment | None:
        return next((s for s in self.segments if s.start_frame > index), None)

    def previous_segment(self, index: int) -> Segment | None:
        before = [s for s in self.segments if s.start_frame < index]
        return before[-1] if before else None
