"""The player shows exactly the frame it says: stepping, seeking, playing on a GOP-coded video.

Each frame of the generated video writes its own index as 8 black/white stripes (one bit
each), so the tests read back which frame is really on screen, both from the decoded array
and from the pixels the view painted.
"""

from __future__ import annotations

import re

import cv2
import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt

from gui.decoder import FrameCache

W, H, STRIPE = 64, 48, 8


def _stripes(n: int) -> list[np.ndarray]:
    """Frame i shows i in binary as 8 black/white stripes."""
    out = []
    for i in range(n):
        img = np.zeros((H, W, 3), np.uint8)
        for b in range(8):
            if (i >> b) & 1:
                img[:, b * STRIPE:(b + 1) * STRIPE] = 255
        out.append(img)
    return out


def _indexed_video(path, n: int, fourcc: str = "mp4v", fps: float = 25.0):
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*fourcc), fps, (W, H))
    assert writer.isOpened()
    for img in _stripes(n):
        writer.write(img)  # black and white: the same in BGR
    writer.release()
    return path


def _index_in_array(rgb: np.ndarray) -> int:
    return sum(1 << b for b in range(8) if rgb[:, b * STRIPE + 2:(b + 1) * STRIPE - 2].mean() > 127)


def _index_painted(view) -> int:
    """Read the stripes back from what the widget painted, through its image-to-widget mapping."""
    img = view.grab().toImage()
    t = view.image_to_widget()
    bits = 0
    for b in range(8):
        p = t.map(QPointF(b * STRIPE + STRIPE / 2, H / 2))
        if img.pixelColor(int(p.x()), int(p.y())).red() > 127:
            bits |= 1 << b
    return bits


@pytest.fixture
def window(make_window):
    return make_window((900, 700))


def _open(qtbot, w, video):
    w.open_video(str(video))
    qtbot.waitUntil(lambda: w.info is not None and w.view.shown_index == 0 and w.view.exact, timeout=5000)


def _assert_on_screen(qtbot, w, expected: int):
    qtbot.waitUntil(lambda: w.view.exact and w.view.shown_index == expected, timeout=5000)
    assert w.playback.position == expected
    assert _index_in_array(w.view.rgb) == expected
    assert _index_painted(w.view) == expected
    label = re.sub("<[^>]+>", "", w.transport.position.text()).replace("&nbsp;", " ")
    assert re.search(rf"frame\s+{expected:,}\s+/", label), label


def test_keyboard_stepping_shows_the_decoded_frame(qtbot, window, tmp_path):
    _open(qtbot, window, _indexed_video(tmp_path / "idx.mp4", 120))
    steps = [(Qt.Key_Right, 1), (Qt.Key_Right, 2), (Qt.Key_Right, 3), (Qt.Key_Left, 2), (Qt.Key_End, 119),
             (Qt.Key_Left, 118), (Qt.Key_Left, 117), (Qt.Key_Home, 0)]
    for key, expected in steps:
        qtbot.keyClick(window.view, key)
        _assert_on_screen(qtbot, window, expected)


def test_jumps_by_seconds_and_frames(qtbot, window, tmp_path):
    _open(qtbot, window, _indexed_video(tmp_path / "idx.mp4", 120, fps=10.0))
    qtbot.keyClick(window.view, Qt.Key_Right, Qt.ShiftModifier)  # +1 s = 10 frames
    _assert_on_screen(qtbot, window, 10)
    qtbot.keyClick(window.view, Qt.Key_Right, Qt.ControlModifier)  # +10 s = 100 frames
    _assert_on_screen(qtbot, window, 110)
    qtbot.keyClick(window.view, Qt.Key_Left, Qt.ShiftModifier)
    _assert_on_screen(qtbot, window, 100)


def test_far_seek_shows_nearest_cached_frame_at_once_then_the_exact_one(qtbot, window, tmp_path):
    _open(qtbot, window, _indexed_video(tmp_path / "idx.mp4", 200))
    window.playback.seek(150)
    # Synchronously, before the decode thread can answer: a stand-in, flagged as such.
    assert not window.view.exact
    assert window.view.shown_index < 150
    assert _index_in_array(window.view.rgb) == window.view.shown_index
    _assert_on_screen(qtbot, window, 150)


