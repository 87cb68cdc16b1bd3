"""Face crops for training: images and videos, damaged files skipped and listed, cached by content."""

import numpy as np
import pytest
from media import face_image, write_video
from trainset import make_face, make_images, scene, write_image

from core.training.config import DataConfig
from core.training.crops import CropSettings, build_table, read_image
from core.training.dataset import scan_dataset


def _table(root, settings, detector, **kw):
    return build_table(scan_dataset(DataConfig(str(root), **kw)), settings, lambda: detector)


def test_image_crops_are_centred_on_the_face(tmp_path, colour_detector):
    root = make_images(tmp_path / "d", identities=4, per_identity=1)
    table, skipped = _table(root, CropSettings(size=40, margin=0.3), colour_detector)
    assert skipped == [] and table.crops.shape == (8, 40, 40, 3) and table.crops.dtype == np.uint8
    assert set(table.label.tolist()) == {0, 1} and (table.frame == -1).all()
    cx, cy = (table.boxes[:, 0] + table.boxes[:, 2]) / 2, (table.boxes[:, 1] + table.boxes[:, 3]) / 2
    assert np.allclose(cx, 20, atol=1.5) and np.allclose(cy, 20, atol=1.5)
    side = np.maximum(table.boxes[:, 2] - table.boxes[:, 0], table.boxes[:, 3] - table.boxes[:, 1])
    assert np.allclose(side, 40 / 1.3, atol=1.5)
    assert np.isnan(table.landmarks).all()  # the colour detector gives no landmarks
    # the crop shows the face: skin colour between the eyes of the real faces
    real = table.crops[table.label == 0, 18, 20].astype(int)
    assert np.abs(real - [224, 172, 140]).max() < 30


def test_images_used_whole_when_they_are_face_crops(tmp_path, colour_detector):
    root = make_images(tmp_path / "d", identities=2, per_identity=1, faces_only=True)
    table, _ = _table(root, CropSettings(size=32, images_are_faces=True), colour_detector)
    assert len(table) == 4 and colour_detector.calls == 0
    assert np.allclose(table.boxes[0], [3.69, 3.69, 28.31, 28.31], atol=0.05)  # the default face box


