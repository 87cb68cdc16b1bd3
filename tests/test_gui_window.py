"""The review window driven as an analyst drives it: open, analyse, review, cancel, close."""

from __future__ import annotations

import gc
import json
import re
import shutil
import time

import numpy as np
import pytest
from detectors import SlowDetector
from media import face_image, moving_face_frames, write_video
from PySide6.QtCore import QMimeData, QPointF, QSettings, Qt, QUrl
from PySide6.QtGui import QDropEvent

from core import paths
from core.analysis import Engine
from core.errors import EmptyFile, UnreadableVideo
from core.segments import track_segments
from gui import gc_guard, messages
from gui.main_window import MainWindow
from gui.settings import Settings
from gui.workers import EnginePool


def _face_video(tmp_path, n: int = 40, seed: int = 0):
    """A moving cartoon face, absent in frames 20-24; ``seed`` changes the face, hence the hash."""
    frames = moving_face_frames(n, (160, 120), face_image(48, seed=seed), step=2)
    blank = np.full_like(frames[0], 30)
    for i in range(20, min(25, n)):
        frames[i] = blank
    folder = tmp_path / "evidence"  # exports go to tmp_path's other folders, never below the evidence
    folder.mkdir(exist_ok=True)
    return write_video(folder / f"face{seed}.avi", frames)


@pytest.fixture(scope="session")
def installed_bundle(tiny_bundle):
    """The tiny bundle installed where the window lists models (the test session's DFI_HOME)."""
    target = paths.user_models_dir() / tiny_bundle.id
    if not target.exists():
        shutil.copytree(tiny_bundle.path, target)
    # the user's chosen default, over the shipped one
    (paths.user_data_dir() / "default_model.txt").write_text(tiny_bundle.id)
    return tiny_bundle


class Harness:
    def __init__(self, qtbot, tmp_path, detector):
        self.made = 0
        self.qtbot = qtbot
        self.settings_file = tmp_path / "settings.ini"
        self.detector = detector

    def factory(self, bundle):
        self.made += 1
        return Engine(bundle, detector=self.detector)

    def window(self) -> MainWindow:
        settings = Settings(QSettings(str(self.settings_file), QSettings.IniFormat))
        w = MainWindow(settings, EnginePool(self.factory), notify=lambda _p, m: None, confirm=lambda *_: True,
                       ask_unsaved=lambda *_: "discard")
        self.qtbot.addWidget(w)
        w.resize(1200, 800)
        w.show()
        self.qtbot.waitExposed(w)
        w.activateWindow()
        return w

    def open(self, w, video):
        w.open_video(str(video))
        self.qtbot.waitUntil(lambda: w.info is not None and w.info.path == str(video) and w.view.exact,
                             timeout=5000)
        self.qtbot.waitUntil(lambda: w.video_sha256 is not None, timeout=5000)

    def analyse(self, w):
        self.qtbot.mouseClick(w.analysis.button, Qt.LeftButton)
        assert w.analysis_running()
        self.qtbot.waitUntil(lambda: not w.analysis_running(), timeout=30_000)


@pytest.fixture
def harness(qtbot, tmp_path, colour_detector, installed_bundle):
    h = Harness(qtbot, tmp_path, colour_detector)
    windows = []
    real = h.window

    def make():
        w = real()
        windows.append(w)
        return w

    h.window = make
    yield h
    for w in windows:
        w.shutdown()


def test_end_to_end_open_analyse_verdict_and_cached_reopen(qtbot, harness, tmp_path, installed_bundle):
    w = harness.window()
    assert w.analysis.bundle().id == installed_bundle.id
    video = _face_video(tmp_path, 40, seed=21)
    harness.open(w, video)
    assert w.metadata.values["Resolution"].text() == "160 × 120"
    assert w.metadata.sha256 == w.video_sha256 and len(w.video_sha256) == 64
    assert w.analysis.verdict_label.text() == "not analysed"

    harness.analyse(w)
    result = w.current_result()
    assert result is not None and result.complete and len(result.frames) == 40
    assert w.review.source == "analysed" and harness.made == 1
    label = result.verdict.label.replace("_", " ").upper() + f" (track {result.verdict.track})"
    assert w.analysis.verdict_label.text() == label
    detail = re.sub("<[^>]+>", "", w.analysis.verdict_detail.text())
    assert f"{result.verdict.frames_scored} of 40 analysed frames scored" in detail
    assert result.verdict.strategy in detail
    # The timeline holds the scores, with gaps (NaN) where no face was found.
    x, y = w.timeline.max_curve.getData()
    assert len(y) == 40 and np.isnan(y[20:25]).all() and np.isfinite(y[:20]).all()
    assert w.timeline.status_image.image.shape[0] == 40
    assert w.segments.segment_table.rowCount() == len(w.review.segments)
    # The overlay draws the tracked face on an analysed frame.
    w.playback.seek(5)
    qtbot.waitUntil(lambda: w.view.shown_index == 5 and w.view.exact)
    assert w.view.face_frame is not None and w.view.face_frame.index == 5 and w.view.face_frame.faces

    # Reopening the same file shows the stored result, with no model loaded and no analysis run.
    w.close_video()
    assert w.current_result() is None
    harness.open(w, video)
    qtbot.waitUntil(lambda: w.review.source == "cached", timeout=5000)
    assert not w.analysis_running() and harness.made == 1
    assert w.current_result().frames == result.frames
    assert w.analysis.verdict_label.text() == label


