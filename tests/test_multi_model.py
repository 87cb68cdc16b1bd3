"""Several models on one video in one pass: one decode and detection, per-model results and cache,
and how far the models agree."""

from dataclasses import replace

import numpy as np
import pytest
from media import face_image, moving_face_frames, write_video
from scored import scored_result

import core.analysis as analysis
from core.agreement import agreement
from core.analysis import AnalysisParams, Engine, analyze_together
from core.result import Segment


@pytest.fixture
def clip(tmp_path):
    frames = moving_face_frames(40, (160, 120), face_image(48), step=1)
    for i in range(25, 30):
        frames[i] = np.full_like(frames[0], 30)  # no face: the track ends and a new one starts
    return write_video(tmp_path / "clip.avi", frames)


@pytest.fixture
def decodes(monkeypatch):
    """Counts the decode passes the engine opens."""
    calls = []
    real = analysis.iter_frames

    def counted(*a, **k):
        calls.append(a[0])
        return real(*a, **k)

    monkeypatch.setattr(analysis, "iter_frames", counted)
    return calls


def _layout(r):
    return [(f.index, f.status, tuple((x.track, x.box) for x in f.faces)) for f in r.frames]


def _scores(r):
    return [np.nan if f.score is None else f.score for f in r.frames]


def test_two_models_share_one_decode_and_detection_and_score_as_they_would_alone(
        tiny_bundle, tiny_seq_bundle, colour_detector, clip, decodes):
    frame_model = Engine(tiny_bundle, detector=colour_detector)
    seq_model = Engine(tiny_seq_bundle, detector=colour_detector)
    p = AnalysisParams(detect_every=3)
    both = analyze_together(clip, [frame_model, seq_model], p, use_cache=False)
    assert len(decodes) == 1
    seen_together = colour_detector.frames_seen

    alone = [e.analyze(clip, p, use_cache=False) for e in (frame_model, seq_model)]
    assert len(decodes) == 3
    assert colour_detector.frames_seen == 3 * seen_together  # one detection pass each time
    assert [r.model.id for r in both] == [tiny_bundle.id, tiny_seq_bundle.id]
    for together, single in zip(both, alone, strict=True):
        assert _layout(together) == _layout(single)
        assert _scores(together) == pytest.approx(_scores(single), nan_ok=True)
        assert together.verdict == single.verdict and together.complete
    # two curves: each model scored every frame with a face, and the scores differ between models
    a, b = ([f.score for f in r.frames if f.score is not None] for r in both)
    assert len(a) == len(b) >= 30 and a != b


def test_progress_streams_each_models_frames(tiny_bundle, tiny_seq_bundle, colour_detector, clip):
    reports = []
    engines = [Engine(tiny_bundle, detector=colour_detector), Engine(tiny_seq_bundle, detector=colour_detector)]
    first, second = analyze_together(clip, engines, progress=reports.append, use_cache=False)
    streamed_first = [f for p in reports for f in p.frames]
    streamed_second = [f for p in reports for lane in p.others for f in lane]
    assert sorted(f.index for f in streamed_first) == [f.index for f in first.frames]
    assert sorted(streamed_second, key=lambda f: f.index) == list(second.frames)
    assert all(len(p.others) == 1 for p in reports if p.stage != "hashing")


def test_a_model_added_later_is_the_only_one_scored(tiny_bundle, tiny_seq_bundle, colour_detector, clip, decodes):
    frame_model = Engine(tiny_bundle, detector=colour_detector)
    seq_model = Engine(tiny_seq_bundle, detector=colour_detector)
    first = frame_model.analyze(clip)
    assert len(decodes) == 1
    calls = []
    real_score = frame_model.scorer.score_crops
    frame_model.scorer.score_crops = lambda crops: calls.append(len(crops)) or real_score(crops)
    cached, added = analyze_together(clip, [frame_model, seq_model])
    assert len(decodes) == 2 and calls == []  # one pass, for the added model only
    assert cached.from_cache and cached.frames == first.frames and not added.from_cache
    again = analyze_together(clip, [frame_model, seq_model])
    assert len(decodes) == 2 and all(r.from_cache for r in again)


