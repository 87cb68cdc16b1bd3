"""The issue's acceptance case: two people in one clip, one face swapped, with the shipped detector.

The swap is a self-blend (the kind of fake the default detector is trained to see) pasted over
the left person; the right one is the same portrait untouched. Real MTCNN, the real default model.
What must hold: each track's verdict, the video's verdict naming the swapped track, and a segment
over the swapped face's frames; a brief, weak run on the real face is allowed.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from media import astronaut, write_video

from core.analysis import AnalysisParams, Engine
from core.models.bundle import DEFAULT_FILE, read_bundle
from core.paths import shipped_models_dir
from core.training.self_blend import self_blend

pytestmark = pytest.mark.slow


def _two_people(path, n: int = 30):
    face = cv2.resize(astronaut()[10:270, 100:360], (170, 170))
    swapped = self_blend(face, np.random.default_rng(0)).image
    frames = []
    for i in range(n):
        img = np.full((300, 480, 3), 90, np.uint8)
        img[60:230, 30 + i : 200 + i] = swapped
        img[60:230, 270 + i : 440 + i] = face
        frames.append(img)
    return write_video(path, frames, fps=10.0)


def test_one_swapped_face_beside_a_real_one_is_fake_and_names_its_track(tmp_path):
    shipped = shipped_models_dir()
    default = read_bundle(shipped / (shipped / DEFAULT_FILE).read_text().strip(), read_only=True)
    result = Engine(default).analyze(_two_people(tmp_path / "two.avi"), AnalysisParams(), use_cache=False)
    assert len(result.tracks) == 2
    left = {x.track for f in result.frames for x in f.faces if x.box[2] < 240}
    assert len(left) == 1
    (swapped,) = left
    by_track = {t.track: t.verdict for t in result.tracks}
    (real,) = set(by_track) - {swapped}
    assert by_track[swapped].label == "fake", by_track
    assert by_track[real].label == "real", by_track
    assert result.verdict.label == "fake" and result.verdict.track == swapped
    assert f"track {swapped}" in result.verdict.reason
    mine = [s for s in result.segments if s.track == swapped]
    assert mine and sum(s.end_frame - s.start_frame + 1 for s in mine) >= 27  # of 30 frames
    # the real face's score crosses the threshold now and then for a few frames (twice, for 3 frames,
    # with the shipped detector): its track is still real, and no such run is long or near the swap's
    others = [s for s in result.segments if s.track != swapped]
    assert all(s.end_frame - s.start_frame + 1 <= 5 and s.peak < min(m.mean for m in mine) - 0.2 for s in others)
