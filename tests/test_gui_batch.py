"""The Batch page driven as an analyst drives it: queue a folder, run, watch the table fill, cancel,
resume, open a row in review with its stored result, and the refusals (output among the evidence,
a file that changed since the batch)."""

from __future__ import annotations

import json
import shutil
import threading
import time
from functools import partial

import pytest
from detectors import colour_engine
from media import face_image, moving_face_frames, write_video
from PySide6.QtCore import QSettings, Qt

from core import paths
from core.analysis import Engine
from core.batch.inputs import find_videos
from core.batch.outputs import result_paths
from core.forensic import audit
from core.forensic.hashing import sha256_file
from gui.main_window import MainWindow
from gui.settings import Settings
from gui.workers import EnginePool


def _clip(path, seed: int, n: int = 6):
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_video(path, moving_face_frames(n, (96, 72), face_image(40, seed=seed), step=3))


def _evidence(root, seed: int, n: int = 6):
    """cam/a/clip.avi, cam/b/clip.avi (same name), cam/c.avi and an unreadable cam/broken.mp4.
    ``seed`` keeps each test's files (hence hashes and cached results) its own."""
    cam = root / "evidence" / "cam"
    for k, rel in enumerate(("a/clip.avi", "b/clip.avi", "c.avi")):
        _clip(cam / rel, seed + k, n)
    (cam / "broken.mp4").write_bytes(b"\x00not a video" * 300)
    return cam


READABLE = ("cam/a/clip.avi", "cam/b/clip.avi", "cam/c.avi")


@pytest.fixture(scope="session")
def installed(tiny_bundle):
    target = paths.user_models_dir() / tiny_bundle.id
    if not target.exists():
        shutil.copytree(tiny_bundle.path, target)
    return tiny_bundle


@pytest.fixture
def window(qtbot, tmp_path, installed, colour_detector):
    shown = []
    settings = Settings(QSettings(str(tmp_path / "settings.ini"), QSettings.IniFormat))
    w = MainWindow(settings, EnginePool(lambda b: Engine(b, detector=colour_detector)),
                   notify=lambda _p, m: shown.append(m), confirm=lambda *_: True, ask_unsaved=lambda *_: "discard")
    w.shown = shown
    qtbot.addWidget(w)
    w.resize(1366, 768)
    w.show()
    w.tabs.setCurrentWidget(w.batch)
    page = w.batch
    page.engine_factory = colour_engine
    page.model.setCurrentIndex(page.model.findData(installed.id))
    yield w
    w.shutdown()


def _run(qtbot, page, timeout=60_000):
    worker = page.start()
    assert worker is not None and page.running()
    qtbot.waitUntil(lambda: not page.running(), timeout=timeout)
    return worker


def _statuses(page) -> dict[str, str]:
    return {rel: page.table.status_of(rel) for rel in page.table.rows}


