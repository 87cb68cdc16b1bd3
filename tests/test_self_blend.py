"""Self-blended fakes: a face blended into a transformed copy of itself through a soft face mask."""

import cv2
import numpy as np
import pytest
from conftest import shared_path
from media import face_image

from core.training.self_blend import SelfBlendConfig, base_mask, default_box, self_blend, soft_mask

S = 96


@pytest.fixture(scope="module")
def face():
    rng = np.random.default_rng(1)
    img = np.full((S, S, 3), 70, np.uint8)
    img[8:88, 8:88] = face_image(80, seed=2)
    return np.clip(img.astype(int) + rng.integers(-6, 6, img.shape), 0, 255).astype(np.uint8)


BOX = (18.0, 12.0, 78.0, 84.0)
# left eye, right eye, nose, mouth left, mouth right (crop pixels)
MARKS = np.array([[36, 40], [60, 40], [48, 52], [38, 64], [58, 64]], float)


def _centroid(m):
    ys, xs = np.mgrid[: m.shape[0], : m.shape[1]]
    return float((xs * m).sum() / m.sum()), float((ys * m).sum() / m.sum())


def test_blend_formula_and_untouched_surroundings(face):
    for seed in range(6):
        r = self_blend(face, np.random.default_rng(seed), BOX, MARKS)
        assert r.image.shape == face.shape and r.image.dtype == np.uint8
        assert r.mask.dtype == np.float32 and 0.0 <= r.mask.min() and r.mask.max() <= 1.0
        want = r.source.astype(float) * r.mask[..., None] + r.target.astype(float) * (1 - r.mask[..., None])
        assert np.abs(r.image.astype(float) - want).max() <= 1.0
        outside = r.mask == 0
        assert outside.mean() > 0.05
        for ys, xs in ((slice(0, 6), slice(0, 6)), (slice(0, 6), slice(-6, None)), (slice(-6, None), slice(0, 6))):
            assert (r.mask[ys, xs] == 0).all()  # the corners, far from the face, are untouched
        assert np.array_equal(r.image[outside], r.target[outside])
        inside = r.mask > 0.5
        assert np.abs(r.image[inside].astype(int) - face[inside]).mean() > 1.0  # the face did change


def test_one_copy_is_the_original_either_side(face):
    target_original = source_original = 0
    for seed in range(16):
        r = self_blend(face, np.random.default_rng(seed), BOX, MARKS)
        if np.array_equal(r.target, face):
            target_original += 1
        else:
            source_original += 1  # the transformed copy is the target: the inner face keeps its look
    assert target_original >= 3 and source_original >= 3


def test_deterministic_for_a_seed(face):
    a = self_blend(face, np.random.default_rng(9), BOX, MARKS)
    b = self_blend(face, np.random.default_rng(9), BOX, MARKS)
    c = self_blend(face, np.random.default_rng(10), BOX, MARKS)
    assert np.array_equal(a.image, b.image) and np.array_equal(a.mask, b.mask)
    assert not np.array_equal(a.image, c.image)


def test_mask_follows_landmarks_or_box():
    hull = base_mask(S, BOX, MARKS)
    for x, y in MARKS:  # every landmark lies inside the hull
        assert hull[int(y), int(x)] == 1.0
    cx, cy = _centroid(hull)
    assert 40 < cx < 56 and 40 < cy < 62
    moved = MARKS - [20, 0]
    assert _centroid(base_mask(S, BOX, moved))[0] < cx - 15
    # no landmarks: an ellipse inscribed in the box
    ell = base_mask(S, BOX, None)
    ys, xs = np.nonzero(ell)
    assert xs.min() >= BOX[0] - 1 and xs.max() <= BOX[2] + 1 and ys.min() >= BOX[1] - 1
    assert abs(_centroid(ell)[0] - 48) < 1.5
    # degenerate landmarks (all on one point): falls back to the box
    assert np.array_equal(base_mask(S, BOX, np.full((5, 2), 48.0)), ell)
    # no box either: the engine's default crop geometry
    assert default_box(S, 0.3)[2] - default_box(S, 0.3)[0] == pytest.approx(S / 1.3)