def test_before_analysis_the_review_threshold_is_the_chosen_models(qtbot, harness, tmp_path, installed_bundle):
    strict = paths.user_models_dir() / "strict-copy"  # the tiny bundle again, with another threshold
    shutil.copytree(installed_bundle.path, strict)
    card = json.loads((strict / "card.json").read_text())
    card["threshold"] = 0.27
    (strict / "card.json").write_text(json.dumps(card))
    try:
        w = harness.window()
        harness.open(w, _face_video(tmp_path, 30, seed=23))
        assert w.review.threshold == pytest.approx(installed_bundle.card.threshold)
        w.analysis.model.setCurrentIndex(w.analysis.model.findData("strict-copy"))
        assert w.analysis.threshold.value() == pytest.approx(0.27)
        assert w.timeline.threshold_line.value() == pytest.approx(0.27)
        harness.analyse(w)
        assert w.current_result().params["threshold"] == pytest.approx(0.27)
        # With a result on screen, choosing another model leaves the review threshold alone.
        w.analysis.model.setCurrentIndex(w.analysis.model.findData(installed_bundle.id))
        assert w.review.threshold == pytest.approx(0.27)
    finally:
        shutil.rmtree(strict)


def test_the_warm_up_loads_the_model_and_freezes_what_is_alive(qtbot, harness):
    w = harness.window()
    assert gc.get_freeze_count() == 0
    worker = w.start_warm_up()
    assert worker is not None
    assert gc_guard._held == 1  # the timer collects nothing while the runtime loads
    qtbot.waitUntil(lambda: harness.made == 1 and gc.get_freeze_count() > 0, timeout=30_000)
    qtbot.waitUntil(lambda: gc_guard._held == 0, timeout=5_000)  # and again once it is frozen
    assert w.start_warm_up() is None  # loaded once


def test_bad_files_show_the_mapped_message_and_keep_the_open_video(qtbot, harness, tmp_path):
    w = harness.window()
    good = _face_video(tmp_path, 10, seed=22)
    harness.open(w, good)
    junk = tmp_path / "not_a_video.mp4"
    junk.write_text("this is text, not a video")
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    for path, kind in ((junk, UnreadableVideo), (empty, EmptyFile), (tmp_path / "missing.mp4", None)):
        w.last_message = None
        w.open_video(str(path))
        qtbot.waitUntil(lambda: w.last_message is not None, timeout=5000)
        if kind is not None:
            assert w.last_message.title == messages.TABLE[kind][0]
        assert w.last_message.expected and path.name in w.last_message.text
    assert w.info.path == str(good)
    w.playback.step(1)
    qtbot.waitUntil(lambda: w.view.shown_index == 1 and w.view.exact)


def test_click_on_the_timeline_seeks_there(qtbot, harness, tmp_path):
    w = harness.window()
    harness.open(w, _face_video(tmp_path, 40, seed=23))
    for frame in (30, 7):
        vb = w.timeline.plot.getViewBox()
        scene = vb.mapViewToScene(QPointF((frame + 0.5) / w.info.fps, 0.5))
        pos = w.timeline.view.mapFromScene(scene)
        qtbot.mouseClick(w.timeline.view.viewport(), Qt.LeftButton, pos=pos)
        qtbot.waitUntil(lambda f=frame: w.playback.position == f and w.view.exact and w.view.shown_index == f)
        assert w.timeline.playhead.value() == pytest.approx(frame / w.info.fps)


def test_threshold_line_changes_segments_and_verdict(qtbot, harness, tmp_path):
    w = harness.window()
    harness.open(w, _face_video(tmp_path, 40, seed=24))
    harness.analyse(w)
    result = w.review.result
    scores = np.array([f.score for f in result.frames if f.score is not None])
    low, high = float(scores.min()) - 0.02, min(0.99, float(scores.max()) + 0.02)
    rules = w.review.rules

    w.timeline.threshold_line.setValue(low)  # what a drag does: the line moves, segments follow
    qtbot.waitUntil(lambda: w.review.segments == track_segments(result.frames, low, rules.segments))
    assert len(w.review.segments) >= 1
    assert w.segments.segment_table.rowCount() == len(w.review.segments)
    assert w.analysis.threshold.value() == pytest.approx(round(low, 2))
    decided = w.current_result()
    assert decided.params["threshold"] == pytest.approx(low) and decided.verdict.threshold == pytest.approx(low)
    assert any("review" in x for x in decided.warnings)
    qtbot.waitUntil(lambda: "review threshold" in w.analysis.verdict_detail.text())
    bands = w.timeline.bands.opts["x0"]
    assert len(bands) == len(w.review.segments)

    w.timeline.threshold_line.setValue(high)
    qtbot.waitUntil(lambda: w.review.segments == ())
    assert w.segments.segment_table.rowCount() == 0
    qtbot.mouseClick(w.analysis.reset_threshold, Qt.LeftButton)
    qtbot.waitUntil(lambda: w.review.threshold == pytest.approx(result.params["threshold"]))
    assert w.current_result() is result


def test_changing_the_strategy_redecides_the_scores_on_screen(qtbot, harness, tmp_path):
    w = harness.window()
    harness.open(w, _face_video(tmp_path, 40, seed=26))
    harness.analyse(w)
    result = w.review.result
    assert result.verdict.strategy == "mean"
    w.analysis.strategy.setCurrentIndex(w.analysis.strategy.findData("majority"))
    qtbot.waitUntil(lambda: w.current_result().verdict.strategy == "majority")
    assert w.current_result().frames == result.frames  # the same scores, decided again
    qtbot.waitUntil(lambda: "decided by majority in review" in w.analysis.verdict_detail.text())
    assert "No stored result" not in w.analysis.detail.text()
    assert w.review.result is result


def test_the_readout_forgets_the_previous_file(qtbot, harness, tmp_path):
    w = harness.window()
    harness.open(w, _face_video(tmp_path, 40, seed=27))
    harness.analyse(w)
    w.playback.seek(12)
    qtbot.waitUntil(lambda: "frame <b>12</b>" in w.timeline.readout.text() and "max" in w.timeline.readout.text())
    harness.open(w, _face_video(tmp_path, 20, seed=28))
    assert "frame <b>12</b>" not in w.timeline.readout.text() and "max" not in w.timeline.readout.text()