def test_play_advances_in_order_and_pause_stops(qtbot, window, tmp_path):
    _open(qtbot, window, _indexed_video(tmp_path / "idx.mp4", 200, fps=50.0))
    seen = []
    window.playback.frame_shown.connect(lambda i, rgb, exact: seen.append((i, _index_in_array(rgb), exact)))
    qtbot.keyClick(window.view, Qt.Key_Space)
    assert window.playback.playing
    qtbot.waitUntil(lambda: window.playback.position >= 40, timeout=5000)
    qtbot.keyClick(window.view, Qt.Key_K)
    assert not window.playback.playing
    stopped = window.playback.position
    qtbot.wait(200)
    assert window.playback.position == stopped
    exact = [i for i, _, ok in seen if ok]
    assert exact == sorted(exact) and len(exact) >= 10
    assert all(i == decoded for i, decoded, _ in seen)
    _assert_on_screen(qtbot, window, stopped)


def test_shuttle_backward_plays_in_reverse(qtbot, window, tmp_path):
    _open(qtbot, window, _indexed_video(tmp_path / "idx.mp4", 120, fps=50.0))
    window.playback.seek(100)
    _assert_on_screen(qtbot, window, 100)
    qtbot.keyClick(window.view, Qt.Key_J)
    qtbot.waitUntil(lambda: window.playback.position <= 80, timeout=5000)
    qtbot.keyClick(window.view, Qt.Key_K)
    assert window.playback.position < 100
    _assert_on_screen(qtbot, window, window.playback.position)


def test_zoom_100_draws_pixels_one_to_one_without_interpolation(qtbot, window, tmp_path):
    _open(qtbot, window, _indexed_video(tmp_path / "idx.mp4", 10))
    window.playback.seek(1)  # stripe 0 white, the rest black: a hard edge at x = 8
    _assert_on_screen(qtbot, window, 1)
    qtbot.keyClick(window.view, Qt.Key_1, Qt.ControlModifier)
    assert window.view.zoom == 1.0
    img = window.view.grab().toImage()
    t = window.view.image_to_widget()
    assert t.m11() == 1.0
    x0, y = int(t.dx()), int(t.dy()) + H // 2
    row = [img.pixelColor(x0 + x, y).red() for x in range(4, 12)]
    # A clean step: no blended grey at the edge as smooth scaling would give.
    assert all(v > 200 for v in row[:4]) and all(v < 55 for v in row[4:])


def test_frame_cache_evicts_least_recent_and_finds_nearest():
    frame = np.zeros((10, 10, 3), np.uint8)  # 300 bytes
    cache = FrameCache(max_bytes=3 * frame.nbytes)
    for i in (10, 20, 30):
        cache.put(i, frame)
    assert cache.get(10) is frame  # 10 is now the most recent
    cache.put(40, frame)
    assert 20 not in cache and {10, 30, 40} == {i for i in (10, 20, 30, 40) if i in cache}
    assert cache.nearest(33)[0] == 30
    assert cache.nearest(36)[0] == 40
    assert cache.nearest(0)[0] == 10
    cache.clear()
    assert cache.nearest(5) is None


def test_a_file_cut_short_greys_its_missing_tail_and_never_shows_another_frame_there(qtbot, window, tmp_path):
    """H.264 with its index at the front, cut at 55 %: the container announces every frame.
    The player finds the end as it opens, End stops on the last real frame, the timeline marks the
    rest 'decode error' before any analysis, and a frame past the end says it is not in the file."""
    from media import write_h264

    from core.result import DECODE_ERROR
    from gui.scores import STATUS_CODE

    data = write_h264(tmp_path / "whole.mp4", _stripes(120), fps=25).read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: int(len(data) * 0.55)])
    w = window
    _open(qtbot, w, cut)
    qtbot.waitUntil(lambda: w.playback.end is not None, timeout=5000)
    end = w.playback.end
    assert 20 < end < 100 and w.info.frames == 120
    status = w.review.store.status
    assert (status[end:] == STATUS_CODE[DECODE_ERROR]).all() and (status[:end] != STATUS_CODE[DECODE_ERROR]).all()
    assert "decode error" in w.timeline.describe_frame(end + 5)
    assert f"{end:,} decodable of 120" in w.metadata.values["Frames"].text()

    w.playback.go_end()
    _assert_on_screen(qtbot, w, end - 1)
    w.playback.step(1)  # stepping does not walk into the missing tail
    _assert_on_screen(qtbot, w, end - 1)
    w.playback.seek(110)  # a click on the timeline past the end
    qtbot.waitUntil(lambda: w.view.failed_message != "", timeout=5000)
    assert w.view.rgb is None and w.view.shown_index == 110
    assert f"Frame 110 is not in the file: its stream ends after frame {end - 1} of the 120" in w.view.failed_message
    w.playback.step(-1)  # back out of the missing tail: straight to the last real frame
    _assert_on_screen(qtbot, w, end - 1)
    w.playback.seek(3)
    _assert_on_screen(qtbot, w, 3)


