"""The report's section on the file itself: read from the evidence at report time (or as the window
read it), findings with what they mean and do not mean, content credentials, and the JSON."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import numpy as np
import pytest
from media import face_image, moving_face_frames, write_h264

from core.analysis import AnalysisParams, Engine
from core.filecheck import inspect_file
from core.report import export_report


@pytest.fixture
def h264_evidence(tmp_path):
    d = tmp_path / "evidence"
    d.mkdir()
    frames = moving_face_frames(24, (160, 120), face_image(48), step=1)
    return write_h264(d / "exhibit.mp4", frames, fps=10, gop=8)


@pytest.fixture
def analysed(tiny_bundle, colour_detector, h264_evidence):
    return Engine(tiny_bundle, detector=colour_detector).analyze(h264_evidence, AnalysisParams(threshold=0.05),
                                                                 use_cache=False)


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub("<[^>]+>", " ", html))


def test_the_report_describes_the_files_structure_and_credentials(analysed, tmp_path, log):
    files = export_report(tmp_path / "out" / "r.html", analysed, log=log)
    html = open(files.html, encoding="utf-8").read()
    text = _text(html)
    assert "The file: structure and content credentials" in text
    # PyAV writes with FFmpeg's libavformat and libx264: both said, each with its meaning and limits
    assert "Written by FFmpeg-based software" in text and "Lavf" in text
    fs = inspect_file(analysed.video.path)
    lavf = next(f for f in fs.findings if f.code == "encoder.ffmpeg")
    assert lavf.means in html.replace("&#x27;", "'") and lavf.does_not_mean in html.replace("&#x27;", "'")
    assert "h264" in text and "160 × 120" in text and "usual GOP 8 frames" in text
    assert "No content credentials" in text and "not evidence of manipulation" in text
    assert f"dated {fs.credentials.trust_list.date}" in text
    doc = json.loads(open(files.json, encoding="utf-8").read())
    assert doc["file_structure"]["streams"][0]["codec"] == "h264"
    assert doc["file_structure"]["container"]["encoder"].startswith("Lavf")


def test_the_structure_read_by_the_window_is_used_and_one_of_another_path_is_not(analysed, tmp_path, log):
    fs = inspect_file(analysed.video.path)
    marked = replace(fs, findings=(replace(fs.findings[0], title="Seen by the window"),))
    html = open(export_report(tmp_path / "a" / "r.html", analysed, log=log, file_structure=marked).html,
                encoding="utf-8").read()
    assert "Seen by the window" in html
    elsewhere = replace(marked, path=str(tmp_path / "other.mp4"))
    html = open(export_report(tmp_path / "b" / "r.html", analysed, log=log, file_structure=elsewhere).html,
                encoding="utf-8").read()
    assert "Seen by the window" not in html and "read from another path" in html


def test_a_changed_file_is_not_read_for_the_report(analysed, tmp_path, log):
    with open(analysed.video.path, "r+b") as fh:
        fh.seek(-20, 2)
        fh.write(np.full(4, 0xAB, np.uint8).tobytes())
    files = export_report(tmp_path / "out" / "r.html", analysed, log=log)
    text = _text(open(files.html, encoding="utf-8").read())
    assert "Not read: the file found is not the analysed file" in text
    assert "file_structure" not in json.loads(open(files.json, encoding="utf-8").read())


def test_frames_exported_from_the_file_are_listed_in_its_report(analysed, tmp_path, log):
    from core.frame_export import FrameSource, export_frame
    from core.video import FrameReader

    with FrameReader(analysed.video.path) as reader:
        rgb = reader.read(5)
    mine = export_frame(tmp_path / "stills" / "f5.png", rgb,
                        FrameSource(analysed.video.path, analysed.sha256, 5, analysed.video.fps), log=log)
    export_frame(tmp_path / "stills" / "other.png", rgb,
                 FrameSource("/elsewhere/other.mp4", "0" * 64, 7, 25.0), log=log)  # another file's still
    text = _text(open(export_report(tmp_path / "out" / "r.html", analysed, log=log).html, encoding="utf-8").read())
    assert "Frames and faces exported" in text and mine.png_sha256 in text and "f5.png" in text
    assert mine.record["frame"]["md5"] in text and "other.png" not in text


def test_a_report_without_exported_stills_has_no_such_section(analysed, tmp_path, log):
    text = _text(open(export_report(tmp_path / "out" / "r.html", analysed, log=log).html, encoding="utf-8").read())
    assert "Frames and faces exported" not in text