def test_a_batch_fills_the_table_as_videos_finish(qtbot, window, tmp_path):
    page = window.batch
    cam = _evidence(tmp_path, seed=10)
    before = {p: p.read_bytes() for p in cam.rglob("*") if p.is_file()}
    page.add_inputs([cam])
    page.set_output(str(tmp_path / "out"))
    snapshots = []
    page.row_shown.connect(lambda row: snapshots.append((row.rel, row.status, dict(_statuses(page)))))
    _run(qtbot, page)

    assert page.table.rowCount() == 4
    in_order = [i.rel for i in find_videos([cam])]  # the batch's order, until the analyst sorts a column
    assert [page.table.item(i, 0).text() for i in range(4)] == in_order
    page.table.sortByColumn(3, Qt.DescendingOrder)  # by score: numbers as numbers, the failed row last
    assert page.table.item(3, 0).text() == "cam/broken.mp4"
    scores = [float(page.table.item(i, 3).text()) for i in range(3)]
    assert scores == sorted(scores, reverse=True)
    statuses = _statuses(page)
    assert {rel: statuses[rel] for rel in READABLE} == dict.fromkeys(READABLE, "analysed")
    assert statuses["cam/broken.mp4"] == "failed"
    broken = page.table.rows["cam/broken.mp4"]
    assert broken.error and page.table.item(page.table.row_of("cam/broken.mp4"), 8).text().startswith(broken.error)
    for rel in READABLE:
        row = page.table.rows[rel]
        assert row.verdict in ("fake", "real", "inconclusive") and row.score is not None and row.coverage == 1.0
        assert result_paths(tmp_path / "out", rel)[0].is_file()
    # two clip.avi, two outputs with their own hashes
    docs = [json.loads(result_paths(tmp_path / "out", rel)[0].read_text()) for rel in READABLE[:2]]
    assert docs[0]["video"]["sha256"] != docs[1]["video"]["sha256"]
    # the table filled while the batch ran: the first analysed row showed with the others still waiting
    first = next(s for rel, status, s in snapshots if status == "done")
    assert sorted(first.values()).count("not analysed yet") >= 1 and "analysed" in first.values()
    assert "4 videos" in page.progress.text() and "3 analysed, 1 failed" in page.progress.text()
    assert before == {p: p.read_bytes() for p in cam.rglob("*") if p.is_file()}  # evidence untouched
    assert not (cam / "out").exists()


def test_an_output_folder_inside_the_evidence_is_refused_with_its_message(qtbot, window, tmp_path):
    page = window.batch
    cam = _evidence(tmp_path, seed=20)
    page.add_inputs([cam])
    page.set_output(str(cam / "results"))
    assert page.start() is None and not page.running()
    assert window.shown[-1].title == "Not beside the evidence" and "inside the input folder" in window.shown[-1].text
    assert not (cam / "results").exists()


def test_cancel_within_a_second_then_start_again_skips_the_finished(qtbot, window, tmp_path, monkeypatch):
    page = window.batch
    cam = _evidence(tmp_path, seed=30, n=40)
    page.engine_factory = partial(_slow_engine, delay_s=0.15)  # each video takes a few seconds
    page.add_inputs([cam])
    page.set_output(str(tmp_path / "out"))
    cancelled_at = []

    def cancel_after_first(row):
        if row.status == "done" and not cancelled_at:
            cancelled_at.append(time.monotonic())
            page.cancel()

    page.row_shown.connect(cancel_after_first)
    worker = _run(qtbot, page)
    page.row_shown.disconnect(cancel_after_first)
    assert time.monotonic() - cancelled_at[0] < 1.5  # the thread ended, its summary written
    assert worker.cancelled() and not window.workers.is_running(worker)
    first = {rel: s for rel, s in _statuses(page).items()}
    done = [rel for rel, s in first.items() if s == "analysed"]
    assert len(done) == 1 and sum(s in ("cancelled", "not analysed yet") for s in first.values()) >= 1
    assert "Start again" in page.progress.text()
    json_path = result_paths(tmp_path / "out", done[0])[0]
    stamp = (json_path.stat().st_mtime_ns, sha256_file(json_path))
    assert page.start_button.text() == "Resume" and page.resume_note.isVisible()

    page.engine_factory = colour_engine
    worker = _run(qtbot, page)
    again = _statuses(page)
    assert again[done[0]] == "finished before: skipped"
    assert sorted(s for rel, s in again.items() if rel != done[0]) == ["analysed", "analysed", "failed"]
    assert (json_path.stat().st_mtime_ns, sha256_file(json_path)) == stamp
    skipped = [e.data for e in audit.default_log().entries() if e.event == audit.BATCH_VIDEO_SKIPPED
               and e.data["path"] == str(cam / done[0][len("cam/"):])]
    assert skipped and skipped[-1]["result_sha256"] == stamp[1]


def _batch_done(qtbot, window, tmp_path, seed: int):
    """The Batch page after a whole batch of a generated evidence folder into ``tmp_path/out``."""
    page = window.batch
    cam = _evidence(tmp_path, seed=seed)
    page.add_inputs([cam])
    page.set_output(str(tmp_path / "out"))
    _run(qtbot, page)
    return page, cam