def test_next_and_previous_segment_keys(qtbot, harness, tmp_path):
    w = harness.window()
    harness.open(w, _face_video(tmp_path, 40, seed=25))
    harness.analyse(w)
    scores = [f.score for f in w.review.result.frames if f.score is not None]
    w.review.set_threshold(min(scores) - 0.02)  # every scored run becomes a segment
    qtbot.waitUntil(lambda: len(w.review.segments) == 2)  # frames 0-19 and 25-39, split by the gap
    first, second = w.review.segments
    w.playback.seek(0)
    w.view.setFocus()
    qtbot.keyClick(w.view, Qt.Key_N)
    assert w.playback.position == second.start_frame
    qtbot.keyClick(w.view, Qt.Key_P)
    assert w.playback.position == first.start_frame
    table = w.segments.segment_table
    rect = table.visualRect(table.model().index(1, 2))
    qtbot.mouseClick(table.viewport(), Qt.LeftButton, pos=rect.center())
    assert w.playback.position == second.start_frame
    qtbot.mouseDClick(table.viewport(), Qt.LeftButton, pos=rect.center())
    assert w.playback.position == second.peak_frame


def test_cancel_mid_run_keeps_partial_scores_within_a_second(qtbot, harness, tmp_path, colour_detector):
    harness.detector = SlowDetector(colour_detector, 0.05)
    w = harness.window()
    harness.open(w, _face_video(tmp_path, 300, seed=26))
    qtbot.mouseClick(w.analysis.button, Qt.LeftButton)
    qtbot.waitUntil(lambda: len(w.review.store) >= 32, timeout=20_000)
    t0 = time.perf_counter()
    qtbot.mouseClick(w.analysis.button, Qt.LeftButton)  # the button says Cancel now
    qtbot.waitUntil(lambda: not w.analysis_running(), timeout=5000)
    assert time.perf_counter() - t0 < 1.0
    result = w.current_result()
    assert result is not None and not result.complete
    assert 32 <= len(result.frames) < 300
    assert len(w.review.store) == len(result.frames)
    assert "(partial)" in w.analysis.verdict_label.text()
    assert np.isfinite(w.timeline.max_curve.getData()[1]).sum() >= 20
    bar = w.analysis.progress  # the bar stays where it stopped, not "done"
    share = 100 * len(result.frames) / 300
    assert bar.text() == f"cancelled at {share:.0f} %" and bar.value() == len(result.frames) < bar.maximum()


def test_open_log_folder_without_a_file_manager_says_where_the_folder_is(qtbot, harness, monkeypatch):
    from PySide6.QtGui import QDesktopServices, QGuiApplication

    from core import paths

    w = harness.window()
    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(lambda _url: False))
    w.acts.log_folder.trigger()
    msg = w.last_message
    assert msg is not None and msg.title == "No file manager" and str(paths.log_dir()) in msg.text
    assert QGuiApplication.clipboard().text() == str(paths.log_dir())


def test_closing_during_analysis_cancels_and_joins_the_thread(qtbot, harness, tmp_path, colour_detector):
    harness.detector = SlowDetector(colour_detector, 0.05)
    w = harness.window()
    harness.open(w, _face_video(tmp_path, 300, seed=27))
    qtbot.mouseClick(w.analysis.button, Qt.LeftButton)
    qtbot.waitUntil(lambda: len(w.review.store) >= 16, timeout=20_000)
    worker = w.jobs.worker
    assert w.workers.is_running(worker)
    w.close()
    qtbot.waitUntil(lambda: not w.isVisible(), timeout=5000)
    assert w.workers.running() == [] and not w.workers.is_running(worker)
    assert worker.cancelled()


def test_unexpected_worker_errors_show_details_and_the_log_file(qtbot, harness, tmp_path):
    def broken_factory(bundle):
        raise RuntimeError("simulated bug in the engine")

    w = harness.window()
    w.engines._factory = broken_factory
    harness.open(w, _face_video(tmp_path, 10, seed=30))
    harness.analyse(w)
    msg = w.last_message
    assert msg is not None and not msg.expected and msg.title == "Unexpected error"
    assert "simulated bug" in msg.text and "RuntimeError" in msg.details
    assert messages.log_path() in msg.hint
    assert w.analysis.verdict_label.text() == "not analysed"
    assert w.acts.analyze.isEnabled()


