"""The real MTCNN on real faces: downscaled detection mapped back, batching, engine integration."""

import cv2
import pytest
from media import astronaut, astronaut_face_video

from core.analysis import AnalysisParams, Engine
from core.faces import FaceDetector
from core.tracking import iou

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def detector():
    return FaceDetector(detect_width=640)


def test_finds_the_face_in_a_real_portrait(detector):
    (faces,) = detector.detect([astronaut()])
    assert len(faces) == 1 and faces[0].confidence > 0.95
    x0, y0, x1, y1 = faces[0].box
    assert 150 < x0 < 200 and 230 < x1 < 290 and 40 < y0 < 90 and 150 < y1 < 200
    (lex, ley), (rex, rey), (nx, ny), (mlx, mly), (mrx, mry) = faces[0].landmarks
    assert x0 < lex < nx < rex < x1 and y0 < ley < ny < mly < y1  # eyes above nose above mouth


def test_boxes_of_a_downscaled_batch_are_mapped_back(detector):
    small = astronaut()
    big = cv2.resize(small, (1280, 1280))  # detected on a 640 px copy
    ref, scaled, again = detector.detect([small, big, big])
    box = tuple(v * 2.5 for v in ref[0].box)
    assert iou(box, scaled[0].box) > 0.8
    assert scaled[0].box == again[0].box


def test_frame_without_face(detector):
    import numpy as np

    assert detector.detect([np.full((240, 320, 3), 128, np.uint8)]) == [[]]


def test_engine_with_real_mtcnn(tiny_bundle, tmp_path, detector):
    video = astronaut_face_video(tmp_path / "astro.avi", n=12)
    r = Engine(tiny_bundle, detector=detector).analyze(video, AnalysisParams(detect_every=4), use_cache=False)
    assert all(f.status == "scored" for f in r.frames)
    assert {x.track for f in r.frames for x in f.faces} == {1}
