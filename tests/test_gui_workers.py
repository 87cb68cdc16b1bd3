"""The analysis worker: the engine runs in a QThread, results stream, cancel keeps what was scored."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from detectors import SlowDetector
from media import face_image, moving_face_frames, write_video
from PySide6.QtCore import QObject, Qt, Slot

from core.analysis import AnalysisParams, Engine
from core.errors import BundleInvalid
from gui.workers import AnalysisWorker, EnginePool, HashWorker, WorkerPool


class Recorder(QObject):
    """Receives a worker's signals in the GUI thread, as the window does."""

    def __init__(self, worker):
        super().__init__()
        self.progress, self.results, self.errors, self.done = [], [], [], False
        worker.progress.connect(self.on_progress)
        worker.succeeded.connect(self.on_result)
        worker.failed.connect(self.on_error)
        worker.finished.connect(self.on_finished)

    @Slot(object)
    def on_progress(self, p):
        self.progress.append(p)

    @Slot(object)
    def on_result(self, r):
        self.results.append(r)

    @Slot(object, str)
    def on_error(self, exc, tb):
        self.errors.append(exc)

    @Slot()
    def on_finished(self):
        self.done = True



def _video(tmp_path, n: int, seed: int):
    frames = moving_face_frames(n, (160, 120), face_image(48, seed=seed), step=1)
    return write_video(tmp_path / f"face{seed}.avi", frames)


def _run(qtbot, worker) -> Recorder:
    rec = Recorder(worker)
    pool = WorkerPool()
    pool.start(worker)
    qtbot.waitUntil(lambda: rec.done and not pool.running(), timeout=60_000)
    qtbot.waitUntil(lambda: bool(rec.results or rec.errors), timeout=5000)
    return rec


@pytest.mark.parametrize("which", ["tiny_bundle", "tiny_seq_bundle"])
def test_worker_loads_the_engine_in_its_thread_and_streams_batches(qtbot, tmp_path, request, which, colour_detector):
    tiny_bundle = request.getfixturevalue(which)
    made_in = []

    def factory(bundle):
        made_in.append(threading.current_thread())
        return Engine(bundle, detector=colour_detector)

    video = _video(tmp_path, 60, seed=11)
    worker = AnalysisWorker(str(video), tiny_bundle, AnalysisParams(), EnginePool(factory), use_cache=False)
    rec = _run(qtbot, worker)
    assert not rec.errors
    assert made_in and made_in[0] is not threading.main_thread()
    [result] = rec.results[0]  # one result per model
    assert result.complete and len(result.frames) == 60

    stages = [p.stage for p in rec.progress]
    assert stages[0] == "loading" and stages[-1] == "done" and "analysing" in stages
    batches = [p for p in rec.progress if p.stage == "analysing" and p.frames]
    assert len(batches) >= 3  # 60 frames in chunks of 16
    streamed = [f.index for p in rec.progress for f in p.frames]
    assert streamed == sorted(set(streamed)) == [f.index for f in result.frames]
    done = [p.done for p in batches]
    assert done == sorted(done) and done[-1] <= 60


def test_cancel_mid_run_keeps_the_scores_finished_so_far(qtbot, tmp_path, tiny_bundle, colour_detector):
    video = _video(tmp_path, 160, seed=12)
    full = _run(qtbot, AnalysisWorker(str(video), tiny_bundle, AnalysisParams(),
                                      EnginePool(lambda b: Engine(b, detector=colour_detector)),
                                      use_cache=False)).results[0][0]

    engines = EnginePool(lambda b: Engine(b, detector=SlowDetector(colour_detector, 0.05)))
    worker = AnalysisWorker(str(video), tiny_bundle, AnalysisParams(), engines, use_cache=False)
    # Cancel from inside the worker thread right after the second batch: deterministic.
    batches = []

    def cancel_after_two(p):
        if p.stage == "analysing" and p.frames:
            batches.append(p)
            if len(batches) == 2:
                worker.cancel()

    worker.progress.connect(cancel_after_two, Qt.DirectConnection)
    rec = _run(qtbot, worker)
    [partial] = rec.results[0]
    assert not partial.complete
    assert 16 <= len(partial.frames) < len(full.frames)
    by_index = {f.index: f for f in full.frames}
    for f in partial.frames:
        assert f.status == by_index[f.index].status
        assert f.score == by_index[f.index].score or np.isclose(f.score, by_index[f.index].score)


