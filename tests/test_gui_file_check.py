"""The File panel in the window: the structure read off the GUI thread when a video opens, kept for
exports, logged, a stale read dropped, a failure shown as a message."""

from __future__ import annotations

import threading
import time

import pytest
from media import moving_face_frames, write_h264
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget

from core.errors import UnreadableVideo
from core.forensic import audit
from gui import file_check


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    folder = tmp_path_factory.mktemp("evidence")
    a = write_h264(folder / "a.mp4", moving_face_frames(30, (160, 96)), fps=10, gop=10)
    b = write_h264(folder / "b.mp4", moving_face_frames(20, (160, 96), step=3), fps=10, gop=5)
    return a, b


@pytest.fixture
def window(make_window):
    shown = []
    w = make_window((1366, 768), notify=lambda _parent, msg: shown.append(msg))
    w.shown_messages = shown
    return w


def _open(qtbot, w, video):
    w.open_video(str(video))
    qtbot.waitUntil(lambda: w.info is not None and w.info.path == str(video), timeout=5000)


def _entries(event: str, path) -> list:
    return [e for e in audit.default_log().entries() if e.event == event and e.data.get("path") == str(path)]


def test_opening_a_video_fills_the_file_dock_and_logs_the_read_with_its_hash(qtbot, window, clips):
    w = window
    a, _b = clips
    dock = w.findChild(QDockWidget, "file_dock")
    assert dock is w.file_dock and dock.windowTitle() == "File"
    assert w.dockWidgetArea(dock) == Qt.RightDockWidgetArea
    assert dock in w.tabifiedDockWidgets(w.side_dock)  # a tab beside the analysis panel, not a squeezed column
    assert not w.side_dock.visibleRegion().isEmpty() and dock.visibleRegion().isEmpty()  # the verdict stays on top
    assert dock.toggleViewAction() in w.view_menu.actions()
    assert w.file_structure is None and w.file_check.panel.summary.text() == "No file read."

    before = len(_entries(audit.FILE_STRUCTURE_READ, a))
    _open(qtbot, w, a)
    qtbot.waitUntil(lambda: w.file_structure is not None, timeout=5000)
    fs = w.file_structure
    assert fs.path == str(a) and fs.stream("video")[0].timing.packets == 30
    panel = w.file_check.panel
    assert panel.structure is fs and "a.mp4" in panel.summary.text()
    key_rows = [panel.sections["Frame types and GOP"].child(0).child(i) for i in range(4)]
    assert any(r.text(0) == "Key frames at" and r.text(1) == "0, 10, 20" for r in key_rows)

    # logged once the hash taken on opening has come, with it
    qtbot.waitUntil(lambda: len(_entries(audit.FILE_STRUCTURE_READ, a)) == before + 1, timeout=10_000)
    e = _entries(audit.FILE_STRUCTURE_READ, a)[-1]
    assert e.data["sha256"] == w.video_sha256 and len(e.data["sha256"]) == 64
    assert e.data["notable"] == sum(f.level == "notable" for f in fs.findings)
    assert e.data["findings"] == len(fs.findings) and e.data["credentials"] == "none"
    assert e.data["frames"] == 30 and e.data["keyframes"] == 3

    w.close_video()
    assert w.file_structure is None and panel.structure is None


def test_a_read_for_a_file_no_longer_open_is_dropped(qtbot, window, clips, monkeypatch):
    """a.mp4's read is made slow, so it arrives after b.mp4 was opened and read: it must not replace b's."""
    w = window
    a, b = clips
    real = file_check.InspectWorker.work
    done = threading.Event()

    def slow(self):
        if self.path == str(a):
            time.sleep(0.8)
            try:
                return real(self)
            finally:
                done.set()
        return real(self)

    monkeypatch.setattr(file_check.InspectWorker, "work", slow)
    _open(qtbot, w, a)
    _open(qtbot, w, b)
    qtbot.waitUntil(lambda: w.file_structure is not None, timeout=5000)
    assert w.file_structure.path == str(b)
    assert done.wait(5)
    qtbot.waitUntil(lambda: not w.workers.running(), timeout=5000)
    qtbot.wait(50)  # a's result, delivered now, is ignored
    assert w.file_structure.path == str(b) and "b.mp4" in w.file_check.panel.summary.text()
    assert w.file_structure.stream("video")[0].video.gop.keyframes == (0, 5, 10, 15)


def test_a_file_closed_before_its_hash_is_logged_without_one(qtbot, window, clips, monkeypatch):
    w = window
    a, _b = clips
    monkeypatch.setattr(w.jobs, "set_video", lambda info: None)  # no hash is taken
    before = len(_entries(audit.FILE_STRUCTURE_READ, a))
    _open(qtbot, w, a)
    qtbot.waitUntil(lambda: w.file_structure is not None, timeout=5000)
    qtbot.wait(100)
    assert len(_entries(audit.FILE_STRUCTURE_READ, a)) == before  # waits for the hash
    w.close_video()
    qtbot.waitUntil(lambda: len(_entries(audit.FILE_STRUCTURE_READ, a)) == before + 1, timeout=5000)
    assert _entries(audit.FILE_STRUCTURE_READ, a)[-1].data["sha256"] is None


def test_a_failed_read_shows_the_message_of_its_error(qtbot, window, clips, monkeypatch):
    w = window
    a, _b = clips

    def fail(self):
        raise UnreadableVideo(f"{self.path}: FFmpeg cannot read this file as a media container.")

    monkeypatch.setattr(file_check.InspectWorker, "work", fail)
    _open(qtbot, w, a)
    qtbot.waitUntil(lambda: w.last_message is not None, timeout=5000)
    assert w.last_message.title == "Cannot decode the video" and w.last_message.expected
    assert w.file_structure is None
    assert "could not be read" in w.file_check.panel.summary.text()


def test_a_damaged_trust_list_has_its_own_message():
    from core.filecheck import TrustListInvalid
    from gui import messages

    msg = messages.describe(TrustListInvalid("The trust list has no Name/Date header."))
    assert msg.title == "Content credentials cannot be checked" and "reinstall" in msg.hint and msg.expected
