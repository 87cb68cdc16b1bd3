import numpy as np
import pytest

from core.aggregate import track_summaries, verdict
from core.result import FaceScore, FrameResult
from core.segments import SegmentRules, find_segments


def test_mean_strategy():
    v = verdict(np.array([0.9, 0.8, 0.7, 0.2]), 0.5, "mean")
    assert v.label == "fake" and v.score == pytest.approx(0.65) and v.frames_scored == 4


def test_majority_is_a_vote_of_frames():
    v = verdict(np.array([0.9, 0.6, 0.1, 0.2, 0.3]), 0.5, "majority")
    assert v.score == pytest.approx(0.4) and v.threshold == 0.5 and v.label == "real"


def test_weighted_counts_confident_frames_more():
    s = np.array([0.95, 0.45, 0.45, 0.45])
    v = verdict(s, 0.5, "weighted")
    assert v.score > verdict(s, 0.5, "mean").score and v.label == "fake"  # the sure 0.95 outweighs three 0.45s
    # sureness is measured from the model's threshold: under 0.15, 0.12 is nearly undecided and 0.45 is sure
    low = verdict(np.array([0.12, 0.12, 0.12, 0.45]), 0.15, "weighted")
    assert low.score > verdict(np.array([0.12, 0.12, 0.12, 0.45]), 0.15, "mean").score
    assert low.label == "fake"
    # the same pattern mirrored around 0.5 gives the mirrored score
    a = verdict(np.array([0.9, 0.2, 0.3]), 0.5, "weighted").score
    b = verdict(np.array([0.1, 0.8, 0.7]), 0.5, "weighted").score
    assert a == pytest.approx(1 - b)


def test_confident_ignores_the_undecided_middle():
    s = np.array([0.9, 0.95, 0.92, 0.5, 0.55, 0.48])
    v = verdict(s, 0.5, "confident")
    assert v.score == pytest.approx(np.mean([0.9, 0.95, 0.92])) and v.label == "fake"
    assert verdict(np.array([0.5, 0.6, 0.4, 0.55]), 0.5, "confident").label == "inconclusive"
    # with a low threshold, frames far below it still say "real" (they all lay within 0.25 of 0.15 before)
    reals = np.full(500, 0.02)
    assert verdict(reals, 0.15, "confident").label == "real"
    assert verdict(np.full(10, 0.14), 0.15, "confident").label == "inconclusive"  # just under: not sure


def test_inconclusive_band_too_few_frames_and_no_face():
    assert verdict(np.array([0.52, 0.5, 0.51]), 0.5).label == "inconclusive"
    assert verdict(np.array([0.9, 0.9]), 0.5).label == "inconclusive"
    v = verdict(np.array([]), 0.5)
    assert v.label == "no_face" and v.score is None
    with pytest.raises(ValueError):
        verdict(np.array([0.5]), 0.5, "median")


def _frames(scores, fps=10.0):
    return [FrameResult(i, i / fps, s, "scored" if s is not None else "no_face") for i, s in enumerate(scores)]


def test_segments_with_hysteresis_and_min_length():
    scores = [0.1, 0.6, 0.7, 0.47, 0.8, 0.2, 0.1, 0.9, 0.1]
    segs = find_segments(_frames(scores), 0.5, SegmentRules(hysteresis=0.05, min_frames=2, max_gap_s=0.0))
    assert [(s.start_frame, s.end_frame) for s in segs] == [(1, 4)]  # 0.47 held by hysteresis; lone 0.9 too short
    assert segs[0].peak == pytest.approx(0.8) and segs[0].peak_frame == 4
    assert segs[0].mean == pytest.approx(np.mean([0.6, 0.7, 0.47, 0.8]))


def test_segments_merge_across_short_gaps_and_unscored_frames():
    scores = [0.9, 0.9, None, 0.9, 0.9, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.9, 0.9]
    rules = SegmentRules(min_frames=2, max_gap_s=0.25)
    segs = find_segments(_frames(scores), 0.5, rules)
    assert [(s.start_frame, s.end_frame) for s in segs] == [(0, 4), (11, 12)]
    assert segs[0].start_s == 0.0 and segs[0].end_s == pytest.approx(0.4)


def test_threshold_changes_segments():
    f = _frames([0.1, 0.6, 0.65, 0.62, 0.1, 0.85, 0.9, 0.1])
    rules = SegmentRules(max_gap_s=0.0)
    assert len(find_segments(f, 0.5, rules)) == 2
    assert len(find_segments(f, 0.8, rules)) == 1


def test_track_summaries():
    frames = [
        FrameResult(0, 0.0, 0.9, "scored", (FaceScore(1, (0, 0, 9, 9), 0.9), FaceScore(2, (20, 0, 29, 9), 0.1))),
        FrameResult(1, 0.1, 0.7, "scored", (FaceScore(1, (0, 0, 9, 9), 0.7), FaceScore(2, (20, 0, 29, 9), None))),
    ]
    t1, t2 = track_summaries(frames, 0.5)
    assert (t1.track, t1.frames_scored, t1.frames_above) == (1, 2, 2) and t1.mean == pytest.approx(0.8)
    assert (t2.frames_scored, t2.peak, t2.last_frame) == (1, 0.1, 1)
