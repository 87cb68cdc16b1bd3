"""The background work behind one window: hashing the evidence, finding its stored result,
warming up the model runtime, and running, streaming and cancelling the analysis.

Each job is a worker from gui/workers.py in its own QThread; this object starts them, routes
their signals to the review state and the panels, and ignores signals from jobs it has replaced.
"""

from __future__ import annotations

import logging
import time

from PySide6.QtCore import QObject, Signal, Slot

from core.decide import Rules
from core.errors import StoredResultMismatch
from core.forensic import record
from core.result import AnalysisResult
from core.video import VideoInfo
from gui import gc_guard
from gui.analysis_panel import AnalysisPanel
from gui.metadata_panel import MetadataPanel
from gui.review_state import ReviewState
from gui.workers import (
    AnalysisWorker,
    EnginePool,
    FunctionWorker,
    HashWorker,
    LookupWorker,
    WarmUpWorker,
    WorkerPool,
)

log = logging.getLogger(__name__)


class AnalysisController(QObject):
    error = Signal(object, str)  # exception, traceback: for the window's message table
    status = Signal(str, int)  # status bar text, milliseconds (0: until replaced)
    changed = Signal()  # running state, result or hash changed: update actions and verdict
    worker_finished = Signal()  # some job ended (the window may be waiting to close)

    def __init__(self, workers: WorkerPool, engines: EnginePool, review: ReviewState, panel: AnalysisPanel,
                 metadata: MetadataPanel, parent: QObject | None = None):
        super().__init__(parent)
        self.workers, self.engines, self.review = workers, engines, review
        self.panel, self.metadata = panel, metadata
        self.info: VideoInfo | None = None
        self.video_sha256: str | None = None
        self.worker: AnalysisWorker | None = None
        self._active = False
        self._hash: HashWorker | None = None
        self._lookup: LookupWorker | None = None
        self._stored: tuple[str, AnalysisResult] | None = None  # (path, result) to show once hashed
        self.warm_up_worker: WarmUpWorker | None = None
        panel.choice_changed.connect(self._on_choice_changed)
        panel.compare_changed.connect(self.look_up)

    # -- the open video -------------------------------------------------------------------
    def set_video(self, info: VideoInfo | None) -> None:
        """A video was opened (or closed, with None): hash it, then look for its stored result."""
        for w in (self._hash, self._lookup):
            if w is not None:
                w.cancel()
        self.info, self.video_sha256 = info, None
        self.panel.show_idle(" ")
        if info is None or (self._stored is not None and self._stored[0] != info.path):
            self._stored = None
        if info is None:
            return
        self._hash = self._start(HashWorker(info.path, **self.who()), progress=self._on_hash_progress,
                                 succeeded=self._on_hashed, failed=self._on_hash_failed)

    def who(self) -> dict[str, str]:
        """Who works on which case, for the audit log (the Case panel's fields)."""
        case = getattr(getattr(self.parent(), "case_panel", None), "case", None)
        return {"analyst": case.analyst if case else "", "case_number": case.case_number if case else ""}

    def _start(self, worker, finished=(), **slots):
        finished = finished if isinstance(finished, tuple) else (finished,)
        return self.workers.start(worker, finished=(*finished, self._on_any_finished), **slots)

    @Slot(object)
    def _on_hash_progress(self, p) -> None:
        if self.sender() is self._hash:
            self.metadata.set_sha_state(f"computing… {100 * p.fraction:.0f} %")

    @Slot(object)
    def _on_hashed(self, sha: str) -> None:
        if self.sender() is not self._hash or self.info is None:
            return
        self.video_sha256 = sha
        self.metadata.set_sha(sha)
        self.changed.emit()
        stored, self._stored = self._stored, None
        if stored is not None and self._show_stored(stored[1], sha):
            return
        self.look_up()

    def expect_stored(self, path: str, result: AnalysisResult | None) -> None:
        """Show ``result`` (e.g. a batch's) for the video at ``path`` once that file, opened next,
        is hashed and found to be the file the result names; another file shows its own results.
        None forgets it (the file could not be opened)."""
        self._stored = None if result is None else (path, result)

    def _show_stored(self, result: AnalysisResult, sha: str) -> bool:
        if result.sha256 != sha:
            self.error.emit(StoredResultMismatch(
                f"{self.info.path} now has SHA-256 {sha[:16]}…, but the stored result was computed from a file "
                f"with SHA-256 {result.sha256[:16]}…; that result is not shown."), "")
            return False
        self.review.set_result(result, "batch")
        self.panel.show_finished(f"Batch result from {result.finished[:19].replace('T', ' ')} UTC "
                                 f"(model {result.model.id}, every {result.params.get('every', 1)}).")
        path = self.info.path
        self._start(FunctionWorker("stored result viewed", lambda _w: record.stored_result_viewed(path, result)),
                    failed=self._on_lookup_failed)
        self.changed.emit()
        return True

    @Slot(object, str)
    def _on_hash_failed(self, exc, tb: str) -> None:
        if self.sender() is self._hash:
            self.metadata.set_sha_state("could not be computed")
            self.error.emit(exc, tb)

    # -- stored results -------------------------------------------------------------------
    def look_up(self) -> None:
        """Show the stored analysis for the video and the panel's model and sampling, if any."""
        bundle = self.panel.bundle()
        if self.info is None or self.video_sha256 is None or bundle is None or self.running():
            return
        if self._lookup is not None:
            self._lookup.cancel()
        worker = LookupWorker(self.video_sha256, bundle, self.panel.params(), self.info.fps, self.info.path,
                              compared=self.panel.compared())
        self._lookup = self._start(worker, succeeded=self._on_lookup, failed=self._on_lookup_failed)

    @Slot(object)
    def _on_lookup(self, found) -> None:
        if self._lookup is None or self.sender() is not self._lookup or self._lookup.cancelled() or self.running():
            return
        result, compared = found if isinstance(found, tuple) else (found, ())
        if result is None:
            if self.review.result is not None:
                self.panel.show_idle("No stored result for this model and sampling: Analyze to compute it.")
            return
        self.review.set_result(result, "cached", compared)
        self.panel.show_finished(f"Stored result from {result.finished[:19].replace('T', ' ')} UTC "
                                 f"({result.elapsed_s:.1f} s to compute).")
        self.changed.emit()

    @Slot(object, str)
    def _on_lookup_failed(self, exc, tb: str) -> None:
        log.warning("cache look-up failed: %s", exc)

    @Slot()
    def _on_choice_changed(self) -> None:
        self.changed.emit()
        self.look_up()
        if self.warm_up_worker is not None:  # the app warmed up before: load the newly chosen model too
            self.warm_up()

    # -- warm-up --------------------------------------------------------------------------
    def warm_up(self) -> WarmUpWorker | None:
        """Import the model runtime and load the chosen model in the background (when one is installed)."""
        bundle = self.panel.bundle()
        if bundle is None or self.workers.is_running(self.warm_up_worker) or self.running():
            return None
        if self.warm_up_worker is not None and self.engines.has(bundle):
            return None
        self.warm_up_worker = self._start(WarmUpWorker(self.engines, bundle), succeeded=self._on_warm,
                                          failed=self._on_warm_failed, finished=self._on_warm_finished)
        gc_guard.hold()  # what the warm-up loads stays: no collections walking it meanwhile (released when
        return self.warm_up_worker  # it finishes, a signal this thread handles only after returning)

    @Slot(object)
    def _on_warm(self, seconds: float) -> None:
        log.info("model runtime ready after %.1f s", seconds)
        gc_guard.freeze_long_lived()  # the runtime just loaded stays for good: keep it out of full collections

    @Slot(object, str)
    def _on_warm_failed(self, exc, tb: str) -> None:
        log.warning("warm-up failed (the analysis will report it): %s", exc)

    @Slot()
    def _on_warm_finished(self) -> None:  # after succeeded, failed or cancelled alike
        gc_guard.release()

    # -- the analysis ---------------------------------------------------------------------
    def running(self) -> bool:
        """True from start until the worker's last signal has been handled here."""
        return self._active

    def cancel_requested(self) -> bool:
        return self.worker is not None and self.worker.cancelled()

    def start(self, use_cache: bool = True) -> bool:
        """Analyse the open video with the panel's choices; ``use_cache=False`` ignores a stored result."""
        bundle = self.panel.bundle()
        if self.info is None or bundle is None or self.running():
            return False
        if self._lookup is not None:  # a stored result found after this analysis must not replace it
            self._lookup.cancel()
            self._lookup = None
        params = self.panel.params()
        compared = self.panel.compared()
        resolved = params.resolved(bundle, self.info.fps)
        self.review.begin(params.every, resolved.threshold, Rules.of(resolved.to_json()),
                          [(b.id, b.card.name, b.card.threshold) for b in compared])
        w = AnalysisWorker(self.info.path, bundle, params, self.engines, use_cache=use_cache, compared=compared,
                           **self.who())
        self.worker, self._active = w, True
        self.panel.set_running(True)
        self._start(w, progress=self._on_progress, succeeded=self._on_done, failed=self._on_failed,
                    cancelled_signal=self._on_cancelled, finished=self._on_analysis_finished)
        also = f" and {len(compared)} compared model{'s' if len(compared) > 1 else ''}" if compared else ""
        self.status.emit(f"Analysing with {bundle.card.name}{also}…", 0)
        self.changed.emit()
        return True

    def cancel(self) -> None:
        if self.running() and not self.worker.cancelled():
            self.worker.cancel()
            self.panel.set_cancelling()
            self.changed.emit()

    @Slot(object)
    def _on_progress(self, p) -> None:
        if self.sender() is not self.worker:
            return
        self.panel.show_progress(p)
        if p.frames:
            self.review.add_frames(p.frames)
        if p.others:
            self.review.add_lane_frames(p.others)

    def rehashed(self, sha: str, when: str) -> None:
        """The open file was hashed again (by an analysis, by opening a case): the Video panel shows
        that hash, saying when it was taken and that it differs from the one taken on opening."""
        if self.info is None or sha == self.video_sha256:
            return
        opened_with = self.video_sha256
        self.video_sha256 = sha
        note = f" (the file changed: on opening it was {opened_with[:12]}…)" if opened_with else ""
        self.metadata.set_sha(sha, f"computed from the file {when} at {time.strftime('%H:%M:%S')}{note}")
        self.changed.emit()

    @Slot(object)
    def _on_done(self, results: tuple[AnalysisResult, ...]) -> None:
        if self.sender() is not self.worker:
            return
        result, *compared = results
        self.rehashed(result.sha256, "by the analysis")
        self.review.set_result(result, "analysed" if result.complete else "partial", compared)
        if result.complete:
            self.panel.show_finished(f"Finished: {len(result.frames):,} frames in {result.elapsed_s:.1f} s.")
        else:
            total = -(-result.video.frames // int(result.params.get("every", 1)))
            self.panel.show_finished(f"Cancelled: {len(result.frames):,} of {total:,} frames kept (not cached).",
                                     complete=False, done=len(result.frames), total=total)
        self.status.emit(f"Verdict: {result.verdict.label}", 8000)

    @Slot(object, str)
    def _on_failed(self, exc, tb: str) -> None:
        if self.sender() is self.worker:
            self.review.clear_lanes()  # no compared model is "scoring" any more
            self.panel.show_idle("The analysis stopped with an error.")
            self.error.emit(exc, tb)

    @Slot()
    def _on_cancelled(self) -> None:
        if self.sender() is self.worker:
            self.review.clear_lanes()
            self.panel.show_idle("Cancelled before any frame was analysed.")

    @Slot()
    def _on_analysis_finished(self) -> None:
        if self.sender() is self.worker:
            self._active = False
            self.panel.set_running(False)
            self.changed.emit()

    @Slot()
    def _on_any_finished(self) -> None:
        self.worker_finished.emit()
