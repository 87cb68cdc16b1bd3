"""Going by frame type: key frames from the file's structure (PgUp / PgDown) and I/P/B in the readout."""

from __future__ import annotations

import dataclasses
import re

import av
import numpy as np
import pytest
from media import moving_face_frames, which_frame, write_h264
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction

from core.filecheck import inspect_file

# A face moving 2 px a frame: smooth enough that x264 adds no key frame at a scene cut, and each frame
# is told apart by where the face is.
FRAMES = moving_face_frames(40, (192, 96), step=2)


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    """H.264, a key frame every 10 frames, no B-frames (write_h264's settings)."""
    return write_h264(tmp_path_factory.mktemp("kf") / "gop10.mp4", FRAMES, fps=10, gop=10)


@pytest.fixture(scope="module")
def bclip(tmp_path_factory):
    """H.264 with B-frames (reordered: decode order differs from the order shown) and a GOP of 12."""
    path = tmp_path_factory.mktemp("kfb") / "bframes.mp4"
    with av.open(str(path), "w") as out:
        s = out.add_stream("libx264", rate=10, options={"g": "12", "bf": "2", "sc_threshold": "0",
                                                        "b-adapt": "0", "crf": "18"})
        s.width, s.height, s.pix_fmt = 192, 96, "yuv420p"
        for f in FRAMES:
            for p in s.encode(av.VideoFrame.from_ndarray(f, format="rgb24")):
                out.mux(p)
        for p in s.encode():
            out.mux(p)
    return path


def decoded_types(path) -> tuple[str, list[int]]:
    """Picture types and key frames as FFmpeg's decoder reports them, in the order shown."""
    with av.open(str(path)) as c:
        frames = list(c.decode(video=0))
    types = "".join(av.video.frame.PictureType(f.pict_type).name for f in frames)
    return types, [i for i, f in enumerate(frames) if f.key_frame]


# -- core: per-frame types and key-frame search ----------------------------------------------------

def test_frame_types_and_key_frames_by_frame_number(clip, bclip):
    for path in (clip, bclip):
        g = inspect_file(path, credentials=False).stream("video")[0].video.gop
        types, keys = decoded_types(path)
        assert g.frame_types == types and list(g.keyframes) == keys
        assert [g.frame_type(i) for i in range(len(types))] == list(types)
    g = inspect_file(clip, credentials=False).stream("video")[0].video.gop
    assert g.keyframes == (0, 10, 20, 30)
    assert g.next_keyframe(3) == 10 and g.next_keyframe(10) == 20 and g.next_keyframe(30) is None
    assert g.previous_keyframe(13) == 10 and g.previous_keyframe(10) == 0 and g.previous_keyframe(0) is None
    assert g.frame_type(40) is None and g.frame_type(-1) is None
    b = inspect_file(bclip, credentials=False).stream("video")[0].video.gop
    assert "B" in b.frame_types and b.frame_types[:1] == "I"


def test_only_key_frames_known_gives_key(clip):
    g = inspect_file(clip, credentials=False).stream("video")[0].video.gop
    keys_only = dataclasses.replace(g, frame_types="", picture_types=None)
    assert keys_only.frame_type(10) == "key" and keys_only.frame_type(3) is None


# -- the window ------------------------------------------------------------------------------------

@pytest.fixture
def window(make_window):
    return make_window((1000, 700))


def _open(qtbot, w, video):
    w.open_video(str(video))
    qtbot.waitUntil(lambda: w.info is not None and w.info.path == str(video) and w.view.exact, timeout=5000)
    qtbot.waitUntil(lambda: w.file_structure is not None and w.file_structure.path == str(video), timeout=5000)


def readout(w) -> str:
    return re.sub(r"\s+", " ", re.sub("<[^>]+>", "", w.transport.position.text()).replace("&nbsp;", " ")).strip()


def _on(qtbot, w, index: int) -> None:
    qtbot.waitUntil(lambda: w.view.exact and w.view.shown_index == index, timeout=5000)
    assert w.playback.position == index
    assert which_frame(w.view.rgb, FRAMES) == index  # the picture shown is that frame, not only its number


def test_next_and_previous_key_frame_keys(qtbot, window, clip):
    w = window
    _open(qtbot, w, clip)
    w.playback.seek(3)
    _on(qtbot, w, 3)
    assert readout(w).startswith("P frame 3 / 39")
    qtbot.keyClick(w.view, Qt.Key_PageDown)
    _on(qtbot, w, 10)
    assert readout(w).startswith("I frame 10 / 39")
    qtbot.keyClick(w.view, Qt.Key_PageDown)
    _on(qtbot, w, 20)
    w.playback.seek(13)
    _on(qtbot, w, 13)
    qtbot.keyClick(w.view, Qt.Key_PageUp)
    _on(qtbot, w, 10)
    qtbot.keyClick(w.view, Qt.Key_PageUp)
    _on(qtbot, w, 0)
    assert readout(w).startswith("I frame 0 / 39")
    qtbot.keyClick(w.view, Qt.Key_PageUp)  # none before the first: stays, says so
    assert w.playback.position == 0 and "No key frame before frame 0" in w.statusBar().currentMessage()
    w.playback.seek(35)
    _on(qtbot, w, 35)
    qtbot.keyClick(w.view, Qt.Key_PageDown)
    assert w.playback.position == 35 and "No key frame after frame 35" in w.statusBar().currentMessage()
    assert w.acts.next_key.shortcuts()[0].toString() == "PgDown" and w.acts.prev_key.shortcuts()[0].toString() == "PgUp"


def test_readout_shows_b_frames_where_the_decoder_finds_them(qtbot, window, bclip):
    w = window
    _open(qtbot, w, bclip)
    types, keys = decoded_types(bclip)
    for index in (types.index("B"), types.index("P"), keys[1]):
        w.playback.seek(index)
        _on(qtbot, w, index)
        assert readout(w).startswith(f"{types[index]} frame {index} / 39"), readout(w)
    w.playback.seek(1)
    _on(qtbot, w, 1)
    qtbot.keyClick(w.view, Qt.Key_PageDown)
    _on(qtbot, w, keys[1])


def test_no_type_before_the_structure_and_keys_disabled_without_video(qtbot, window, clip):
    w = window
    assert not w.acts.next_key.isEnabled() and not w.acts.prev_key.isEnabled()
    _open(qtbot, w, clip)
    assert w.acts.next_key.isEnabled()
    w.close_video()
    assert w.file_structure is None and not w.acts.next_key.isEnabled()
    assert readout(w).startswith("frame –")
    # the shortcut list names the keys
    keys = {a.text(): [k.toString() for k in a.shortcuts()] for a in vars(w.acts).values()}
    assert keys["Next key frame"] == ["PgDown"] and keys["Previous key frame"] == ["PgUp"]
    every = [k.toString() for a in w.findChildren(QAction) for k in a.shortcuts()]
    assert np.unique(every, return_counts=True)[1].max() == 1  # no key does two things
