"""What is under review: the scores so far, the finished result, the threshold and the decision.

Segments, track verdicts and the video verdict are derived with the engine's own function
(``core.decide``) whenever scores arrive or the analyst moves the threshold or changes the
verdict strategy; recomputing is
coalesced so a drag or a fast stream never queues up work. Long videos (tens of thousands of
scored frames, ~80 ms per derivation at 100k) are derived in a worker thread, so the window
never waits for it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from core.decide import Decision, Rules, decide
from core.result import AnalysisResult, Segment
from core.review import redecide
from gui.scores import ScoreStore
from gui.workers import FunctionWorker, WorkerPool

ASYNC_FROM = 20_000  # frames; below this, deriving takes < 20 ms and is done in place


@dataclass
class Lane:
    """A further model's scores of the same video, shown beside the chosen model's (its own
    calibrated threshold decides it; the review threshold applies to the chosen model only)."""

    model_id: str
    name: str
    store: ScoreStore
    result: AnalysisResult | None = None
    colour: str = field(default="")
    threshold: float | None = None  # its own (calibrated) threshold, once known


class ReviewState(QObject):
    derived_changed = Signal()  # segments / tracks / verdict recomputed
    result_changed = Signal(object)  # AnalysisResult | None
    threshold_changed = Signal(float)
    lanes_changed = Signal()  # a compared model's scores or result arrived, or the lanes were cleared

    def __init__(self, pool: WorkerPool | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self.pool = pool or WorkerPool(self)
        self._job: FunctionWorker | None = None
        self._again = False
        self._generation = 0
        self._derived_at: tuple | None = None  # (generation, threshold, rules) of the decision held
        self.store = ScoreStore()
        self.result: AnalysisResult | None = None
        self.source = ""  # "analysed" | "cached" | "partial" | "batch"
        self.threshold = 0.5
        self.analysed_threshold = 0.5
        self.rules = Rules()
        self.analysed_strategy = self.rules.strategy
        self.decision: Decision | None = None
        self.segments: tuple[Segment, ...] = ()
        self.tracks = ()
        self.lanes: list[Lane] = []
        self._agreement: tuple | None = None  # (what it was computed from, core.agreement.Agreement)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._derive)

    def reset(self, frames: int = 0, fps: float = 25.0) -> None:
        self._timer.stop()
        self._generation += 1
        self.store.reset(frames, fps, 1)
        self.result, self.source = None, ""
        self._set_lanes([])
        self._clear_decision()

    def begin(self, every: int, threshold: float, rules: Rules, compared=()) -> None:
        """A new analysis starts streaming: forget the old scores. ``compared``: (model id, name,
        threshold) of each further model scoring in the same pass, whose lanes fill beside the main curve."""
        self._generation += 1
        self.store.reset(self.store.video_frames, self.store.fps, every, self.store.end)
        self.result, self.source = None, ""
        self._set_lanes([Lane(m, name, self._lane_store(every), threshold=t) for m, name, t in compared])
        self.rules, self.analysed_strategy = rules, rules.strategy
        self.set_analysed_threshold(threshold)
        self._clear_decision()

    def _clear_decision(self) -> None:
        self.decision, self.segments, self.tracks = None, (), ()
        self.result_changed.emit(None)
        self.derived_changed.emit()

    def add_frames(self, frames) -> None:
        if self.store.add(frames):
            self._schedule(400)

    # -- compared models --------------------------------------------------------------------
    def _lane_store(self, every: int) -> ScoreStore:
        s = self.store
        return ScoreStore(s.video_frames, s.fps, every)

    def _set_lanes(self, lanes: list[Lane]) -> None:
        from gui.theme import lane_colour

        for i, lane in enumerate(lanes):
            lane.colour = lane_colour(i)
        if lanes or self.lanes:
            self.lanes = lanes
            self.lanes_changed.emit()

    def clear_lanes(self) -> None:
        """No compared models on show (their analysis failed or was cancelled before any frame)."""
        self._set_lanes([])

    def add_lane_frames(self, others) -> None:
        """Progress of the compared models: one tuple of new frames per lane, in lane order."""
        changed = False
        for lane, frames in zip(self.lanes, others, strict=False):
            changed = bool(lane.store.add(frames)) or changed
        if changed:
            self.lanes_changed.emit()

    def compared_results(self) -> tuple[AnalysisResult, ...]:
        """The compared models' finished (or partial) results, in lane order."""
        return tuple(lane.result for lane in self.lanes if lane.result is not None)

    def agreement(self):
        """:func:`core.agreement.agreement` of the chosen model (as decided at the review threshold)
        and the compared ones (each at its own threshold); None without compared results."""
        main, others = self.current_result(), self.compared_results()
        if main is None or not others:
            return None
        # the window asks on every derivation and redraw: compute once per decision and set of results
        key = (id(self.result), self._derived_at, self.threshold, self.rules, tuple(id(r) for r in others))
        if self._agreement is None or self._agreement[0] != key:
            from core.agreement import agreement

            self._agreement = (key, agreement([main, *others]))
        return self._agreement[1]

    def set_result(self, result: AnalysisResult, source: str, compared=()) -> None:
        """Show a finished (or stored) result; ``compared``: further models' results of the same file."""
        lanes = []
        for r in compared:
            lane = Lane(r.model.id, r.model.name, self._lane_store(int(r.params.get("every", 1))), r,
                        threshold=r.threshold)
            lane.store.set_frames(r.frames, int(r.params.get("every", 1)))
            lanes.append(lane)
        self._set_lanes(lanes)
        self.result, self.source = result, source
        self.rules = Rules.of(result.params)
        self.analysed_strategy = self.rules.strategy
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

    def set_strategy(self, strategy: str) -> None:
        """Decide again with another strategy, from the scores already here."""
        if strategy == self.rules.strategy:
            return
        self.rules = replace(self.rules, strategy=strategy)
        self._schedule(0)

    def _schedule(self, delay_ms: int) -> None:
        if not self._timer.isActive():
            self._timer.start(delay_ms)
        elif delay_ms == 0:
            self._timer.start(0)

    def _derive(self) -> None:
        frames = self.store.frames()  # a list the store replaces, never mutates: safe to hand over
        if len(frames) < ASYNC_FROM:
            self._apply(self._generation, self.threshold, self.rules, decide(frames, self.threshold, self.rules))
            return
        if self.pool.is_running(self._job):
            self._again = True
            return
        gen, t, rules = self._generation, self.threshold, self.rules
        self._again = False
        job = FunctionWorker("derive", lambda _w: (gen, t, rules, decide(frames, t, rules)))
        self._job = self.pool.start(job, succeeded=self._derived, finished=self._job_finished)

    @Slot(object)
    def _derived(self, value) -> None:
        self._apply(*value)

    @Slot()
    def _job_finished(self) -> None:
        if self._again:
            self._again = False
            self._timer.start(0)

    def _apply(self, gen: int, threshold: float, rules: Rules, decision: Decision) -> None:
        if gen != self._generation or abs(threshold - self.threshold) > 1e-12 or rules != self.rules:
            self._again = True  # stale: the data, threshold or strategy moved on while deriving
            return
        self.decision, self.segments, self.tracks = decision, decision.segments, decision.tracks
        self._derived_at = (self._generation, threshold, rules)
        self.derived_changed.emit()

    def current_result(self) -> AnalysisResult | None:
        """The finished (or cancelled, partial) analysis as decided at the review threshold and strategy."""
        if self.result is None:
            return None
        fresh = self._derived_at == (self._generation, self.threshold, self.rules)
        return redecide(self.result, self.threshold, self.rules.strategy, self.decision if fresh else None)

    def next_segment(self, index: int) -> Segment | None:
        return next((s for s in self.segments if s.start_frame > index), None)

    def previous_segment(self, index: int) -> Segment | None:
        before = [s for s in self.segments if s.start_frame < index]
        return before[-1] if before else None
