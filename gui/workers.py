"""Long work off the GUI thread: QObject workers moved to QThreads, and the pool that joins them.

A worker runs one core job (the protocol is in :mod:`core.jobs`): its ``work()`` runs in the
thread, passes ``self.report`` as the job's ``progress`` (delivered to the GUI thread through the
queued ``progress`` signal) and ``self.cancelled`` as its ``should_cancel``; the job's three
endings become ``succeeded``, ``cancelled_signal`` and ``failed``. ``FunctionWorker`` runs any
callable; the few subclasses only gather a job's inputs. TensorFlow,
model loading and MTCNN happen only inside ``work()``, never on the GUI thread.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QThread, Signal, SignalInstance, Slot

from core.errors import Cancelled, InspectorError

log = logging.getLogger(__name__)


class Worker(QObject):
    progress = Signal(object)
    succeeded = Signal(object)
    failed = Signal(object, str)  # exception, traceback text
    cancelled_signal = Signal()
    finished = Signal()

    name = "worker"

    def __init__(self):
        super().__init__()
        self._cancel = threading.Event()

    def cancel(self) -> None:
        self._cancel.set()

    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def report(self, value) -> None:
        self.progress.emit(value)

    def work(self):  # pragma: no cover - every worker overrides it
        raise NotImplementedError

    @Slot()
    def run(self) -> None:
        try:
            result = self.work()
        except Cancelled:
            self.cancelled_signal.emit()
        except Exception as exc:  # handed to the GUI, which maps it to a message
            if not isinstance(exc, InspectorError):
                log.exception("%s failed", self.name)
            else:
                log.warning("%s: %s", self.name, exc)
            self.failed.emit(exc, traceback.format_exc())
        else:
            self.succeeded.emit(result)
        finally:
            self.finished.emit()


class WorkerPool(QObject):
    """Starts workers in their own QThreads, keeps them alive, cancels and joins them."""

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._running: dict[Worker, QThread] = {}

    def start(self, worker: Worker, **slots) -> Worker:
        """Connect ``slots`` (signal name -> slot, or a tuple of slots), then start the worker in
        its own thread: connected first, because a short job may finish before a later connect.

        A slot must be a bound method of a GUI-thread QObject (or a signal): PySide6 calls a
        lambda or a plain function in the emitting thread, the worker's, where no widget may be
        touched; such a slot is refused here rather than crashing the window later."""
        for name, targets in slots.items():
            for slot in targets if isinstance(targets, tuple) else (targets,):
                if not (isinstance(slot, SignalInstance) or isinstance(getattr(slot, "__self__", None), QObject)):
                    raise TypeError(f"{worker.name}.{name}: connect a bound method of a QObject, not {slot!r} "
                                    "(PySide6 would call it in the worker's thread)")
                getattr(worker, name).connect(slot)
        thread = QThread()
        thread.setObjectName(worker.name)
        worker.moveToThread(thread)
        thread.started.connect(worker.run)
        # Direct: quit even while the GUI thread is blocked joining this thread.
        worker.finished.connect(thread.quit, Qt.DirectConnection)
        thread.finished.connect(self._reap)
        self._running[worker] = thread
        thread.start()
        return worker

    @Slot()
    def _reap(self) -> None:
        for worker, thread in list(self._running.items()):
            if thread.isFinished():
                thread.wait()
                del self._running[worker]

    def running(self) -> list[Worker]:
        return [w for w, t in self._running.items() if not t.isFinished()]

    def is_running(self, worker: Worker | None) -> bool:
        return worker is not None and worker in self._running and not self._running[worker].isFinished()

    def cancel_all(self) -> None:
        for w in self._running:
            w.cancel()

    def join_all(self, timeout_ms: int = 30_000) -> bool:
        """Cancel everything and wait for the threads; True when all have ended."""
        self.cancel_all()
        ok = True
        for worker, thread in list(self._running.items()):
            ok = thread.wait(timeout_ms) and ok
            if thread.isFinished():
                del self._running[worker]
        return ok


class FunctionWorker(Worker):
    """Runs ``fn(worker)`` in the thread: for small jobs that need no class of their own."""

    def __init__(self, name: str, fn: Callable[[Worker], object]):
        super().__init__()
        self.name = name
        self._fn = fn

    def work(self):
        return self._fn(self)


class EnginePool:
    """Loaded engines by bundle folder, so a second analysis does not load the model again.

    Used from worker threads only. Creating an engine also runs a dummy detection and scoring,
    so graph tracing happens here (during warm-up when possible) rather than in the first chunk
    of an analysis. The lock serialises creation: a warm-up and an analysis never build or use
    one engine at the same time.
    """

    def __init__(self, factory: Callable | None = None):
        self._factory = factory
        self._engines: dict[tuple[str, int], object] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _key(bundle) -> tuple[str, int]:
        weights = Path(bundle.weights_path)
        return str(weights.resolve()), weights.stat().st_mtime_ns

    def has(self, bundle) -> bool:
        with self._lock:
            return self._key(bundle) in self._engines

    def get(self, bundle):
        key = self._key(bundle)
        with self._lock:
            engine = self._engines.get(key)
            if engine is None:
                t0 = time.perf_counter()
                engine = self._make(bundle)
                t1 = time.perf_counter()
                _warm(engine)
                log.info("engine %s: model loaded in %.2f s, detector and scorer warmed in %.2f s",
                         Path(bundle.weights_path).parent.name, t1 - t0, time.perf_counter() - t1)
                self._engines[key] = engine
            return engine

    def _make(self, bundle):
        if self._factory is not None:
            return self._factory(bundle)
        from core.analysis import Engine  # imports no TensorFlow; Engine() loads it, here in the worker

        return Engine(bundle)


def _warm(engine) -> None:
    """One dummy detection and scoring: loads the detector and traces the compiled calls."""
    import numpy as np

    from core.analysis import AnalysisParams

    p = AnalysisParams()
    engine.detector(p.detect_width, p.min_confidence).detect([np.zeros((96, 128, 3), np.uint8)])
    card, scorer = engine.bundle.card, engine.scorer
    crops = np.zeros((1, card.input_size, card.input_size, 3), np.uint8)
    if scorer.is_sequence:
        features = scorer.encode_crops(crops)
        scorer.score_windows(np.repeat(features[None], card.sequence_length, axis=1))
    else:
        scorer.score_crops(crops)


class AnalysisWorker(Worker):
    """Loads the models (in this thread) and runs :func:`core.analyse_evidence.analyse_evidence`: the
    chosen model, and the ``compared`` ones scoring the same faces in the same pass, for the record.

    ``progress`` carries :class:`core.analysis.Progress` values, each with the frames finished
    since the last one (the compared models' in ``others``), so the timeline fills while the
    analysis runs. The result is a tuple of one :class:`AnalysisResult` per model, the chosen one
    first. Cancel returns partial results (``complete=False``) with every score finished so far.
    """

    name = "analysis"

    def __init__(self, video_path: str, bundle, params, engines: EnginePool, use_cache: bool = True,
                 analyst: str = "", case_number: str = "", compared=()):
        super().__init__()
        self.video_path, self.bundle, self.params = video_path, bundle, params
        self.compared = tuple(compared)
        self.engines, self.use_cache = engines, use_cache
        self.who = {"analyst": analyst, "case_number": case_number}

    def work(self):
        from core.analysis import Progress

        self.report(Progress("loading", 0, 0, 0.0, None))
        preload_tensorflow_native()
        engines = []
        for bundle in (self.bundle, *self.compared):
            engines.append(self.engines.get(bundle))
            if self.cancelled():
                raise Cancelled("Cancelled before the analysis started.")
        from core.analyse_evidence import analyse_evidence

        return analyse_evidence(self.video_path, engines, self.params, progress=self.report,
                                should_cancel=self.cancelled, use_cache=self.use_cache, **self.who)


def preload_tensorflow_native() -> None:
    """Load TensorFlow's main shared library through ctypes, which releases the GIL while the
    dynamic linker maps ~1 GB; ``import tensorflow`` would hold the GIL for that (0.3-0.7 s
    measured here), freezing the window. The import then finds the library already loaded."""
    import ctypes
    import importlib.util

    spec = importlib.util.find_spec("tensorflow")  # locates, does not import
    if spec is None or not spec.origin:
        return
    for lib in sorted((Path(spec.origin).parent / "python").glob("_pywrap_tensorflow_internal.*")):
        if lib.suffix in (".so", ".pyd", ".dylib"):
            try:
                ctypes.CDLL(str(lib))
            except OSError as exc:  # the import will load it (and report a real problem) itself
                log.info("could not preload %s: %s", lib.name, exc)


class WarmUpWorker(Worker):
    """Imports TensorFlow, Keras and MTCNN and loads the chosen model in the background when the
    window starts (or the model changes), so an analysis starts at once and the heavy imports,
    which hold the GIL in C code for up to a few hundred ms, happen before it, not during it."""

    name = "warm-up"

    def __init__(self, engines: EnginePool, bundle=None):
        super().__init__()
        self.engines, self.bundle = engines, bundle

    def work(self) -> float:
        t0 = time.perf_counter()
        marks = [("start", t0)]
        preload_tensorflow_native()
        marks.append(("tensorflow library", time.perf_counter()))
        if self.cancelled():
            raise Cancelled("Warm-up cancelled.")
        from core.keras_env import keras, tf

        tf()
        marks.append(("tensorflow import", time.perf_counter()))
        keras()
        marks.append(("keras import", time.perf_counter()))
        if self.cancelled():
            raise Cancelled("Warm-up cancelled.")
        import mtcnn  # noqa: F401 - importing is the point

        marks.append(("mtcnn import", time.perf_counter()))
        if self.bundle is not None and not self.cancelled():
            self.engines.get(self.bundle)
            marks.append(("model loaded and traced", time.perf_counter()))
        # where start-up time goes, for bench/startup_time.py's figures
        log.info("warm-up: %s", ", ".join(f"{what} {t - before:.2f} s"
                                          for (_, before), (what, t) in itertools.pairwise(marks)))
        return time.perf_counter() - t0


class HashWorker(Worker):
    """SHA-256 of a file opened for viewing, with :class:`core.jobs.JobProgress` in bytes, logged as ``file_opened``
    (purpose "view"): what the analyst looked at is on record even if nothing is analysed."""

    name = "hash"

    def __init__(self, path: str, analyst: str = "", case_number: str = ""):
        super().__init__()
        self.path, self.who = path, {"analyst": analyst, "case_number": case_number}

    def work(self) -> str:
        from core.forensic import record
        from core.jobs import JobProgress

        def step(done: int, total: int) -> None:
            self.report(JobProgress("hashing", done, total))

        return record.open_evidence(self.path, progress=step, should_cancel=self.cancelled, purpose="view",
                                    **self.who).sha256


class LookupWorker(Worker):
    """The cached analysis for (video hash, bundle, params), or None; hashes the model if needed.
    With ``compared`` bundles the result is ``(result, compared results found)``: a compared model
    without a stored result of this file is left out (Analyze scores only that one)."""

    name = "lookup"

    def __init__(self, video_sha256: str, bundle, params, fps: float, video_path: str, compared=()):
        super().__init__()
        self.args = (video_sha256, bundle, params, fps, video_path)
        self.compared = tuple(compared)

    def work(self):
        from core.analysis import companion_params
        from core.forensic import record
        from core.lookup import cached_result

        result = cached_result(*self.args)
        if result is not None and not self.cancelled():
            record.stored_result_viewed(self.args[4], result)
        if not self.compared:
            return result
        sha, _bundle, params, fps, path = self.args
        found = []
        for b in self.compared:
            if result is None or self.cancelled():
                break
            other = cached_result(sha, b, companion_params(params), fps, path)
            if other is not None:
                record.stored_result_viewed(path, other)
                found.append(other)
        return result, tuple(found)
