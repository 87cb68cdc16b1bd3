"""The bad-input corpus: files an analyst may be handed or pick by mistake. Each is analysed as far as
it goes or refused with a typed error whose message names the file and the problem; none raises
anything else, and the message table has a plain entry for each error."""

from __future__ import annotations

import os
import struct
from pathlib import Path

import numpy as np
import pytest
from media import moving_face_frames, numbered_frames, which_frame, write_h264, write_video

from core.analysis import AnalysisParams, Engine
from core.errors import InspectorError
from core.result import DECODE_ERROR
from core.video import FrameReader


def _png_bytes() -> bytes:
    import cv2

    return cv2.imencode(".png", np.zeros((8, 8, 3), np.uint8))[1].tobytes()


def _corpus(root: Path) -> dict[str, Path]:
    """name -> file; each a different way a file is not (entirely) a video."""
    root.mkdir()
    whole = write_video(root / "whole.avi", moving_face_frames(24))
    data = whole.read_bytes()
    h264 = write_h264(root / "whole.mp4", moving_face_frames(24)).read_bytes()
    files = {
        "empty": b"",
        "text named mp4": b"this is a note, not a video\n" * 40,
        "random bytes": np.random.default_rng(0).integers(0, 256, 50_000, dtype=np.uint8).tobytes(),
        "a PNG named avi": _png_bytes(),
        "AVI header only": data[:512],
        "AVI cut at 30 %": data[: int(len(data) * 0.3)],
        "AVI with a zeroed middle": data[: len(data) // 3] + bytes(len(data) // 3) + data[2 * len(data) // 3:],
        "MP4 cut at 40 %": h264[: int(len(h264) * 0.4)],
        "MP4 with its first 64 bytes zeroed": bytes(64) + h264[64:],
        "MP4 with a box size of 2^32-1": struct.pack(">I", 0xFFFFFFFF) + h264[4:],
    }
    out = {}
    for i, (name, blob) in enumerate(files.items()):
        ext = ".avi" if "AVI" in name or "avi" in name else ".mp4"
        p = root / f"case{i}{ext}"
        p.write_bytes(blob)
        out[name] = p
    folder = root / "folder.mp4"
    folder.mkdir()
    out["a folder named mp4"] = folder
    out["missing"] = root / "gone.mp4"
    loop = root / "loop.mp4"
    os.symlink(loop, loop)
    out["a link to itself"] = loop
    return out


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    return _corpus(tmp_path_factory.mktemp("bad") / "files")


CASES = ["empty", "text named mp4", "random bytes", "a PNG named avi", "AVI header only", "AVI cut at 30 %",
         "AVI with a zeroed middle", "MP4 cut at 40 %", "MP4 with its first 64 bytes zeroed",
         "MP4 with a box size of 2^32-1", "a folder named mp4", "missing", "a link to itself"]


@pytest.mark.parametrize("name", CASES)
def test_each_bad_file_is_analysed_as_far_as_it_goes_or_refused_by_name(corpus, name, tiny_bundle,
                                                                       colour_detector):
    path = corpus[name]
    engine = Engine(tiny_bundle, detector=colour_detector)
    try:
        r = engine.analyze(path, AnalysisParams(), use_cache=False)
    except InspectorError as exc:
        text = str(exc)
        assert path.name in text or str(path) in text, text  # the file is named
        assert "Traceback" not in text and len(text) < 600
        return
    # analysed: every announced frame has a row, and missing ones say so rather than carry a score
    c = r.coverage
    assert len(r.frames) == c.sampled and c.decoded + c.decode_errors == c.sampled
    assert all(f.score is None for f in r.frames if f.status == DECODE_ERROR)
    if not c.whole:
        assert r.warnings


def _zero(at: float):
    return lambda d: d[: int(len(d) * at)] + bytes(3000) + d[int(len(d) * at) + 3000:]


NUMBERED = {  # damaged copies of numbered clips: whatever the reader returns must be the frame asked for
    "AVI cut at 30 %": (".avi", lambda d: d[: int(len(d) * 0.3)]),
    "MP4 cut at 40 %": (".mp4", lambda d: d[: int(len(d) * 0.4)]),
    "AVI with 3 KB zeroed at 30 %": (".avi", _zero(0.3)),
    "AVI with 3 KB zeroed at 50 %": (".avi", _zero(0.5)),
}
# Known and not yet fixed: the demuxer drops a damaged packet, OpenCV's frame counter follows it, and the
# frames after it come one or two early under their numbers. Telling it needs each packet's timestamp
# (PyAV; the container-forensics issue). Strict: when it is fixed, these must be unmarked.
KNOWN_WRONG = pytest.mark.xfail(strict=True, reason="a dropped packet shifts OpenCV's frame counter")


@pytest.mark.parametrize("name", [pytest.param(n, marks=KNOWN_WRONG) if "zeroed" in n else n for n in NUMBERED])
def test_the_player_never_returns_a_frame_under_another_number(name, tmp_path):
    ext, damage = NUMBERED[name]
    frames = numbered_frames(120)
    whole = (write_h264 if ext == ".mp4" else write_video)(tmp_path / f"whole{ext}", frames)
    path = tmp_path / f"damaged{ext}"
    path.write_bytes(damage(whole.read_bytes()))
    read = 0
    with FrameReader(path) as reader:
        reader.find_end()
        for i in list(range(0, 120, 7)) + list(range(119, -1, -13)):
            try:
                rgb = reader.read(i)
            except InspectorError:
                continue
            if i == (reader.end or 0) - 1:
                continue  # the last frame of a cut file may be torn in half
            assert which_frame(rgb, frames) == i, f"asked for frame {i}"
            read += 1
    assert read >= 3


def test_every_error_the_corpus_raises_has_a_plain_message(corpus, tiny_bundle, colour_detector):
    pytest.importorskip("PySide6")
    from gui import messages

    engine = Engine(tiny_bundle, detector=colour_detector)
    seen = set()
    for name in CASES:
        try:
            engine.analyze(corpus[name], AnalysisParams(), use_cache=False)
        except InspectorError as exc:
            seen.add(type(exc))
            msg = messages.describe(exc)
            assert msg.expected and msg.title and msg.title != "Unexpected error"
    assert len(seen) >= 3  # not found, not a file, empty, unreadable...
