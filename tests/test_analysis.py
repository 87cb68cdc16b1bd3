"""The engine end to end on generated video: statuses, stride, tracks, streaming, cancel, cache."""

import hashlib
import json
import os
import shutil

import cv2
import numpy as np
import pytest
from media import face_image, moving_face_frames, write_video

from core.analysis import AnalysisParams, Engine
from core.result import AnalysisResult


@pytest.fixture
def engine(tiny_bundle, colour_detector):
    return Engine(tiny_bundle, detector=colour_detector)


def test_every_sampled_frame_has_a_score_or_a_reason(engine, face_video):
    r = engine.analyze(face_video, AnalysisParams(detect_every=5), use_cache=False)
    assert [f.index for f in r.frames] == list(range(30))
    by_index = {f.index: f for f in r.frames}
    for i in range(30):
        f = by_index[i]
        if 20 <= i <= 24:
            # Detection runs at 0, 5, 10, ...: at 20 the face is gone; 21-24 carry nothing.
            assert f.status == "no_face" and f.score is None and f.faces == ()
        else:
            assert f.status == "scored" and 0.0 <= f.score <= 1.0
            assert f.score == max(x.score for x in f.faces)
    assert r.verdict.frames_scored == 25
    assert r.complete and r.warnings == ()


def test_faces_keep_one_track_id_and_boxes_follow_the_face(engine, face_video):
    r = engine.analyze(face_video, AnalysisParams(detect_every=5), use_cache=False)
    before = [f for f in r.frames if f.index < 20]
    assert {x.track for f in before for x in f.faces} == {1}
    # the face moves right 2 px per frame; once two detections gave the velocity, carried boxes follow it
    x_first = before[0].faces[0].box[0]
    assert all(f.faces[0].box[0] == x_first for f in before[:5])  # no velocity known before frame 5
    for f in before[5:]:
        assert abs(f.faces[0].box[0] - (x_first + 2 * f.index)) <= 2, (f.index, f.faces[0].box)
    assert [f.faces[0].detected for f in before[:6]] == [True, False, False, False, False, True]


def test_stride_analyses_every_nth_frame_and_detection_every_kth(engine, face_video, colour_detector):
    r = engine.analyze(face_video, AnalysisParams(every=3, detect_every=2), use_cache=False)
    assert [f.index for f in r.frames] == list(range(0, 30, 3))
    assert colour_detector.frames_seen == 5  # sampled 0,3,..27 -> detection on every 2nd: 0,6,12,18,24
    assert r.params["every"] == 3 and r.params["threshold"] == 0.5 and r.params["margin"] == 0.3


def test_detection_interval_follows_the_frame_rate(engine, face_video):
    # 10 fps: every 0.25 s is every 2.5 frames, rounded to 2; with every=3, every frame analysed.
    assert engine.analyze(face_video, use_cache=False).params["detect_every"] == 2
    assert engine.analyze(face_video, AnalysisParams(every=3), use_cache=False).params["detect_every"] == 1


def test_small_faces_are_reported_not_scored(tiny_bundle, colour_detector, tmp_path):
    frames = moving_face_frames(6, (160, 120), face_image(16), step=1)
    video = write_video(tmp_path / "small.avi", frames)
    r = Engine(tiny_bundle, detector=colour_detector).analyze(video, AnalysisParams(min_face_px=20), use_cache=False)
    assert {f.status for f in r.frames} == {"face_too_small"}
    assert all(f.score is None and f.faces and f.faces[0].score is None for f in r.frames)
    assert r.verdict.label == "no_face"


def test_scores_stream_in_chunks_and_cancel_keeps_partial(engine, tmp_path):
    video = write_video(tmp_path / "long.avi", moving_face_frames(80, (160, 120), step=1))
    reports = []

    def progress(p):
        reports.append(p)

    r = engine.analyze(video, progress=progress, should_cancel=lambda: len(reports) >= 3, use_cache=False)
    streamed = [f.index for p in reports for f in p.frames]
    assert not r.complete
    assert 16 <= len(r.frames) < 80
    assert streamed[: len(r.frames)] == [f.index for f in r.frames]
    analysing = [p for p in reports if p.stage == "analysing"]
    assert analysing[0].total == 80 and analysing[0].eta_s is not None


def test_cancelled_results_are_not_cached(engine, face_video):
    engine.analyze(face_video, should_cancel=lambda: True)
    r = engine.analyze(face_video)
    assert r.complete and len(r.frames) == 30


def test_cache_hit_and_invalidation(engine, face_video, colour_detector):
    first = engine.analyze(face_video)
    calls = colour_detector.calls
    again = engine.analyze(face_video)
    assert colour_detector.calls == calls  # served from the cache
    assert again.to_json()["frames"] == first.to_json()["frames"]
    engine.analyze(face_video, AnalysisParams(detect_every=3))
    assert colour_detector.calls > calls  # other parameters: analysed again