def test_soft_mask_is_soft_and_scaled_by_a_blend_ratio():
    cfg = SelfBlendConfig(ratios=(0.5,))
    m = soft_mask(S, np.random.default_rng(0), BOX, MARKS, cfg)
    assert m.max() == pytest.approx(0.5, abs=1e-6)
    levels = np.unique(np.round(m, 2))
    assert len(levels) > 20  # a gradual edge, not a hard cut
    full = soft_mask(S, np.random.default_rng(0), BOX, MARKS, SelfBlendConfig(ratios=(1.0,)))
    assert full.max() == pytest.approx(1.0)


def test_bad_input_is_refused(face):
    with pytest.raises(ValueError):
        self_blend(face.astype(np.float32), np.random.default_rng(0))
    with pytest.raises(ValueError):
        self_blend(face[..., 0], np.random.default_rng(0))


@pytest.mark.shared_data
@pytest.mark.slow
def test_on_real_faces_with_mtcnn_landmarks():
    from core.faces import FaceDetector, crop_face, square_around
    from core.video import to_rgb

    folder = shared_path("utkface_real", "real")
    files = sorted(folder.glob("*.jpg"))[:3]
    det = FaceDetector(min_confidence=0.8)
    images = [to_rgb(cv2.imread(str(f))) for f in files]
    for img, found in zip(images, det.detect(images), strict=True):
        d = found[0]
        assert d.landmarks is not None and len(d.landmarks) == 5
        x0, y0, x1, _ = square_around(d.box, 0.3)
        k = 128 / (x1 - x0)
        marks = np.array([((x - x0) * k, (y - y0) * k) for x, y in d.landmarks])
        box = ((d.box[0] - x0) * k, (d.box[1] - y0) * k, (d.box[2] - x0) * k, (d.box[3] - y0) * k)
        crop = crop_face(img, d.box, 0.3, 128)
        # MTCNN's order: left eye left of right eye, both above the mouth
        assert marks[0][0] < marks[1][0] and marks[0][1] < marks[3][1]
        r = self_blend(crop, np.random.default_rng(0), box, marks)
        hard = base_mask(128, box, marks)
        assert all(hard[int(y), int(x)] for x, y in marks)
        inside_box = hard[int(box[1]) : int(box[3]), int(box[0]) : int(box[2])].sum() / hard.sum()
        assert inside_box > 0.8
        assert np.abs(r.image.astype(int) - crop).mean() > 0.5


def test_mask_from_the_468_point_mesh_is_their_convex_hull():
    ring = np.linspace(0, 2 * np.pi, 468, endpoint=False)
    mesh = np.stack([48 + 20 * np.cos(ring), 50 + 28 * np.sin(ring)], 1)
    m = base_mask(S, BOX, mesh)
    assert m[50, 48] == 1.0 and m[50, 30] == 1.0 and m[50, 26] == 0.0 and m[20, 48] == 0.0
    area = np.pi * 20 * 28
    assert abs(m.sum() - area) < 0.08 * area  # the outline pixels count in full
    with pytest.raises(ValueError, match="468 face-mesh points"):
        self_blend(np.zeros((S, S, 3), np.uint8), np.random.default_rng(0), BOX, mesh[:100])


def test_temporal_self_blends_drift_from_frame_to_frame_and_jump_when_asked(face):
    from core.training.self_blend import temporal_self_blend

    frames = [face] * 6
    still = temporal_self_blend(frames, np.random.default_rng(4), [BOX] * 6, [MARKS] * 6, step=0.0, jump_p=0.0)
    assert all(np.array_equal(r.image, still[0].image) for r in still)  # no drift: one blend held still
    first = self_blend(face, np.random.default_rng(4), BOX, MARKS)
    assert np.array_equal(still[0].image, first.image)  # the first frame is an ordinary self-blend

    def mask_change(rs):
        return np.mean([np.abs(a.mask - b.mask).mean() for a, b in zip(rs[:-1], rs[1:], strict=True)])

    drifting = temporal_self_blend(frames, np.random.default_rng(4), [BOX] * 6, [MARKS] * 6, step=0.05, jump_p=0.0)
    jumping = temporal_self_blend(frames, np.random.default_rng(4), [BOX] * 6, [MARKS] * 6, step=0.05, jump_p=1.0)
    assert 0 < mask_change(drifting) < mask_change(jumping)
    assert all(r.mask.max() > 0 for r in drifting)  # every frame is blended


