import numpy as np
import pytest
from media import astronaut

from core.training.self_blend import face_mask, self_blend


@pytest.fixture(scope="module")
def face_and_points():
    import cv2

    from core.faces import FaceDetector, crop_face, square_around

    img = astronaut()
    (det,) = FaceDetector().detect([img])[0]
    crop = crop_face(img, det.box, 0.3, 128)
    x0, y0, x1, _ = square_around(det.box, 0.3)
    k = 128 / (x1 - x0)
    pts = np.array([((x - x0) * k, (y - y0) * k) for x, y in det.landmarks], np.float32)
    assert cv2 is not None
    return crop, pts


def test_mask_covers_the_inner_face_and_not_the_border(face_and_points):
    _, pts = face_and_points
    m = face_mask(128, pts, np.random.default_rng(0))
    assert m.dtype == np.float32 and m.max() == pytest.approx(1.0)
    for x, y in pts:  # eyes, nose and mouth are inside
        assert m[int(y), int(x)] > 0.5
    border = np.r_[m[:4].ravel(), m[-4:].ravel(), m[:, :4].ravel(), m[:, -4:].ravel()]
    assert border.max() < 0.05


def test_blend_changes_the_face_only_where_the_mask_is(face_and_points):
    face, pts = face_and_points
    out, mask = self_blend(face, pts, np.random.default_rng(1))
    assert out.shape == face.shape and out.dtype == np.uint8
    diff = np.abs(out.astype(int) - face.astype(int)).sum(-1)
    assert diff[mask > 0.5].mean() > 3  # visibly altered inside
    assert diff[mask < 0.002].max() <= 3  # untouched outside (rounding only, summed over 3 channels)


def test_deterministic_with_a_seed_and_varied_without(face_and_points):
    face, pts = face_and_points
    a, _ = self_blend(face, pts, np.random.default_rng(7))
    b, _ = self_blend(face, pts, np.random.default_rng(7))
    c, _ = self_blend(face, pts, np.random.default_rng(8))
    assert np.array_equal(a, b) and not np.array_equal(a, c)


def test_works_without_landmarks_and_rejects_non_square():
    face = np.full((96, 96, 3), 128, np.uint8)
    out, mask = self_blend(face, None, np.random.default_rng(0))
    assert mask[48, 48] > 0.2 and mask[0, 0] < 0.05
    with pytest.raises(ValueError):
        self_blend(np.zeros((10, 12, 3), np.uint8), None, np.random.default_rng(0))
