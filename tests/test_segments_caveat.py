"""A 'real' verdict beside suspicious segments: a few swapped seconds are outweighed by the rest of
their track, so the window, the command line and the report all say to examine the segments."""

from __future__ import annotations

import pytest
from scored import scored_result

from core.analysis import Engine
from core.decide import segments_caveat


@pytest.fixture
def base(tiny_bundle, colour_detector, face_video):
    return Engine(tiny_bundle, detector=colour_detector).analyze(face_video, use_cache=False)


def test_a_short_manipulation_outweighed_by_its_track_is_called_out(base):
    partly = scored_result(base, [0.1] * 24 + [0.95] * 8 + [0.1] * 24)  # 0.8 s swapped inside 5.6 s of one face
    assert partly.verdict.label == "real" and len(partly.segments) == 1
    text = segments_caveat(partly)
    assert "1 suspicious segment(s)" in text and "0.950" in text and "examine these segments" in text
    assert segments_caveat(scored_result(base, [0.1] * 56)) == ""  # nothing flagged: nothing to say
    assert segments_caveat(scored_result(base, [0.9] * 56)) == ""  # the verdict already says fake


def test_the_panel_does_not_show_such_a_verdict_as_all_clear(qtbot, base):
    from gui import theme
    from gui.analysis_panel import AnalysisPanel

    panel = AnalysisPanel()
    qtbot.addWidget(panel)
    panel.show_result(scored_result(base, [0.1] * 56))
    assert theme.VERDICT_COLOURS["real"] in panel.verdict_label.styleSheet()
    assert "examine these segments" not in panel.verdict_detail.text()
    panel.show_result(scored_result(base, [0.1] * 24 + [0.95] * 8 + [0.1] * 24))
    assert panel.verdict_label.text().startswith("REAL")
    assert theme.VERDICT_COLOURS["inconclusive"] in panel.verdict_label.styleSheet()
    assert "examine these segments" in panel.verdict_detail.text()