def test_black_bands_outside_the_frame_stay_black():
    """A face near the frame's edge is cropped with black bands; a self-blend must not tint them
    (a tinted border is a shortcut to 'fake' that no real crop offers)."""
    from core.faces import crop_face

    photo = face_image(120, seed=4)  # a tight photo crop: the face's square leaves the picture
    box = (14.0, 10.0, 106.0, 112.0)
    crop = crop_face(photo, box, 0.3, S)
    dark_rows = int((crop.max(axis=(1, 2)) == 0).sum())
    assert dark_rows >= 3  # the crop does have bands
    tinted = 0
    for seed in range(12):
        r = self_blend(crop, np.random.default_rng(seed), default_box(S, 0.3), None)
        band = crop.max(axis=2) == 0
        assert (r.image[band] == 0).all()
        inside = r.mask > 0.5
        tinted += np.abs(r.image[inside].astype(int) - crop[inside]).mean() > 1.0
    assert tinted >= 10  # the face itself still changes


@pytest.mark.slow
def test_hull_regions_of_a_real_face_mesh():
    """``inner`` starts at the eyebrows (no forehead), inside the whole mesh's hull; ``five`` covers eyes and
    mouth; a config with several hulls draws each of them."""
    from skimage import data

    from core import backbones as bbs
    from core.errors import BackboneWeightsMissing
    from core.faces import FaceDetector, crop_face, square_around
    from core.landmarks import LEFT_EYE, MOUTH, RIGHT_EYE, FaceMesh
    from core.training.self_blend import draw_params

    try:
        bbs.locate("face_landmarks")
    except BackboneWeightsMissing:
        pytest.skip("face_landmarks not fetched (main.py fetch-backbone face_landmarks)")
    img = data.astronaut()
    box = FaceDetector().detect([img])[0][0].box
    x0, y0, x1, _ = square_around(box, 0.3)
    k = 160 / (x1 - x0)
    crop = crop_face(img, box, 0.3, 160)
    cbox = tuple((v - o) * k for v, o in zip(box, (x0, y0, x0, y0), strict=True))
    mesh = FaceMesh().landmarks(crop, cbox).points
    whole, inner, five = (base_mask(160, cbox, mesh, h) for h in ("mesh", "inner", "five"))
    assert inner.sum() < 0.9 * whole.sum() and (inner <= whole + 1e-6).all()
    rows = np.flatnonzero(inner.max(axis=1) > 0.5)
    brow_y = mesh[[70, 63, 105, 66, 107, 336, 296, 334, 293, 300], 1].min()
    assert abs(rows[0] - brow_y) <= 3  # starts at the eyebrows' top
    assert np.flatnonzero(whole.max(axis=1) > 0.5)[0] < rows[0] - 5  # the whole mesh reaches the forehead
    for idx in (LEFT_EYE, RIGHT_EYE, MOUTH):
        x, y = mesh[list(idx)].mean(axis=0)
        assert five[int(round(y)), int(round(x))] == 1.0 and inner[int(round(y)), int(round(x))] == 1.0
    cfg = SelfBlendConfig(hulls=("mesh", "inner", "five"))
    drawn = {draw_params(np.random.default_rng(s), 160, cfg).hull for s in range(40)}
    assert drawn == {"mesh", "inner", "five"}
    r = self_blend(crop, np.random.default_rng(3), cbox, mesh, cfg)
    assert r.mask.max() > 0


def test_one_hull_draws_as_before_and_unknown_hulls_are_refused(face):
    from core.training.self_blend import draw_params

    a = draw_params(np.random.default_rng(5), S)
    b = draw_params(np.random.default_rng(5), S, SelfBlendConfig(hulls=("inner",)))
    assert a.hull == "mesh" and b.hull == "inner" and a.ratio == b.ratio and np.array_equal(a.warp_dx, b.warp_dx)
    with pytest.raises(ValueError, match="known: mesh, inner, five"):
        SelfBlendConfig(hulls=("jaw",))