def test_compared_models_score_in_the_same_run_and_stream_their_own_frames(
        qtbot, tmp_path, tiny_bundle, tiny_seq_bundle, colour_detector, monkeypatch):
    import core.forensic.integrity
    import core.forensic.record

    rehashed = []
    real_hash = core.forensic.integrity.hash_evidence
    for module in (core.forensic.integrity, core.forensic.record):  # the hash before and the check after
        monkeypatch.setattr(module, "hash_evidence", lambda *a, **k: rehashed.append(a[0]) or real_hash(*a, **k))
    import core.analysis

    real_sha = core.analysis.sha256_file
    monkeypatch.setattr(core.analysis, "sha256_file", lambda *a, **k: rehashed.append(a[0]) or real_sha(*a, **k))
    import core.analyse_evidence
    import core.video

    probed = []
    real_probe = core.video.probe
    for module in (core.video, core.analysis, core.analyse_evidence):
        monkeypatch.setattr(module, "probe", lambda p: probed.append(p) or real_probe(p))
    made = []

    def factory(bundle):
        made.append(bundle.id)
        return Engine(bundle, detector=colour_detector)

    video = _video(tmp_path, 40, seed=14)
    worker = AnalysisWorker(str(video), tiny_bundle, AnalysisParams(), EnginePool(factory), use_cache=False,
                            compared=[tiny_seq_bundle])
    rec = _run(qtbot, worker)
    assert not rec.errors and made == [tiny_bundle.id, tiny_seq_bundle.id]
    first, second = rec.results[0]
    assert (first.model.id, second.model.id) == (tiny_bundle.id, tiny_seq_bundle.id)
    streamed = sorted(f.index for p in rec.progress for lane in p.others for f in lane)
    assert streamed == [f.index for f in second.frames] == [f.index for f in first.frames]
    assert len(rehashed) == 2  # read once before and once after the pass: not per model, nor by the engine too
    assert len(probed) == 1
    assert first.provenance["integrity"] == second.provenance["integrity"]


def test_a_damaged_bundle_fails_with_its_typed_error(qtbot, tmp_path, tiny_bundle, colour_detector):
    import shutil

    from core.models.bundle import read_bundle

    broken = tmp_path / "broken"
    shutil.copytree(tiny_bundle.path, broken)
    (broken / "model.keras").write_bytes(b"not a keras file")
    worker = AnalysisWorker(str(_video(tmp_path, 10, seed=13)), read_bundle(broken), AnalysisParams(),
                            EnginePool(lambda b: Engine(b, detector=colour_detector)), use_cache=False)
    rec = _run(qtbot, worker)
    assert not rec.results
    assert isinstance(rec.errors[0], BundleInvalid)


def test_hash_worker_reports_progress_and_the_digest(qtbot, tmp_path):
    import hashlib

    f = tmp_path / "blob.bin"
    f.write_bytes(np.random.default_rng(0).bytes(9 * 1024 * 1024))
    rec = _run(qtbot, HashWorker(str(f)))
    assert rec.results == [hashlib.sha256(f.read_bytes()).hexdigest()]
    assert rec.progress[-1].fraction == 1.0 and len(rec.progress) >= 3


def test_the_pool_connects_before_start_and_refuses_slots_that_would_run_in_the_worker_thread(qtbot):
    from gui.workers import FunctionWorker

    pool = WorkerPool()
    with pytest.raises(TypeError, match="bound method of a QObject"):
        pool.start(FunctionWorker("x", lambda _w: 1), succeeded=lambda value: None)
    assert pool.running() == []  # refused before any thread started

    class Sink(QObject):
        def __init__(self):
            super().__init__()
            self.got = []

        @Slot(object)
        def take(self, value):
            self.got.append(value)

    sink = Sink()
    pool.start(FunctionWorker("quick", lambda _w: 42), succeeded=sink.take)  # finishes at once: connected first
    qtbot.waitUntil(lambda: sink.got == [42] and not pool.running(), timeout=5000)
