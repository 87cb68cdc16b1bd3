"""Frame and face stills (core/frame_export.py, File > Export frame / face crop): the PNG holds the frame
exactly as core.video decodes it, the sidecar's MD5 is of those RGB bytes, every export is logged."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest
from media import moving_face_frames, write_h264
from test_gui_window import Harness, _face_video, installed_bundle  # noqa: F401 - a fixture used below

from core.errors import OutputBesideEvidence, OutputExists
from core.faces import crop_face
from core.forensic import audit
from core.forensic.integrity import frame_md5
from core.frame_export import (
    FORMAT,
    FaceBox,
    FrameSource,
    export_face,
    export_frame,
    read_png,
    sidecar_path,
)
from core.video import FrameReader
from gui.frame_export_action import choose_face
from gui.view_adjust import Adjust


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    folder = tmp_path_factory.mktemp("evidence")
    return write_h264(folder / "clip.mp4", moving_face_frames(30, (160, 96)), fps=10, gop=10)


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _last(event: str):
    return [e for e in audit.default_log().entries() if e.event == event][-1]


# -- core ------------------------------------------------------------------------------------------

def test_exported_frame_is_the_decoded_frame_with_its_md5_and_an_audit_entry(clip, tmp_path):
    with FrameReader(clip) as r:
        rgb = r.read(7)
    src = FrameSource(str(clip), "ab" * 32, 7, 10.0)
    done = export_frame(tmp_path / "out" / "still", rgb, src)  # .png is added
    assert done.png.name == "still.png" and done.sidecar == sidecar_path(done.png) and done.sidecar.name == \
        "still.png.json"
    back = read_png(done.png)
    assert back.dtype == np.uint8 and back.shape == rgb.shape and np.array_equal(back, rgb)
    side = json.loads(done.sidecar.read_text())
    assert side["format"] == FORMAT and side["kind"] == "frame"
    assert side["video"] == {"path": str(clip.resolve()), "sha256": "ab" * 32}
    f = side["frame"]
    assert f["index"] == 7 and f["time_s"] == pytest.approx(0.7) and (f["width"], f["height"]) == (160, 96)
    assert f["md5"] == hashlib.md5(np.ascontiguousarray(rgb).tobytes()).hexdigest() == frame_md5(back)
    assert "R, G and B byte" in f["md5_bytes"] and "no padding" in f["md5_bytes"]
    assert side["image"]["sha256"] == _sha(done.png) == done.png_sha256
    assert side["app"]["version"] and side["exported_at"].endswith("+00:00")
    e = _last(audit.FRAME_EXPORTED)
    assert e.data["path"] == str(done.png) and e.data["sha256"] == _sha(done.png)
    assert e.data["sidecar_sha256"] == _sha(done.sidecar) and e.data["evidence_sha256"] == "ab" * 32
    assert e.data["frame"] == 7 and e.data["frame_md5"] == f["md5"] and e.data["replaced"] == {}


def test_nothing_is_written_beside_the_evidence_or_over_an_earlier_export_unasked(clip, tmp_path):
    rgb = np.zeros((8, 8, 3), np.uint8)
    src = FrameSource(str(clip), "cd" * 32, 0, 10.0)
    with pytest.raises(OutputBesideEvidence):
        export_frame(clip.parent / "next-to-it.png", rgb, src)
    assert not (clip.parent / "next-to-it.png").exists() and not (clip.parent / "next-to-it.png.json").exists()
    first = export_frame(tmp_path / "f.png", rgb, src)
    old = _sha(first.png), _sha(first.sidecar)
    with pytest.raises(OutputExists) as info:
        export_frame(tmp_path / "f.png", rgb + 1, src)
    assert set(info.value.paths) == {str(first.png), str(first.sidecar)}
    assert np.array_equal(read_png(first.png), rgb)
    again = export_frame(tmp_path / "f.png", rgb + 1, src, overwrite=True)
    assert np.array_equal(read_png(again.png), rgb + 1)
    assert _last(audit.FRAME_EXPORTED).data["replaced"] == {"f.png": old[0], "f.png.json": old[1]}


def test_face_crop_is_crop_face_at_its_own_size_or_a_models(clip, tmp_path):
    with FrameReader(clip) as r:
        rgb = r.read(4)
    face = FaceBox((30.0, 20.0, 70.0, 68.0), 0.25, track=2, score=0.8, model_id="m", model_sha256="ee" * 32)
    src = FrameSource(str(clip), "ab" * 32, 4, 10.0)
    done = export_face(tmp_path / "face.png", rgb, src, face)
    crop = read_png(done.png)
    side = json.loads(done.sidecar.read_text())
    x0, y0, x1, y1 = side["face"]["square"]  # 48 * 1.25 = 60 px around the box's centre
    assert (x1 - x0, y1 - y0) == (60, 60) and side["face"]["inside_frame"] and not side["face"]["resampled"]
    assert np.array_equal(crop, rgb[y0:y1, x0:x1])  # native pixels, not resampled
    assert np.array_equal(crop, crop_face(rgb, face.box, 0.25, 60))
    assert side["face"]["track"] == 2 and side["face"]["score"] == 0.8 and side["face"]["box"] == [30, 20, 70, 68]
    assert side["frame"]["md5"] == frame_md5(rgb) and side["image"]["pixels_md5"] == frame_md5(crop)
    e = _last(audit.FACE_EXPORTED)
    assert e.data["sha256"] == _sha(done.png) and e.data["track"] == 2 and e.data["box"] == [30, 20, 70, 68]

    sized = export_face(tmp_path / "face32.png", rgb, src, face, size=32)
    assert np.array_equal(read_png(sized.png), crop_face(rgb, face.box, 0.25, 32))
    assert json.loads(sized.sidecar.read_text())["face"]["resampled"]


# -- the window ------------------------------------------------------------------------------------

@pytest.fixture
def window(make_window):
    return make_window((1000, 700))


def _written(qtbot, w, worker):
    assert worker is not None
    qtbot.waitUntil(lambda: w.stills.last is not None and not w.workers.is_running(worker), timeout=10_000)
    return w.stills.last


def test_export_frame_writes_the_players_frame_not_what_is_painted(qtbot, window, clip, tmp_path):
    w = window
    w.open_video(str(clip))
    qtbot.waitUntil(lambda: w.info is not None and w.video_sha256 is not None, timeout=5000)
    w.playback.seek(12)
    qtbot.waitUntil(lambda: w.view.exact and w.view.shown_index == 12, timeout=5000)
    w.view.set_adjust(Adjust(brightness=0.4, contrast=1.5, gamma=0.7))  # on screen only
    w.view.set_zoom(2.0)
    done = _written(qtbot, w, w.stills.export_frame(str(tmp_path / "exports" / "f12")))
    with FrameReader(clip) as r:
        decoded = r.read(12)
    assert np.array_equal(read_png(done.png), decoded)
    side = json.loads(done.sidecar.read_text())
    assert side["frame"]["index"] == 12 and side["video"]["sha256"] == w.video_sha256
    assert side["frame"]["md5"] == frame_md5(decoded) and side["frame"]["time_s"] == pytest.approx(1.2)
    assert _last(audit.FRAME_EXPORTED).data["sha256"] == _sha(done.png)
    assert w.stills.frame_action in w.file_menu.actions() and w.stills.face_action in w.file_menu.actions()
    assert "Written:" in w.statusBar().currentMessage()

    # beside the evidence: refused through the message table, nothing written
    w.stills.last = None
    worker = w.stills.export_frame(str(clip.parent / "f12.png"))
    qtbot.waitUntil(lambda: not w.workers.is_running(worker), timeout=5000)
    qtbot.waitUntil(lambda: w.last_message is not None, timeout=5000)
    assert w.last_message.title == "Not beside the evidence" and not (clip.parent / "f12.png").exists()


def test_face_export_is_cut_from_the_analysed_frame_on_screen(qtbot, tmp_path, colour_detector, installed_bundle):  # noqa: F811
    h = Harness(qtbot, tmp_path, colour_detector)
    w = h.window()
    try:
        video = _face_video(tmp_path, 30, seed=5)
        h.open(w, video)
        assert w.stills.export_face(str(tmp_path / "no.png")) is None  # nothing analysed yet
        assert w.last_message.title == "No analysis" and not (tmp_path / "no.png").exists()
        h.analyse(w)
        result = w.current_result()
        w.playback.seek(6)
        qtbot.waitUntil(lambda: w.view.exact and w.view.shown_index == 6, timeout=5000)
        frame = next(f for f in result.frames if f.index == 6)
        face = choose_face(frame, None)
        assert face is not None
        done = _written(qtbot, w, w.stills.export_face(str(tmp_path / "out" / "face6.png")))
        with FrameReader(video) as r:
            decoded = r.read(6)
        margin = result.params["margin"]
        side = json.loads(done.sidecar.read_text())
        size = side["face"]["crop_size"]
        assert np.array_equal(read_png(done.png), crop_face(decoded, face.box, margin, size))
        assert side["face"]["track"] == face.track and side["face"]["margin"] == margin
        assert side["face"]["model"]["id"] == result.model.id and side["frame"]["md5"] == frame_md5(decoded)
        assert _last(audit.FACE_EXPORTED).data["sha256"] == _sha(done.png)

        w.playback.seek(22)  # the face is absent in frames 20-24
        qtbot.waitUntil(lambda: w.view.exact and w.view.shown_index == 22, timeout=5000)
        assert w.stills.export_face(str(tmp_path / "none.png")) is None and w.last_message.title == "No face"
    finally:
        w.shutdown()


def test_choose_face_prefers_the_selected_track_else_the_largest():
    from core.result import FaceScore, FrameResult

    small, big = FaceScore(1, (0, 0, 10, 10), 0.2), FaceScore(2, (0, 0, 30, 30), 0.9)
    frame = FrameResult(0, 0.0, 0.9, "scored", (small, big))
    assert choose_face(frame, None) is big and choose_face(frame, 1) is small and choose_face(frame, 7) is big
    assert choose_face(FrameResult(0, 0.0, None, "no_face"), 1) is None



def test_a_failed_sidecar_write_leaves_the_earlier_pair_as_it_was(clip, tmp_path, monkeypatch):
    """Replacing an export whose new sidecar cannot be written must not leave the new image beside
    the old sidecar (which states another frame's MD5)."""
    from core.errors import OutputNotWritable
    from core.forensic import atomic

    rgb = np.zeros((8, 8, 3), np.uint8)
    src = FrameSource(str(clip), "cd" * 32, 0, 10.0)
    first = export_frame(tmp_path / "f.png", rgb, src)
    before = _sha(first.png), _sha(first.sidecar)

    def refuse(path, text):
        raise OutputNotWritable(f"cannot write {path} (disk full, for this test)")

    monkeypatch.setattr(atomic, "write_text", refuse)
    with pytest.raises(OutputNotWritable):
        export_frame(tmp_path / "f.png", rgb + 7, src, overwrite=True)
    assert (_sha(first.png), _sha(first.sidecar)) == before
    with pytest.raises(OutputNotWritable):
        export_frame(tmp_path / "new.png", rgb, src)
    assert not (tmp_path / "new.png").exists()