def test_cache_is_keyed_by_content_not_path(engine, face_video, tmp_path, colour_detector):
    engine.analyze(face_video)
    copy = tmp_path / "copy.avi"
    copy.write_bytes(face_video.read_bytes())
    calls = colour_detector.calls
    r = engine.analyze(copy)
    assert colour_detector.calls == calls and r.video.path == str(copy)
    changed = tmp_path / "changed.avi"
    data = bytearray(face_video.read_bytes())
    data[-1] ^= 0xFF
    changed.write_bytes(bytes(data))
    engine.analyze(changed)
    assert colour_detector.calls > calls


def test_evidence_is_untouched_and_nothing_written_beside_it(engine, tmp_path):
    folder = tmp_path / "evidence"
    folder.mkdir()
    video = write_video(folder / "clip.avi", moving_face_frames(12, (160, 120)))
    before = (hashlib.sha256(video.read_bytes()).hexdigest(), os.stat(video).st_mtime_ns)
    r = engine.analyze(video, use_cache=False)
    assert (hashlib.sha256(video.read_bytes()).hexdigest(), os.stat(video).st_mtime_ns) == before
    assert r.sha256 == before[0]
    assert sorted(p.name for p in folder.iterdir()) == ["clip.avi"]


def test_json_round_trip(engine, face_video):
    r = engine.analyze(face_video, use_cache=False)
    back = AnalysisResult.from_json(r.to_json())
    assert back.to_json() == r.to_json()


def test_sequence_model_scores_windows_per_track(tiny_seq_bundle, colour_detector, face_video):
    eng = Engine(tiny_seq_bundle, detector=colour_detector)
    r = eng.analyze(face_video, AnalysisParams(detect_every=5), use_cache=False)
    scored = [f for f in r.frames if f.score is not None]
    assert len(scored) == 25 and r.complete
    # Check against scoring the windows by hand: frame 0 is covered only by the window of crops 0..3.
    from core.faces import crop_face

    frames = moving_face_frames(4, (160, 120), face_image(48))
    crops = np.stack([crop_face(f, colour_detector.detect([f])[0][0].box, 0.3, 32) for f in frames])
    feats = eng.scorer.encode_crops(crops)
    expected = eng.scorer.score_windows(feats[None])[0]
    assert r.frames[0].score == pytest.approx(expected, abs=2e-3)  # MJPG decoding differs slightly


def test_a_sequence_model_read_at_another_spacing_than_it_learned_says_so(tiny_seq_bundle, colour_detector,
                                                                         face_video, tmp_path):
    from core.models.bundle import read_bundle, with_card

    folder = tmp_path / "every-2nd"
    shutil.copytree(tiny_seq_bundle.path, folder)
    (folder / "card.json").write_text(json.dumps(with_card(read_bundle(folder), sequence_step=2).to_json()))
    eng = Engine(read_bundle(folder), detector=colour_detector)
    as_trained = eng.analyze(face_video, AnalysisParams(every=2, detect_every=3), use_cache=False)
    assert not [w for w in as_trained.warnings if "sequence model" in w]
    closer = eng.analyze(face_video, AnalysisParams(every=1, detect_every=5), use_cache=False)
    [note] = [w for w in closer.warnings if "sequence model" in w]
    assert "2 frame(s) apart" in note and "Analyse every 2 frame(s)" in note
    assert not [w for w in Engine(tiny_seq_bundle, detector=colour_detector).analyze(
        face_video, AnalysisParams(detect_every=5), use_cache=False).warnings if "sequence model" in w]


def test_video_without_faces_says_so(engine, tmp_path):
    video = write_video(tmp_path / "empty room.avi", [np.full((120, 160, 3), 40 + i, np.uint8) for i in range(8)])
    r = engine.analyze(video, use_cache=False)
    assert {f.status for f in r.frames} == {"no_face"} and all(f.score is None for f in r.frames)
    assert r.verdict.label == "no_face" and r.verdict.score is None and r.segments == ()


def test_one_frame_grayscale_portrait_and_unicode_inputs(engine, tmp_path):
    from media import set_mp4_rotation

    one = write_video(tmp_path / "one.avi", moving_face_frames(1, (160, 120)))
    assert [f.status for f in engine.analyze(one, use_cache=False).frames] == ["scored"]

    gray = [cv2.cvtColor(f, cv2.COLOR_RGB2GRAY) for f in moving_face_frames(4, (160, 120))]
    r = engine.analyze(write_video(tmp_path / "gray.avi", gray), use_cache=False)
    assert len(r.frames) == 4  # grey frames arrive as RGB; the skin-colour detector then finds no face
    assert {f.status for f in r.frames} == {"no_face"}

    portrait = set_mp4_rotation(write_video(tmp_path / "phone.mp4", moving_face_frames(6, (160, 120)),
                                            fourcc="mp4v"), 90)
    r = engine.analyze(portrait, use_cache=False)
    assert (r.video.width, r.video.height, r.video.rotation) == (120, 160, 90)
    assert all(f.status == "scored" for f in r.frames)
    x0, y0, x1, y1 = r.frames[0].faces[0].box
    assert x1 <= 120 and y1 <= 160  # boxes are in the upright frame

    folder = tmp_path / "Akte 7 – Überwachung"
    folder.mkdir()
    odd = write_video(folder / "Kamera ü 1.avi", moving_face_frames(3, (160, 120)))
    assert engine.analyze(odd, use_cache=False).video.path == str(odd)