def test_companions_use_their_own_cards_threshold(tiny_bundle, tiny_seq_bundle, colour_detector, clip):
    engines = [Engine(tiny_bundle, detector=colour_detector), Engine(tiny_seq_bundle, detector=colour_detector)]
    first, second = analyze_together(clip, engines, AnalysisParams(threshold=0.3), use_cache=False)
    assert first.params["threshold"] == 0.3
    assert second.params["threshold"] == tiny_seq_bundle.card.threshold


def test_cancel_keeps_every_models_partial_result(tiny_bundle, tiny_seq_bundle, colour_detector, tmp_path):
    video = write_video(tmp_path / "long.avi", moving_face_frames(80, (160, 120), step=1))
    reports = []
    engines = [Engine(tiny_bundle, detector=colour_detector), Engine(tiny_seq_bundle, detector=colour_detector)]
    results = analyze_together(video, engines, progress=reports.append,
                               should_cancel=lambda: len(reports) >= 3, use_cache=False)
    assert all(not r.complete and 0 < len(r.frames) < 80 for r in results)


# -- agreement -------------------------------------------------------------------------------------
def _result(base, model_id: str, threshold: float, scores: list[float | None]):
    """``base`` (a real analysis) with made-up scores on one track, decided at ``threshold``."""
    return scored_result(base, scores, threshold, model_id)


@pytest.fixture
def base(tiny_bundle, colour_detector, clip):
    return Engine(tiny_bundle, detector=colour_detector).analyze(clip, use_cache=False)


def test_agreement_merges_overlapping_segments_and_counts_models_above_their_own_threshold(base):
    a = _result(base, "a", 0.5, [0.1] * 10 + [0.9] * 20)  # fake from frame 10 on
    # b flags 13-18 at its own, higher threshold; its 0.7 at 10-12 is under that
    b = _result(base, "b", 0.8, [0.2] * 10 + [0.7] * 3 + [0.95] * 6 + [0.2] * 11)
    c = _result(base, "c", 0.5, [0.3] * 30)  # flags nothing
    ag = agreement([a, b, c])
    assert [(s.start_frame, s.end_frame) for s in ag.spans] == [(10, 29)]
    span = ag.spans[0]
    assert span.found_by == ("a", "b") and span.flagged_by == ("a", "b") and span.scored_by == ("a", "b", "c")
    assert span.summary() == "2 of 3 models" and not span.unanimous
    assert ag.disagreements() == (span,)
    assert dict(span.peaks)["c"] == pytest.approx(0.3)
    assert [m.label for m in ag.models] == ["fake", "real", "real"] and not ag.verdicts_agree
    assert agreement([b, c]).verdicts_agree


def test_a_model_that_scored_nothing_in_a_span_has_no_say(base):
    a = _result(base, "a", 0.5, [0.1] * 10 + [0.9] * 6 + [0.1] * 14)
    b = _result(base, "b", 0.5, [0.1] * 10 + [None] * 6 + [0.1] * 14)
    span = agreement([a, b]).spans[0]
    assert span.scored_by == ("a",) and span.unanimous and dict(span.peaks)["b"] is None


def test_agreement_refuses_analyses_of_different_files(base):
    other = replace(base, sha256="0" * 64)
    with pytest.raises(ValueError, match="different files"):
        agreement([base, other])
    assert isinstance(base.segments, tuple) and all(isinstance(s, Segment) for s in base.segments)


def test_spans_are_the_first_models_segments_then_those_only_others_found(base):
    a = _result(base, "a", 0.5, [0.1] * 20 + [0.9] * 10)  # segment 20-29
    b = _result(base, "b", 0.5, [0.1] * 3 + [0.8] * 4 + [0.1] * 13 + [0.7] * 10)  # 3-6 and 20-29
    ag = agreement([a, b])
    assert [(s.start_frame, s.end_frame, s.first_model) for s in ag.spans] == [(3, 6, False), (20, 29, True)]
    only_b, both = ag.spans
    assert only_b.found_by == ("b",) and only_b.flagged_by == ("b",) and only_b.scored_by == ("a", "b")
    assert both.track == 1 and both.unanimous
    assert ag.disagreements() == (only_b,)
