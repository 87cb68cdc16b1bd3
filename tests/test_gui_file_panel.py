"""The file-structure panel (gui/file_panel.py), offscreen, on a clip made here with PyAV."""

from __future__ import annotations

from fractions import Fraction

import av
import numpy as np
import pytest

from core.filecheck import inspect_file
from gui.file_panel import SECTIONS, FilePanel


@pytest.fixture(scope="module")
def structure(tmp_path_factory):
    path = tmp_path_factory.mktemp("panel") / "phone.mp4"
    with av.open(str(path), "w") as out:
        out.metadata["creation_time"] = "2023-03-04T05:06:07Z"
        v = out.add_stream("libx264", rate=25, options={"g": "10", "sc_threshold": "0"})
        v.width, v.height, v.pix_fmt = 96, 64, "yuv420p"
        v.set_display_matrix([0, 65536, 0, -65536, 0, 0, 0, 0, 1 << 30])  # 90 degrees clockwise
        a = out.add_stream("aac", rate=48000)
        pts = list(range(20)) + list(range(30, 40))  # a gap after frame 19
        for i, t in enumerate(pts):
            frame = av.VideoFrame.from_ndarray(np.full((64, 96, 3), 8 * i, np.uint8), format="rgb24")
            frame.pts, frame.time_base = t, Fraction(1, 25)
            for p in v.encode(frame):
                out.mux(p)
        for p in v.encode():
            out.mux(p)
        for start in range(0, 48000, 1024):
            af = av.AudioFrame.from_ndarray(np.zeros((1, 1024), np.float32), format="fltp", layout="mono")
            af.sample_rate, af.pts = 48000, start
            for p in a.encode(af):
                out.mux(p)
        for p in a.encode():
            out.mux(p)
    return inspect_file(path)


def texts(item) -> list[str]:
    out = []
    for i in range(item.childCount()):
        child = item.child(i)
        out.append(f"{child.text(0)} = {child.text(1)}")
        out.extend(texts(child))
    return out


def test_every_section_shows_what_the_file_holds(qtbot, structure):
    panel = FilePanel()
    qtbot.addWidget(panel)
    panel.set_structure(structure)
    assert list(panel.sections) == list(SECTIONS)
    rows = {name: "\n".join(texts(item)) for name, item in panel.sections.items()}
    assert "Creation time = 2023-03-04T05:06:07" in rows["Container"]
    assert "Encoder tag = Lavf" in rows["Container"]
    assert "#0 video = h264" in rows["Streams"] and "#1 audio = aac" in rows["Streams"]
    assert "Rotation = 90° clockwise (tkhd display matrix)" in rows["Streams"]
    assert "Sampling = 48,000 Hz" in rows["Streams"]
    assert "creation_time = 2023-03-04T05:06:07" in rows["Tags"]
    gop = structure.stream("video")[0].video.gop
    assert f"Key frames = {gop.keyframe_count}" in rows["Frame types and GOP"]
    assert "Picture types = I " in rows["Frame types and GOP"]
    assert "Gaps = 1" in rows["Timestamps"]
    assert "Status = No content credentials" in rows["Content credentials"]
    assert structure.credentials.trust_list.date in rows["Content credentials"]
    assert "Order = ftyp" in rows["Boxes"]
    titles = [panel.sections["Findings"].child(i).text(0) for i in range(panel.sections["Findings"].childCount())]
    assert sorted(titles) == sorted(f.title for f in structure.findings)
    assert "No content credentials" in titles


def test_selecting_a_finding_shows_what_it_means_and_does_not(qtbot, structure):
    panel = FilePanel()
    qtbot.addWidget(panel)
    panel.set_structure(structure)
    assert panel.select_finding("timestamp.gap")
    text = panel.details.toPlainText()
    gap = structure.finding("timestamp.gap")
    assert gap.title in text and "What it means:" in text and "What it does not mean:" in text
    assert gap.does_not_mean in text
    assert not panel.select_finding("no.such.finding")
    panel.set_structure(None)
    assert panel.tree.topLevelItemCount() == 0 and panel.summary.text() == "No file read."


@pytest.mark.parametrize("size", [(1366, 768), (420, 680)])
def test_readable_at_1366x768_and_in_a_side_column(qtbot, structure, size):
    panel = FilePanel()
    qtbot.addWidget(panel)
    panel.set_structure(structure)
    panel.resize(*size)
    panel.show()
    qtbot.waitExposed(panel)
    hint = panel.minimumSizeHint()
    assert hint.width() <= size[0] and hint.height() <= size[1]
    assert panel.tree.header().sectionSize(0) < panel.tree.viewport().width()  # the value column stays visible
    panel.select_finding("encoder.ffmpeg")
    qtbot.wait(10)
    assert panel.details.horizontalScrollBar().maximum() == 0  # the text wraps rather than scrolling sideways
    assert panel.details.height() >= 3 * panel.details.fontMetrics().height()
