"""Property tests: every verdict strategy, at any threshold, on the score patterns analysts meet.

Scores are drawn relative to the threshold ("sure" means at least 60 % of the room on that
side away from it), so the same property is checked at 0.03 and at 0.97.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from core.aggregate import STRATEGIES, verdict
from core.decide import Rules, decide
from core.result import BAND, FEW_FRAMES, FaceScore, FrameResult

thresholds = st.floats(0.02, 0.98)
strategies = st.sampled_from(STRATEGIES)
seeds = st.integers(0, 2**32 - 1)
sizes = st.integers(3, 400)


def sure_real(rng, t, n):
    return rng.uniform(0.0, t * 0.4, n)


def sure_fake(rng, t, n):
    return rng.uniform(t + 0.6 * (1 - t), 1.0, n)


@settings(max_examples=300, deadline=None)
@given(thresholds, strategies, sizes, seeds)
def test_all_frames_surely_below_the_threshold_is_real_and_all_above_is_fake(t, strategy, n, seed):
    rng = np.random.default_rng(seed)
    assert verdict(sure_real(rng, t, n), t, strategy).label == "real"
    assert verdict(sure_fake(rng, t, n), t, strategy).label == "fake"


@settings(max_examples=300, deadline=None)
@given(thresholds, strategies, st.integers(1, 2), seeds)
def test_too_few_frames_is_inconclusive_and_says_so(t, strategy, n, seed):
    rng = np.random.default_rng(seed)
    for scores in (sure_real(rng, t, n), sure_fake(rng, t, n)):
        v = verdict(scores, t, strategy, min_frames=3)
        assert v.label == "inconclusive" and v.cause == FEW_FRAMES and str(n) in v.reason


@settings(max_examples=300, deadline=None)
@given(thresholds, st.sampled_from(["mean", "weighted", "confident"]), sizes, seeds)
def test_frames_hugging_the_threshold_are_inconclusive(t, strategy, n, seed):
    rng = np.random.default_rng(seed)
    u = rng.uniform(-0.04, 0.04, n)
    near = t + u * np.where(u < 0, t, 1 - t)  # within 4 % of the room on either side
    v = verdict(near, t, strategy)
    assert v.label == "inconclusive"
    assert v.cause == (FEW_FRAMES if strategy == "confident" else BAND)


@settings(max_examples=200, deadline=None)
@given(thresholds, sizes, seeds)
def test_a_split_vote_is_inconclusive(t, n, seed):
    rng = np.random.default_rng(seed)
    half = n // 2 + 2
    scores = np.concatenate([sure_real(rng, t, half), sure_fake(rng, t, half)])
    v = verdict(scores, t, "majority")
    assert v.label == "inconclusive" and v.cause == BAND


@settings(max_examples=200, deadline=None)
@given(thresholds, strategies, st.integers(10, 200), seeds)
def test_more_fake_frames_never_make_a_bimodal_video_look_more_real(t, strategy, n, seed):
    rng = np.random.default_rng(seed)
    real, fake = sure_real(rng, t, n), sure_fake(rng, t, n)
    order = {"real": 0, "inconclusive": 1, "fake": 2}
    labels = []
    for k in sorted({*range(0, n, max(1, n // 10)), n}):
        labels.append(order[verdict(np.concatenate([real[k:], fake[:k]]), t, strategy).label])
    assert labels == sorted(labels) and labels[0] == 0 and labels[-1] == 2


def _two_people(t, fake_scores, real_tracks):
    """Frames with one swapped face (track 7) and ``real_tracks`` real faces, all present throughout."""
    frames = []
    for i, s in enumerate(fake_scores):
        faces = [FaceScore(7, (0, 0, 20, 20), float(s))]
        faces += [FaceScore(k, (30 * k, 0, 30 * k + 20, 20), float(r[i])) for k, r in real_tracks.items()]
        frames.append(FrameResult(i, i / 25, max(f.score for f in faces), "scored", tuple(faces)))
    return frames


@settings(max_examples=150, deadline=None)
@given(thresholds, strategies, st.integers(3, 120), st.integers(1, 4), seeds)
def test_one_fake_track_beside_real_ones_makes_the_video_fake_and_names_it(t, strategy, n, others, seed):
    rng = np.random.default_rng(seed)
    reals = {k: sure_real(rng, t, n) for k in range(1, others + 1)}
    frames = _two_people(t, sure_fake(rng, t, n), reals)
    d = decide(frames, t, Rules(strategy=strategy))
    by_track = {x.track: x.verdict for x in d.tracks}
    assert by_track[7].label == "fake" and all(by_track[k].label == "real" for k in reals)
    assert d.verdict.label == "fake" and d.verdict.track == 7 and "track 7" in d.verdict.reason
    assert d.segments and {s.track for s in d.segments} == {7}
    # averaged over every frame's faces, the real people would have pulled a mean verdict down;
    # a video of real people only is real, and names its most suspicious (still real) track
    d_real = decide(_two_people(t, sure_real(rng, t, n), reals), t, Rules(strategy=strategy))
    assert d_real.verdict.label == "real" and d_real.verdict.track is not None and not d_real.segments


@settings(max_examples=100, deadline=None)
@given(thresholds, strategies, seeds)
def test_a_short_track_does_not_decide_the_video(t, strategy, seed):
    rng = np.random.default_rng(seed)
    real, fake = sure_real(rng, t, 40), sure_fake(rng, t, 4)
    frames = [FrameResult(i, i / 25, float(real[i]), "scored",
                          (FaceScore(1, (0, 0, 20, 20), float(real[i])),
                           *((FaceScore(7, (30, 0, 50, 20), float(fake[i])),) if i < 4 else ())))
              for i in range(40)]
    d = decide(frames, t, Rules(strategy=strategy, min_frames=10))  # track 7: a 4-frame flicker
    assert {x.track: x.verdict.cause for x in d.tracks}[7] == FEW_FRAMES
    assert d.verdict.label == "real" and d.verdict.track == 1
    alone = [FrameResult(f.index, f.time_s, f.score, f.status, f.faces[1:]) for f in frames[:4]]
    v = decide(alone, t, Rules(strategy=strategy, min_frames=10)).verdict
    assert v.label == "inconclusive" and v.cause == FEW_FRAMES and v.track == 7


def test_no_scored_face_is_no_face():
    frames = [FrameResult(i, i / 25, None, "no_face") for i in range(10)]
    assert decide(frames, 0.3).verdict.label == "no_face"