def test_drop_recent_files_and_remembered_settings(qtbot, harness, tmp_path, installed_bundle):
    w = harness.window()
    video = _face_video(tmp_path, 10, seed=28)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(video))])
    drop = QDropEvent(QPointF(50, 50), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    w.dropEvent(drop)
    qtbot.waitUntil(lambda: w.info is not None and w.info.path == str(video), timeout=5000)
    assert w.settings.recent_files()[0] == str(video)
    w.analysis.every.setValue(3)
    w.resize(1000, 700)
    w.close()
    qtbot.waitUntil(lambda: not w.isVisible())

    again = harness.window()
    assert again.settings.recent_files()[0] == str(video)
    assert again.analysis.params().every == 3
    assert again.analysis.bundle().id == installed_bundle.id
    again._fill_recent()
    entries = [a for a in again.recent_menu.actions() if a.toolTip() == str(video)]
    assert entries and entries[0].isEnabled()
    entries[0].trigger()
    qtbot.waitUntil(lambda: again.info is not None and again.info.path == str(video), timeout=5000)


def test_go_to_dialog_parses_frames_and_times(qtbot, harness, tmp_path):
    from gui.goto_dialog import GotoDialog

    d = GotoDialog(fps=10.0, frames=40, current=0)
    qtbot.addWidget(d)
    d.edit.setText("00:00:02.5")
    assert d.target == 25
    d.edit.setText("40")
    assert d.target is None and "outside" in d.preview.text()
    d.edit.setText("12")
    assert d.target == 12


def test_gui_thread_never_imports_tensorflow(tmp_path):
    """Opening a video and showing frames must not load TensorFlow in the window's process."""
    import os
    import subprocess
    import sys

    video = _face_video(tmp_path, 5, seed=29)
    code = f"""
import sys
from PySide6.QtCore import QEventLoop, QSettings, QTimer
from gui.app import create_app
from gui.main_window import MainWindow
from gui.settings import Settings
app = create_app()
w = MainWindow(Settings(QSettings({str(tmp_path / 's.ini')!r}, QSettings.IniFormat)), notify=lambda *a: None)
w.show()
w.open_video({str(video)!r})
loop = QEventLoop()
def check():
    if w.view.exact and w.video_sha256:
        loop.quit()
    else:
        QTimer.singleShot(20, check)
QTimer.singleShot(0, check)
QTimer.singleShot(10000, loop.quit)
loop.exec()
assert w.view.exact and w.video_sha256, "video did not open"
w.shutdown()
bad = sorted(m for m in ("tensorflow", "keras", "mtcnn") if m in sys.modules)
print("LOADED:", bad)
sys.exit(1 if bad else 0)
"""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    out = subprocess.run([sys.executable, "-c", code], cwd=str(paths.app_root()), env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr


def test_export_report_from_the_window(qtbot, harness, tmp_path):
    from gui import report_action

    w = harness.window()
    assert any(a.text() == "Export &report…" for a in w.file_menu.actions())
    shown = []
    w.notify = lambda _parent, msg: shown.append(msg)
    assert report_action.export_current(w, str(tmp_path / "none.html")) is None  # nothing analysed yet
    assert shown and shown[0].title == "No analysis to report"
    video = _face_video(tmp_path, 30, seed=5)
    harness.open(w, video)
    harness.analyse(w)
    out = tmp_path / "case" / "report.html"
    qtbot.waitUntil(lambda: w.file_structure is not None, timeout=5000)
    worker = report_action.export_current(w, str(out))
    assert worker.file_structure is w.file_structure  # the structure the File panel shows goes in the report
    with qtbot.waitSignal(worker.finished, timeout=60_000):
        pass
    html = out.read_text()
    assert w.video_sha256 in html and w.current_result().model.sha256 in html
    assert "The file: structure and content credentials" in html and w.file_structure.container.format_long_name in html
    assert (tmp_path / "case" / "report.json").is_file()
    # the status line comes queued from the worker's thread; finished may reach the test first
    qtbot.waitUntil(lambda: "Report written" in w.statusBar().currentMessage(), timeout=5000)
    pdf = tmp_path / "case" / "report.pdf"
    worker = report_action.export_current(w, str(pdf))
    with qtbot.waitSignal(worker.finished, timeout=60_000):
        pass
    assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 10_000


def test_bookmarks_and_notes_are_saved_with_the_case_and_reach_the_report(qtbot, harness, tmp_path):
    from gui import report_action

    w = harness.window()
    video = _face_video(tmp_path, 30, seed=6)
    harness.open(w, video)
    harness.analyse(w)
    panel = w.case_panel
    panel.number.setText("2026-117")
    panel.title.setText("Exhibit 4, doorbell camera")
    panel.analyst.setText("R. Analyst")
    w.playback.seek(12)
    qtbot.waitUntil(lambda: w.current_frame() == 12, timeout=5000)
    panel.note.setText("mouth edge flickers")
    panel.add_note()
    panel.add_bookmark("peak")
    assert panel.items.count() == 2
    marks = w.timeline.bookmark_lines  # the bookmark is a labelled marker on the timeline at its frame
    assert len(marks) == 1 and marks[0].frame == 12 and marks[0].value() == pytest.approx(12 / w.info.fps)
    assert "peak" in marks[0].label.textItem.toPlainText()
    case_file = tmp_path / "cases" / "case.dficase"
    assert panel.save(str(case_file)) == str(case_file)

    w2 = harness.window()
    worker = w2.case_panel.open(str(case_file))
    with qtbot.waitSignal(worker.finished, timeout=30_000):
        pass
    qtbot.waitUntil(lambda: w2.video_sha256 is not None and w2.case_panel.items.count() == 2, timeout=10_000)
    assert w2.case_panel.number.text() == "2026-117"

    out = tmp_path / "reports" / "r.html"
    worker = report_action.export_current(w, str(out))
    with qtbot.waitSignal(worker.finished, timeout=60_000):
        pass
    html = out.read_text()
    assert "mouth edge flickers" in html and "2026-117" in html and "Exhibit 4, doorbell camera" in html
    assert w2.case_panel.title.text() == "Exhibit 4, doorbell camera"


def test_unsaved_case_work_is_saved_discarded_or_kept_on_quit_and_always_saved_as_dficase(qtbot, harness, tmp_path):
    w = harness.window()
    harness.open(w, _face_video(tmp_path, 12, seed=8))
    asked = []

    def never(_parent, text):
        raise AssertionError(f"asked with nothing unsaved: {text}")

    w.ask_unsaved = never
    assert not w.case_panel.unsaved()
    w.case_panel.add_bookmark("mouth")
    assert w.case_panel.unsaved()

    w.ask_unsaved = lambda _p, text: asked.append(text) or "cancel"
    w.close()  # Ctrl+Q with an unsaved bookmark: asked, and Cancel keeps the window and the bookmark
    assert len(asked) == 1 and "unsaved" in asked[0] and w.isVisible() and not w._shut_down
    assert w.case_panel.items.count() == 1

    saved = w.case_panel.save(str(tmp_path / "case42"))  # no suffix typed
    assert saved == str(tmp_path / "case42.dficase") and (tmp_path / "case42.dficase").is_file()
    assert not (tmp_path / "case42").exists() and not w.case_panel.unsaved()
    w.case_panel.add_bookmark("eyes")
    copy = w.case_panel.save_as(str(tmp_path / "copy.DFICASE"))
    assert copy == str(tmp_path / "copy.DFICASE") and w.case_panel.path == copy
    w.case_panel.number.setText("2026-9")  # a detail typed but not yet committed counts too
    assert w.case_panel.unsaved()

    w.ask_unsaved = lambda _p, text: asked.append(text) or "save"
    w.close()  # Save: written where it was saved last, then the window closes
    assert len(asked) == 2 and w._shut_down
    from core.forensic import case as cs

    opened = cs.open_case(copy)
    assert opened.case.case_number == "2026-9" and len(opened.case.bookmarks) == 2


def test_the_video_panel_never_shows_a_stale_hash(qtbot, harness, tmp_path):
    """The file changes after it was opened: a reopened case and a new analysis hash it again, and
    the Video panel shows that hash, saying the file changed, not the one taken on opening."""
    import hashlib

    video = _face_video(tmp_path, 12, seed=10)
    w = harness.window()
    harness.open(w, video)
    first = w.metadata.sha256
    assert w.metadata.sha_state.text().startswith("computed from the file at")
    w.case_panel.add_bookmark("x")
    case_file = w.case_panel.save(str(tmp_path / "c.dficase"))
    data = bytearray(video.read_bytes())
    data[-10] ^= 0xFF  # one byte of the evidence changes on disk
    video.write_bytes(bytes(data))
    changed = hashlib.sha256(bytes(data)).hexdigest()

    worker = w.case_panel.open(case_file)
    with qtbot.waitSignal(worker.finished, timeout=30_000):
        pass
    qtbot.waitUntil(lambda: w.metadata.sha256 == changed, timeout=5000)
    state = w.metadata.sha_state.text()
    assert "when the case was opened" in state and f"on opening it was {first[:12]}" in state
    assert w.video_sha256 == changed

    data[-20] ^= 0xFF  # and again before an analysis
    video.write_bytes(bytes(data))
    harness.analyse(w)
    assert w.metadata.sha256 == hashlib.sha256(bytes(data)).hexdigest() == w.current_result().sha256
    assert "by the analysis" in w.metadata.sha_state.text()


def test_keys_go_to_the_focused_input_and_player_keys_only_work_on_the_review_page(qtbot, harness, tmp_path):
    w = harness.window()
    harness.open(w, _face_video(tmp_path, 30, seed=12))
    vb = w.timeline.plot.getViewBox()
    span = lambda: vb.viewRange()[0][1] - vb.viewRange()[0][0]  # noqa: E731
    whole = span()
    w.view.setFocus()
    qtbot.keyClick(w.view, Qt.Key_Up)  # on the review page, Up zooms the timeline in
    qtbot.waitUntil(lambda: span() < 0.9 * whole, timeout=2000)
    w.acts.timeline_all.trigger()
    qtbot.waitUntil(lambda: abs(span() - whole) < 1e-6, timeout=2000)

    w.tabs.setCurrentWidget(w.training)
    epochs = w.training.form.epochs
    epochs.setFocus()
    qtbot.waitUntil(epochs.hasFocus, timeout=2000)
    before = epochs.value()
    qtbot.keyClick(epochs, Qt.Key_Up)  # the spin box steps; the hidden timeline stays
    assert epochs.value() == before + 1 and abs(span() - whole) < 1e-6
    w.training.setFocus()
    qtbot.keyClick(w.training, Qt.Key_Right)  # off the review page no player key acts
    qtbot.keyClick(w.training, Qt.Key_Space)
    assert w.playback.position == 0 and not w.playback.playing

    w.show_review()
    w.case_panel.note.setFocus()
    qtbot.waitUntil(w.case_panel.note.hasFocus, timeout=2000)
    qtbot.keyClicks(w.case_panel.note, "n p")  # typing a note: letters and spaces are text, not commands
    assert w.case_panel.note.text() == "n p" and not w.playback.playing
    w.view.setFocus()
    qtbot.keyClick(w.view, Qt.Key_Right)
    qtbot.waitUntil(lambda: w.playback.position == 1, timeout=2000)


def _clipped(area) -> list[str]:
    """Widgets inside a scroll area that reach past its visible width (cut off, no scroll bar)."""
    from PySide6.QtWidgets import QWidget

    inner, room = area.widget(), area.viewport().width()
    out = []
    for c in inner.findChildren(QWidget):
        if c.isVisible() and c.width() > 0:
            right = c.mapTo(inner, c.rect().topRight()).x()
            if right > room:
                out.append(f"{type(c).__name__} {getattr(c, 'text', lambda: '')()!r} ends at {right} > {room}")
    return out


def test_side_panel_and_training_form_fit_a_laptop_screen(qtbot, harness, tmp_path):
    """At 1366x768 nothing in the side panel or the Training form is cut off at the right edge
    (the training form showed no browse buttons, spin arrows or third augmentation column)."""
    w = harness.window()
    w.resize(1366, 768)
    harness.open(w, _face_video(tmp_path, 12, seed=13))
    harness.analyse(w)
    w.metadata.set_sha("ab" * 32, "computed from the file by the analysis at 12:00:00 (the file changed: on opening "
                                   "it was 0123456789ab…)")
    w.metadata.set_end(9_999, 12_345)
    qtbot.wait(100)
    clipped = _clipped(w.side_dock.widget())
    assert clipped == [], "\n".join(clipped)
    w.tabs.setCurrentWidget(w.training)
    qtbot.wait(100)
    form_area = w.training.form.parentWidget().parentWidget()
    assert _clipped(form_area) == []
    assert w.training.form.width() <= form_area.viewport().width()


def test_audit_log_viewer_lists_checks_and_verifies(qtbot, harness, tmp_path, colour_detector):
    import json

    from core.forensic import atomic, audit

    w = harness.window()
    video = _face_video(tmp_path, 12, seed=14)
    harness.open(w, video)
    harness.analyse(w)
    saved = tmp_path / "out" / "r.json"
    atomic.write_text(saved, json.dumps(w.current_result().to_json()))
    w.acts.audit_log.trigger()
    d = w.audit_viewer
    qtbot.addWidget(d)
    assert d.table.rowCount() == len(audit.default_log().entries()) > 0
    d.filter.setText(video.name)
    events = {d.table.item(r, 2).text() for r in range(d.table.rowCount())}
    assert {"file opened", "analysis started", "analysis finished"} <= events
    assert all(video.name in d.table.item(r, 3).text() for r in range(d.table.rowCount()))
    d.table.selectRow(0)
    assert video.name in d.details.text()

    assert d.check() is not None
    qtbot.waitUntil(lambda: "audit log intact" in d.status.text(), timeout=10_000)

    d.detector = colour_detector
    assert d.verify(str(saved), str(video)) is not None
    qtbot.waitUntil(lambda: "MATCH" in d.status.text() or "⚠" in d.status.text(), timeout=60_000)
    assert "DIFFERENT" not in d.status.text() and "⚠" not in d.status.text()
    assert audit.default_log().entries()[-1].event == audit.VERIFY_FINISHED
    d.filter.clear()
    assert d.table.item(0, 2).text() == "verify finished"  # newest first, reloaded after the verify


def test_the_case_panel_lists_every_evidence_file_and_opens_them(qtbot, harness, tmp_path):
    w = harness.window()
    first, second = _face_video(tmp_path, 10, seed=15), _face_video(tmp_path, 10, seed=16)
    harness.open(w, first)
    w.case_panel.add_current()
    harness.open(w, second)
    w.case_panel.add_bookmark("here")
    ev = w.case_panel.evidence
    assert ev.count() == 2
    texts = [ev.item(i).text() for i in range(2)]
    assert texts[0].startswith(first.name) and "0 marks" in texts[0]
    assert texts[1].startswith(f"▶ {second.name}") and "1 mark" in texts[1] and ev.item(1).font().bold()
    ev.itemDoubleClicked.emit(ev.item(0))
    qtbot.waitUntil(lambda: w.info is not None and w.info.path == str(first) and w.video_sha256 is not None,
                    timeout=5000)
    qtbot.waitUntil(lambda: w.case_panel.evidence.item(0).text().startswith("▶"), timeout=5000)


def test_heatmaps_over_the_faces_on_screen_on_demand(qtbot, harness, tmp_path):
    w = harness.window()
    harness.open(w, _face_video(tmp_path, 12, seed=17))
    harness.analyse(w)
    scored = next(f for f in w.current_result().frames if any(x.score is not None for x in f.faces))
    w.playback.seek(scored.index)
    qtbot.waitUntil(lambda: w.view.exact and w.view.shown_index == scored.index, timeout=5000)
    decoded = w.view.rgb.copy()
    before = w.view.grab().toImage()
    assert "not a map of manipulated pixels" in w.acts.heatmaps.toolTip()
    w.acts.heatmaps.setChecked(True)
    tracks = {x.track for x in scored.faces if x.score is not None}
    qtbot.waitUntil(lambda: set(w.view.heatmaps) == tracks, timeout=30_000)
    square, cam = w.view.heatmaps[min(tracks)]
    size = w.analysis.bundle().card.input_size
    assert cam.shape == (size, size) and square[2] - square[0] == square[3] - square[1]
    assert 0.0 <= cam.min() and cam.max() <= 1.0
    assert np.array_equal(w.view.rgb, decoded)  # painted over, the decoded frame untouched
    after = w.view.grab().toImage()
    centre = w.view.image_to_widget().map(QPointF((square[0] + square[2]) / 2, (square[1] + square[3]) / 2))
    assert before.pixelColor(int(centre.x()), int(centre.y())) != after.pixelColor(int(centre.x()), int(centre.y()))
    d = w.show_adjustments()  # the opacity slider of View adjustments
    d.heat.setValue(90)
    assert w.heatmaps.opacity == 0.9 and w.view.heat_opacity == 0.9
    d.close()
    w.acts.heatmaps.setChecked(False)
    assert w.view.heatmaps == {}


def test_saving_under_a_name_whose_suffixed_file_exists_asks_first(qtbot, harness, tmp_path):
    w = harness.window()
    harness.open(w, _face_video(tmp_path, 10, seed=18))
    w.case_panel.add_bookmark("x")
    other = tmp_path / "other.dficase"
    other.write_text("another case")
    asked = []
    w.confirm = lambda _p, title, text: asked.append(text) or False
    assert w.case_panel.save_as(str(tmp_path / "other")) is None  # typed without the suffix: asked, declined
    assert other.read_text() == "another case" and asked and "other.dficase exists" in asked[0]
    assert w.case_panel.unsaved()


def test_segments_are_marked_stable_or_fragile_after_a_robustness_check(qtbot, harness, tmp_path):
    w = harness.window()
    harness.open(w, _face_video(tmp_path, 16, seed=19))
    w.review.set_threshold(0.05)  # every scored frame suspicious: there are segments to check
    harness.analyse(w)
    assert w.current_result().segments
    worker = w.check_robustness()
    assert worker is not None
    qtbot.waitUntil(lambda: w._robustness_of(w.review.current_result()) is not None, timeout=60_000)
    cell = w.segments.segment_table.item(0, 0)
    assert cell.text() in ("1 ✓", "1 ⚠") and ("Stable" in cell.toolTip() or "FRAGILE" in cell.toolTip())
    w.review.set_threshold(0.99)  # other segments: the marks no longer apply
    qtbot.waitUntil(lambda: w.segments.segment_table.rowCount() == 0 or
                    w.segments.segment_table.item(0, 0).text().isdigit(), timeout=5000)


def test_a_robustness_check_draws_the_re_encoding_range_around_the_probed_frames(qtbot, harness, tmp_path):
    """A band per track from the lowest to the highest degraded score, exactly over the frames the probe
    re-scored, under the curves; it stays while the threshold moves (its scores do not depend on it) and
    goes with another video or a new analysis."""
    from gui.timeline import PROBE_WORDS

    w = harness.window()
    harness.open(w, _face_video(tmp_path, 16, seed=19))
    w.review.set_threshold(0.05)
    harness.analyse(w)
    assert not w.timeline.probe_bands and "re-encoded" not in w.timeline.legend.text()
    w.check_robustness()
    qtbot.waitUntil(lambda: bool(w.timeline.probe_bands), timeout=60_000)
    report = w._probe_of(w.current_result())
    fps, step = w.info.fps, w.review.store.every / w.info.fps
    for track, band in w.timeline.probe_bands.items():
        own = [f for f in report.frames if f.track == track]
        assert band.frames == tuple(sorted(f.frame for f in own))
        rect = band.path().boundingRect()  # in the plot's units: seconds across, P(fake) up
        first, last = min(band.frames) / fps, max(band.frames) / fps
        assert first - step / 2 - 1e-9 <= rect.left() <= first + 1e-9  # half a sample wider only for a lone frame
        assert last - 1e-9 <= rect.right() <= last + step / 2 + 1e-9
        assert rect.top() == pytest.approx(min(f.low for f in own))
        assert rect.bottom() == pytest.approx(max(f.high for f in own))
        assert band.zValue() < w.timeline._curves[track].zValue() and band.scene() is w.timeline.plot.scene()
    assert {f.track for f in report.frames} == set(w.timeline.probe_bands)
    assert "re-encoded range" in w.timeline.legend.text() and PROBE_WORDS in w.timeline.legend.toolTip()
    probed = report.frames[0]
    assert "re-encoded" in w.timeline.describe_frame(probed.frame)
    w.review.set_threshold(0.6)  # other segments, same scores: the marks go, the band stays
    qtbot.waitUntil(lambda: w._robustness_of(w.current_result()) is None, timeout=5000)
    assert w.timeline.probe_bands

    harness.open(w, _face_video(tmp_path, 16, seed=20))
    assert not w.timeline.probe_bands and "re-encoded" not in w.timeline.legend.text()
    assert "re-encoded" not in w.timeline.describe_frame(probed.frame)


def test_a_new_analysis_clears_the_re_encoding_range(qtbot, harness, tmp_path):
    w = harness.window()
    harness.open(w, _face_video(tmp_path, 16, seed=21))
    w.review.set_threshold(0.05)
    harness.analyse(w)
    w.check_robustness()
    qtbot.waitUntil(lambda: bool(w.timeline.probe_bands), timeout=60_000)
    w.start_analysis(use_cache=False)  # a new run: its scores are not the ones probed
    assert not w.timeline.probe_bands
    qtbot.waitUntil(lambda: not w.analysis_running(), timeout=30_000)
    assert w.current_result() is not None and not w.timeline.probe_bands


def test_what_the_analyst_looked_at_is_in_the_audit_log(qtbot, harness, tmp_path):
    """Viewing a file writes file_opened (purpose view) before any analysis; a stored result shown
    on reopening writes stored_result_viewed naming the model and the verdict shown."""
    from core.forensic import audit

    video = _face_video(tmp_path, 16, seed=9)
    w = harness.window()
    w.case_panel.number.setText("C-11")
    w.case_panel._details_changed()
    harness.open(w, video)

    def events(sha):
        return [e for e in audit.default_log().entries() if e.data.get("sha256") == sha]

    viewed = [e for e in events(w.video_sha256) if e.event == audit.FILE_OPENED]
    assert [e.data["purpose"] for e in viewed] == ["view"] and viewed[0].data["case_number"] == "C-11"
    assert viewed[0].data["path"] == str(video)
    assert not any(e.event == audit.STORED_RESULT_VIEWED for e in events(w.video_sha256))
    harness.analyse(w)
    verdict = w.current_result().verdict.label

    w2 = harness.window()
    harness.open(w2, video)
    qtbot.waitUntil(lambda: w2.current_result() is not None, timeout=10_000)
    shown = [e for e in events(w2.video_sha256) if e.event == audit.STORED_RESULT_VIEWED]
    assert len(shown) == 1 and shown[0].data["verdict"] == verdict
    assert shown[0].data["model_id"] == w2.current_result().model.id
    assert [e.data["purpose"] for e in events(w2.video_sha256) if e.event == audit.FILE_OPENED] == [
        "view", "analysis", "view"]
    assert audit.verify_chain().ok


def test_window_analyses_are_in_the_audit_log(qtbot, harness, tmp_path):
    from core.forensic import audit

    w = harness.window()
    harness.open(w, _face_video(tmp_path, 20, seed=7))
    w.case_panel.number.setText("C-7")
    w.case_panel.analyst.setText("A. Analyst")
    w.case_panel._details_changed()
    harness.analyse(w)
    assert w.current_result().provenance.get("case_number") == "C-7"
    events = [e.event for e in audit.default_log().entries() if e.data.get("sha256") == w.video_sha256]
    assert {"file_opened", "analysis_started", "analysis_finished"} <= set(events)
    assert audit.verify_chain().ok


def test_every_segment_number_is_in_view_in_a_narrow_panel(qtbot):
    """The Segments table at the width it gets beside the timeline at 1366x768 (about 290 px): every cell,
    the peak scores included, lies inside the visible area (a stretched last column pushed them out)."""
    from core.result import Segment
    from gui.segments_panel import SegmentsPanel

    p = SegmentsPanel()
    qtbot.addWidget(p)
    p.resize(290, 200)
    p.show()
    qtbot.waitExposed(p)
    p.set_segments((Segment(300, 312, 10.0, 10.4, 0.5, 0.49, 305, 1), Segment(428, 462, 14.3, 15.4, 0.52, 0.5, 450, 1)),
                   30.0, 0.5)
    t = p.segment_table
    for r in range(t.rowCount()):
        for c in range(t.columnCount()):
            assert t.visualItemRect(t.item(r, c)).right() <= t.viewport().width(), (r, c)


@pytest.fixture
def second_model(tiny_seq_bundle):
    """A second installed model (the tiny sequence bundle), removed after the test."""
    target = paths.user_models_dir() / "compare-seq"
    shutil.copytree(tiny_seq_bundle.path, target)
    yield "compare-seq"
    shutil.rmtree(target, ignore_errors=True)


def test_a_compared_model_gets_its_own_curve_verdict_and_agreement(qtbot, harness, tmp_path, installed_bundle,
                                                                    second_model):
    w = harness.window()
    w.refresh_models()
    menu = w.analysis.compare.menu()
    ids = [a.data() for a in menu.actions()]
    assert second_model in ids and installed_bundle.id not in ids  # never the chosen model itself
    next(a for a in menu.actions() if a.data() == second_model).setChecked(True)
    assert [b.id for b in w.analysis.compared()] == [second_model]
    assert "test tiny_lstm" in w.analysis.compare.text()

    video = _face_video(tmp_path, 40, seed=29)
    harness.open(w, video)
    harness.analyse(w)
    assert harness.made == 2  # both models loaded, one analysis ran
    [lane] = w.review.lanes
    assert lane.model_id == second_model and lane.result is not None and lane.result.complete
    [other] = w.review.compared_results()
    assert other.sha256 == w.current_result().sha256
    # its dashed curve holds its scores, with the same gaps as the chosen model's
    qtbot.waitUntil(lambda: w.timeline._lane_curves[0].getData()[1] is not None
                    and len(w.timeline._lane_curves[0].getData()[1]) == 40, timeout=3000)
    y = w.timeline._lane_curves[0].getData()[1]
    assert np.isnan(y[20:25]).all() and np.isfinite(y[:20]).all()
    assert np.allclose(y[np.isfinite(y)], [f.score for f in other.frames if f.score is not None])
    assert second_model in w.timeline.describe_frame(3)
    assert f"{second_model} (┈ its threshold" in w.timeline.legend.text()
    text = re.sub("<[^>]+>", "", w.analysis.comparison.text())
    assert w.analysis.comparison.isVisible() and second_model in text and "the verdicts" in text
    agreement = w.review.agreement()
    assert [m.model_id for m in agreement.models] == [installed_bundle.id, second_model]
    assert len(w.timeline._agreement_marks) == len(agreement.spans)
    firsts = [a for a in agreement.spans if a.first_model]
    assert len(firsts) == w.segments.segment_table.rowCount() == len(w.review.segments)
    for r, a in enumerate(firsts):
        assert w.segments.segment_table.item(r, 4).text().endswith(f"{len(a.flagged_by)}/{len(a.scored_by)}")
    # each compared model's own threshold is drawn in its colour
    [line] = w.timeline._lane_lines
    assert line.value() == pytest.approx(other.params["threshold"])

    # a video opened next starts with no lanes; the choice of models to compare is remembered
    w.close_video()
    assert w.review.lanes == [] and w.timeline.lanes == [] and not w.analysis.comparison.isVisible()
    w.shutdown()
    again = harness.window()
    again.refresh_models()
    assert [b.id for b in again.analysis.compared()] == [second_model]


def test_a_stored_comparison_is_shown_on_reopening_and_a_model_added_later_is_the_only_one_scored(
        qtbot, harness, tmp_path, installed_bundle, second_model):
    w = harness.window()
    w.refresh_models()
    video = _face_video(tmp_path, 30, seed=31)
    harness.open(w, video)
    harness.analyse(w)  # the chosen model alone
    assert w.review.lanes == []
    next(a for a in w.analysis.compare.menu().actions() if a.data() == second_model).setChecked(True)
    harness.analyse(w)  # the chosen model's result is stored: only the added model is scored
    [lane] = w.review.lanes
    assert w.current_result().from_cache and not lane.result.from_cache
    w.close_video()
    harness.open(w, video)
    qtbot.waitUntil(lambda: w.review.source == "cached" and len(w.review.lanes) == 1, timeout=5000)
    assert w.review.lanes[0].result.frames == lane.result.frames


def test_a_failed_comparison_leaves_no_model_scoring_forever(qtbot, harness, tmp_path, installed_bundle, second_model):
    from core.errors import BundleInvalid

    w = harness.window()
    w.refresh_models()
    w.notify = lambda *_a: None
    real = harness.factory

    def factory(bundle):
        if bundle.id == second_model:
            raise BundleInvalid(f"{second_model}: damaged for this test")
        return real(bundle)

    w.jobs.engines._factory = factory
    next(a for a in w.analysis.compare.menu().actions() if a.data() == second_model).setChecked(True)
    harness.open(w, _face_video(tmp_path, 12, seed=33))
    harness.analyse(w)
    assert w.review.lanes == [] and w.timeline.lanes == [] and not w.analysis.comparison.isVisible()
