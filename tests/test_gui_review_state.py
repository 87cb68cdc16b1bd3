"""What the window derives from results: cached look-up, review threshold, score arrays."""

from __future__ import annotations

import numpy as np

from core.analysis import AnalysisParams, Engine
from core.decide import Rules
from core.lookup import cached_result
from core.result import FaceScore, FrameResult
from core.review import redecide
from core.segments import track_segments
from gui.scores import NOT_ANALYSED, STATUS_CODE, ScoreStore


def test_cached_result_finds_what_the_engine_stored_without_loading_a_model(face_video, tiny_bundle,
                                                                            colour_detector, tmp_path):
    import shutil

    video = tmp_path / "copy.avi"
    shutil.copy(face_video, video)
    with open(video, "ab") as fh:  # other bytes, another hash: a cache entry of its own
        fh.write(b"\0lookup-test")
    params = AnalysisParams(every=2)
    engine = Engine(tiny_bundle, detector=colour_detector)
    from core.forensic.hashing import sha256_file

    sha = sha256_file(video)
    fps = 10.0  # face_video's frame rate
    assert cached_result(sha, tiny_bundle, params, fps) is None
    stored = engine.analyze(video, params)
    moved = tmp_path / "moved.avi"
    hit = cached_result(sha, tiny_bundle, params, fps, moved)
    assert hit is not None and hit.frames == stored.frames and hit.video.path == str(moved)
    assert cached_result(sha, tiny_bundle, AnalysisParams(every=3), fps) is None  # other parameters, other key
    # the verdict strategy does not change a score: the stored scores come back decided by the one asked for
    other = cached_result(sha, tiny_bundle, AnalysisParams(every=2, strategy="majority"), fps)
    assert other is not None and other.frames == stored.frames
    assert other.verdict.strategy == "majority" and other.params["strategy"] == "majority"
    assert stored.verdict.strategy == "mean"


def _frames(scores):
    return tuple(
        FrameResult(i, i / 10, s, "scored" if s is not None else "no_face",
                    (FaceScore(1, (0, 0, 10, 10), s),) if s is not None else ())
        for i, s in enumerate(scores)
    )


def test_redecide_rederives_segments_and_verdict_and_says_so(face_video, tiny_bundle, colour_detector):
    result = Engine(tiny_bundle, detector=colour_detector).analyze(face_video, AnalysisParams(), use_cache=False)
    assert redecide(result, result.params["threshold"]) is result
    scores = [f.score for f in result.frames if f.score is not None]
    low = min(scores) - 0.01
    r = redecide(result, low)
    assert r.frames == result.frames
    assert r.segments == track_segments(result.frames, low, Rules.of(result.params).segments)
    assert r.verdict.threshold == low and r.params["threshold"] == low
    vote = redecide(result, low, "majority").verdict  # every face is above a threshold under all of them
    assert vote.label == "fake" and vote.score == 1.0 and vote.track is not None
    assert all(t.frames_above == t.frames_scored for t in r.tracks)
    assert r.warnings[-1].startswith("Threshold changed in review")
    m = redecide(result, strategy="majority")
    assert m.verdict.strategy == "majority" and m.frames == result.frames
    assert m.warnings[-1] == "Verdict strategy changed in review from mean to majority."


def test_score_store_keeps_gaps_and_statuses_by_sampled_slot():
    store = ScoreStore(frames=10, fps=10.0, every=2)
    assert len(store.max) == 5 and (store.status == NOT_ANALYSED).all()
    store.add(_frames([0.2, None, 0.9, None, 0.4, None, 0.7, None, None, None])[::2])
    assert np.allclose(store.max[[0, 1, 2, 3]], [0.2, 0.9, 0.4, 0.7])
    assert np.isnan(store.max[4])
    assert list(store.status[:4]) == [STATUS_CODE["scored"]] * 4 and store.status[4] == STATUS_CODE["no_face"]
    assert np.allclose(store.x(), [0, 0.2, 0.4, 0.6, 0.8])
    frame, exact = store.frame_result(3)  # between samples 2 and 4: the nearer within half the stride
    assert not exact and frame.index in (2, 4)
    assert store.frame_result(4) == (store.frames()[2], True)


def test_long_videos_derive_segments_off_the_gui_thread_and_keep_the_latest_threshold(qtbot):
    from gui.review_state import ASYNC_FROM, ReviewState

    n = ASYNC_FROM + 5000
    rng = np.random.default_rng(3)
    scores = np.clip(np.cumsum(rng.normal(0, 0.04, n)) % 1.0, 0, 1)
    frames = _frames([float(v) for v in scores])
    state = ReviewState()
    state.reset(n, 30.0)
    state.add_frames(frames)
    derived = []
    state.derived_changed.connect(lambda: derived.append((state.threshold, state.segments)))
    for t in (0.3, 0.6, 0.8):  # a drag: only the last one must end up applied
        state.set_threshold(t)
    qtbot.waitUntil(lambda: bool(derived) and derived[-1][0] == 0.8 and not state.pool.running(), timeout=10_000)
    expected = track_segments(state.store.frames(), 0.8, state.rules.segments)
    assert state.segments == expected and len(expected) > 10
    assert state._job is not None  # derived by a worker, not in place
    state.pool.join_all()