def test_damaged_images_are_skipped_and_listed(tmp_path, colour_detector):
    root = make_images(tmp_path / "d", identities=3, per_identity=1, ext=".jpg")
    data = (root / "real/id0_0000.jpg").read_bytes()
    (root / "real/id0_0000.jpg").write_bytes(data[: len(data) // 2])  # truncated
    (root / "fake/garbage.png").write_bytes(b"\x89PNG not really" * 20)
    (root / "real/noface.png").write_bytes(b"")  # empty: skipped by the scan already
    write_image(root / "fake/id9_id3_0001.png", np.full((80, 96, 3), 30, np.uint8))  # no face in it
    summary = scan_dataset(str(root))
    table, skipped = build_table(summary, CropSettings(size=32), lambda: colour_detector)
    reasons = {s.path: s.reason for s in skipped}
    assert "truncated" in reasons["real/id0_0000.jpg"]
    assert "not a decodable image" in reasons["fake/garbage.png"]
    assert "no face found" in reasons["fake/id9_id3_0001.png"]
    assert len(table) == 5
    with pytest.raises(ValueError, match="truncated"):
        read_image(root / "real/id0_0000.jpg")


def _video(path, n=12, absent=(), face=None):
    face = face if face is not None else face_image(48, seed=1)
    frames = []
    for t in range(n):
        img = np.full((80, 112, 3), 30, np.uint8)
        if t not in absent:
            img[16:64, 10 + 2 * t : 58 + 2 * t] = face
        frames.append(img)
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_video(path, frames)


def _video_set(root, **kw):
    _video(root / "real/id1_0001.avi", **kw)
    _video(root / "fake/id1_id2_0001.avi", face=make_face(3, True), **kw)
    return root


def test_video_frames_are_sampled_evenly(tmp_path, colour_detector):
    root = _video_set(tmp_path / "v")
    table, skipped = _table(root, CropSettings(size=32, frames_per_video=4), colour_detector)
    assert skipped == []
    assert table.frame[table.label == 0].tolist() == [0, 3, 6, 9]
    assert len(set(table.run.tolist())) == len(table)  # frame models: each crop stands alone


def test_sequence_clips_follow_the_face_and_carry_short_gaps(tmp_path, colour_detector):
    root = tmp_path / "s"
    _video(root / "real/id1_0001.avi", n=16, absent=(5,))  # one missed frame: carried over
    _video(root / "fake/id1_id2_0001.avi", n=16, absent=(3, 4, 5, 6), face=make_face(3, True))  # a gap
    s = CropSettings(size=32, clip_len=8, clips_per_video=2, frame_step=1)
    table, _ = _table(root, s, colour_detector)
    real = table.label == 0
    assert table.frame[real].tolist() == list(range(16))
    assert len(set(table.run[real].tolist())) == 2  # two clips never join
    fake_runs = table.run[~real]
    # frames 0-2 found, 3-4 carried, 5-6 lost: the run ends; 7 starts another; clip 2 is 8-15
    assert table.frame[~real].tolist() == [0, 1, 2, 3, 4, 7, 8, 9, 10, 11, 12, 13, 14, 15]
    assert len(set(fake_runs.tolist())) == 3
    assert all(np.all(np.diff(table.frame[table.run == r]) == 1) for r in set(table.run.tolist()))


def test_damaged_videos_are_skipped_not_fatal(tmp_path, colour_detector):
    root = _video_set(tmp_path / "v")
    (root / "real/broken.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 500)
    data = (root / "fake/id1_id2_0001.avi").read_bytes()
    (root / "fake/id3_id2_0001.avi").write_bytes(data[: len(data) // 3])  # truncated copy
    _video(root / "real/id5_0001.avi", absent=range(12))  # no face at all
    table, skipped = _table(root, CropSettings(size=32, frames_per_video=6), colour_detector)
    reasons = {s.path: s.reason for s in skipped}
    assert "real/broken.mp4" in reasons and "no face found in the 6 sampled frames" in reasons["real/id5_0001.avi"]
    truncated = table.file == next(i for i, f in enumerate(table.files) if f.path == "fake/id3_id2_0001.avi")
    assert "fake/id3_id2_0001.avi" in reasons or 0 < truncated.sum() < 6
    assert (table.label == 0).sum() == 6


def test_crops_are_cached_by_content_and_settings(tmp_path, colour_detector):
    root = make_images(tmp_path / "d", identities=3, per_identity=1)
    _video_set(root)
    s = CropSettings(size=32, frames_per_video=3)
    first, _ = _table(root, s, colour_detector)
    calls = colour_detector.calls
    assert calls > 0
    again, _ = _table(root, s, colour_detector)
    assert colour_detector.calls == calls  # nothing detected twice
    assert np.array_equal(first.crops, again.crops) and np.array_equal(first.run, again.run)
    _table(root, CropSettings(size=32, frames_per_video=3, margin=0.5), colour_detector)
    assert colour_detector.calls > calls  # other settings: cropped again
    write_image(root / "real/id0_0000.png", scene(make_face(77, False), 77))  # new content
    before = colour_detector.calls
    _table(root, s, colour_detector)
    assert colour_detector.calls == before + 1


def test_images_are_detected_in_batches_with_the_same_crops(tmp_path, colour_detector, monkeypatch):
    monkeypatch.setenv("DFI_HOME", str(tmp_path / "home"))  # an empty cache: other tests crop the same images
    root = make_images(tmp_path / "d", identities=6, per_identity=2)  # 24 same-sized images
    s = CropSettings(size=32)
    summary = scan_dataset(DataConfig(str(root)))
    single, _ = build_table(summary, s, lambda: colour_detector, use_cache=False)  # one image per call
    assert colour_detector.calls == 24
    colour_detector.calls = 0
    batched, _ = build_table(summary, s, lambda: colour_detector)
    assert colour_detector.calls == 1  # one MTCNN call for all 24
    assert np.array_equal(single.crops, batched.crops) and np.array_equal(single.boxes, batched.boxes)


def test_training_crops_are_the_engines_crops_of_the_same_frames(tmp_path, colour_detector, tiny_bundle):
    """One face-crop path: the faces a model trains on are cut where analysis cuts them (same
    detector, tracker, box and crop), so training and analysis see the same pixels."""
    from core.analysis import AnalysisParams, Engine
    from core.faces import crop_face
    from core.video import iter_frames

    root = tmp_path / "v"
    video = _video(root / "real/id1_0001.avi", n=12)
    _video(root / "fake/id1_id2_0001.avi", face=make_face(3, True))
    s = CropSettings(size=32, clip_len=12, clips_per_video=1, frame_step=1, margin=0.3, min_face_px=12)
    table, _ = _table(root, s, colour_detector)
    real = np.flatnonzero(table.label == 0)
    result = Engine(tiny_bundle, detector=colour_detector).analyze(
        video, AnalysisParams(detect_every=1, margin=0.3), use_cache=False)
    frames = {i: rgb for i, _, rgb in iter_frames(video)}
    engine_boxes = {f.index: f.faces[0].box for f in result.frames if f.faces}
    assert sorted(engine_boxes) == table.frame[real].tolist() == list(range(12))
    for row in real:
        index = int(table.frame[row])
        np.testing.assert_array_equal(table.crops[row], crop_face(frames[index], engine_boxes[index], 0.3, 32))