def test_view_adjustments_change_only_what_is_painted(qtbot, window, tmp_path):
    from gui.view_adjust import Adjust, lut

    _open(qtbot, window, _indexed_video(tmp_path / "idx.mp4", 10))
    window.playback.seek(5)  # stripes 0 and 2 white
    _assert_on_screen(qtbot, window, 5)
    v = window.view
    decoded = v.rgb.copy()
    dark = Adjust(brightness=-0.3, contrast=1.0, gamma=1.0)
    v.set_adjust(dark)
    assert np.array_equal(v.rgb, decoded)  # the frame as decoded is untouched
    img = v.grab().toImage()
    t = v.image_to_widget()
    p = t.map(QPointF(STRIPE / 2, H / 2))
    want = int(lut(dark)[int(decoded[H // 2, STRIPE // 2, 0])])
    assert abs(img.pixelColor(int(p.x()), int(p.y())).red() - want) <= 2 and want < 200
    assert _index_in_array(v.rgb) == 5
    window.playback.seek(6)  # the next frame is painted adjusted too
    qtbot.waitUntil(lambda: v.shown_index == 6 and v.exact, timeout=5000)
    assert np.array_equal(v._shown, lut(dark)[v.rgb])
    v.set_adjust(Adjust())
    assert v._shown is v.rgb


def test_wheel_zooms_to_1600_percent_and_the_loupe_shows_pixels_unsmoothed(qtbot, window, tmp_path):
    from PySide6.QtCore import QPoint

    from gui.player import LOUPE_FACTOR

    _open(qtbot, window, _indexed_video(tmp_path / "idx.mp4", 10))
    window.playback.seek(1)  # stripe 0 white: a hard edge at x = 8
    _assert_on_screen(qtbot, window, 1)
    from PySide6.QtGui import QWheelEvent
    from PySide6.QtWidgets import QApplication

    v = window.view
    centre = QPointF(v.width() / 2, v.height() / 2)
    for _ in range(10):  # the plain wheel, no modifier
        ev = QWheelEvent(centre, v.mapToGlobal(centre), QPoint(0, 0), QPoint(0, 120), Qt.NoButton,
                         Qt.NoModifier, Qt.NoScrollPhase, False)
        QApplication.sendEvent(v, ev)
    assert v.zoom == 16.0
    v.set_zoom(None)
    window.acts.loupe.setChecked(True)
    edge = v.image_to_widget().map(QPointF(STRIPE, H / 2))  # the cursor on the white/black edge
    qtbot.mouseMove(v, QPoint(int(edge.x()), int(edge.y())))
    qtbot.waitUntil(lambda: v._cursor is not None, timeout=2000)
    src = v.loupe_source()
    assert src is not None and src.width() == 24
    img = v.grab().toImage()
    x0, y0 = int(v._cursor.x()) + 24, int(v._cursor.y()) + 24
    if x0 + 24 * LOUPE_FACTOR > v.width():
        x0 = int(v._cursor.x()) - 24 - 24 * LOUPE_FACTOR
    if y0 + 24 * LOUPE_FACTOR > v.height():
        y0 = int(v._cursor.y()) - 24 - 24 * LOUPE_FACTOR
    row = [img.pixelColor(x0 + 2 + k, y0 + 12 * LOUPE_FACTOR).red() for k in range(24 * LOUPE_FACTOR - 4)]
    assert all(c > 200 or c < 55 for c in row)  # only white and black: nothing blended at 8x
    assert any(c > 200 for c in row) and any(c < 55 for c in row)
