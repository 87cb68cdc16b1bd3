"""The timeline draws what its stores hold: refills and compared models' lanes."""

import numpy as np

from core.result import FaceScore, FrameResult
from gui.review_state import Lane
from gui.scores import ScoreStore
from gui.timeline import Timeline


def _frames(scores):
    return [FrameResult(i, i / 10, s, "scored", (FaceScore(1, (0, 0, 40, 40), s, True),)) for i, s in enumerate(scores)]


def test_a_refilled_store_is_drawn_again_even_when_its_change_count_matches(qtbot):
    t = Timeline()
    qtbot.addWidget(t)
    store = ScoreStore(5, 10.0)
    t.set_video(5, 10.0, store)
    store.set_frames(_frames([0.1] * 5))
    t.refresh()
    assert np.allclose(t.max_curve.getData()[1], 0.1)
    store.set_frames(_frames([0.8] * 5))  # another result of the same length: reset, then one add
    t.refresh()
    assert np.allclose(t.max_curve.getData()[1], 0.8)


def test_a_lane_draws_its_models_scores_and_threshold(qtbot):
    t = Timeline()
    qtbot.addWidget(t)
    main, other = ScoreStore(6, 10.0), ScoreStore(6, 10.0, every=2)
    t.set_video(6, 10.0, main)
    t.set_lanes([Lane("other", "Other model", other, colour="#c3a6ff", threshold=0.3)])
    other.add(_frames([0.2, None, 0.9, None, 0.4, None])[::2])
    main.add(_frames([0.1] * 6))
    t.refresh()
    x, y = t._lane_curves[0].getData()
    assert np.allclose(x, [0.0, 0.2, 0.4]) and np.allclose(y, [0.2, 0.9, 0.4])
    assert t._lane_lines[0].value() == 0.3
    assert "other</span> 0.900" in t.describe_frame(2) and "other (┈ its threshold 0.30)" in t.legend.text()
    t.set_lanes([])
    assert not t._lane_curves and not t._lane_lines and "other" not in t.legend.text()