def _slow_engine(bundle_path: str, delay_s: float):
    return colour_engine(bundle_path, delay_s)


def test_an_earlier_output_folder_shows_its_table_and_inputs(qtbot, window, tmp_path):
    page, cam = _batch_done(qtbot, window, tmp_path, seed=40)
    page.inputs.clear()
    page.set_output(str(tmp_path / "elsewhere"))
    assert page.table.rowCount() == 0
    page.set_output(str(tmp_path / "out"))
    assert page.table.rowCount() == 4 and page.input_paths() == [str(cam)]
    assert page.start_button.text() == "Resume" and "earlier batch" in page.progress.text()


def _double_click(qtbot, page, rel):
    table = page.table
    r = table.row_of(rel)
    rect = table.visualItemRect(table.item(r, 0))
    qtbot.mouseClick(table.viewport(), Qt.LeftButton, pos=rect.center())
    qtbot.mouseDClick(table.viewport(), Qt.LeftButton, pos=rect.center())


def test_double_click_opens_review_with_the_batch_result(qtbot, window, tmp_path):
    page, cam = _batch_done(qtbot, window, tmp_path, seed=50)
    rel = "cam/b/clip.avi"
    stored = json.loads(result_paths(tmp_path / "out", rel)[0].read_text())
    opened_in = []
    real_open = window.open_stored

    def open_stored(*args):
        opened_in.append(threading.current_thread())
        return real_open(*args)

    window.open_stored = open_stored
    _double_click(qtbot, page, rel)
    qtbot.waitUntil(lambda: window.review.source == "batch", timeout=10_000)
    # on the GUI thread: widgets touched from the loader's thread crashed a later test (a lambda slot)
    assert opened_in == [threading.main_thread()]
    assert window.tabs.currentIndex() == 0 and window.info.path == str(cam / "b/clip.avi")
    r = window.current_result()
    assert r.sha256 == stored["video"]["sha256"] == window.video_sha256
    assert r.finished == stored["finished"] and len(r.frames) == len(stored["frames"])
    assert "batch result" in window.analysis.verdict_detail.text()
    assert window.analysis.detail.text().startswith("Batch result from")
    assert not window.analysis_running()

    def viewed():
        return [e.data for e in audit.default_log().entries() if e.event == audit.STORED_RESULT_VIEWED
                and e.data["path"] == str(cam / "b/clip.avi")]

    qtbot.waitUntil(lambda: viewed() != [], timeout=5000)
    assert viewed()[-1]["sha256"] == r.sha256 and viewed()[-1]["finished"] == r.finished
    # a failed row has nothing to open
    window.tabs.setCurrentWidget(page)
    assert page.open_row(page.table.row_of("cam/broken.mp4")) is None


def test_a_file_changed_since_the_batch_is_refused(qtbot, window, tmp_path):
    page, cam = _batch_done(qtbot, window, tmp_path, seed=60)
    _clip(cam / "c.avi", seed=99)  # replaced after the batch
    _double_click(qtbot, page, "cam/c.avi")
    qtbot.waitUntil(lambda: any(m.title == "Not the analysed file" for m in window.shown), timeout=10_000)
    assert window.review.source != "batch"
    assert window.info.path == str(cam / "c.avi")


def test_closing_the_window_stops_and_joins_the_batch(qtbot, window, tmp_path):
    page = window.batch
    cam = _evidence(tmp_path, seed=70, n=40)
    page.engine_factory = partial(_slow_engine, delay_s=0.15)
    page.add_inputs([cam])
    page.set_output(str(tmp_path / "out"))
    worker = page.start()
    qtbot.waitUntil(lambda: any(r.status == "pending" and r.sha256 for r in page.table.rows.values()), timeout=20_000)
    t = time.monotonic()
    window.close()
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=5000)
    assert time.monotonic() - t < 3
    assert worker.cancelled() and window.workers.running() == []
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["counts"]["done"] < 3  # stopped, not finished
