"""Augmentation: every transform switchable, each doing what it says, reproducible from a seed."""

from dataclasses import replace

import cv2
import numpy as np
import pytest
from media import face_image

from core.training.augment import AUGMENTATIONS, AugmentConfig, augment_batch, augment_image, jpeg_recompress


@pytest.fixture(scope="module")
def img():
    rng = np.random.default_rng(0)
    face = face_image(64, seed=3).astype(np.int16)
    return np.clip(face + rng.integers(-20, 20, face.shape), 0, 255).astype(np.uint8)  # texture for JPEG/blur


def _only(name, **kw):
    return replace(AugmentConfig.only([name]), **kw)


def test_disabled_is_identity_and_config_round_trips(img):
    batch = np.stack([img, img])
    assert augment_batch(batch, np.random.default_rng(1), AugmentConfig.none()) is batch
    cfg = AugmentConfig.only(["flip", "jpeg"])
    assert cfg.enabled == ("flip", "jpeg")
    assert AugmentConfig.from_json(cfg.to_json()) == cfg
    assert AugmentConfig().enabled == AUGMENTATIONS
    with pytest.raises(ValueError, match="unknown augmentation"):
        AugmentConfig.only(["flip", "mirror"])


def test_same_seed_same_result_other_seed_other_result(img):
    cfg = replace(AugmentConfig(), jpeg_p=1.0, blur_p=1.0, noise_p=1.0)
    a = augment_image(img, np.random.default_rng(5), cfg)
    b = augment_image(img, np.random.default_rng(5), cfg)
    c = augment_image(img, np.random.default_rng(6), cfg)
    assert a.dtype == np.uint8 and a.shape == img.shape
    assert np.array_equal(a, b) and not np.array_equal(a, c)


def test_flip_is_a_mirror_half_of_the_time(img):
    cfg = AugmentConfig.only(["flip"])
    outs = [augment_image(img, np.random.default_rng(s), cfg) for s in range(20)]
    flipped = [np.array_equal(o, img[:, ::-1]) for o in outs]
    same = [np.array_equal(o, img) for o in outs]
    assert all(f or s for f, s in zip(flipped, same, strict=True))
    assert 4 <= sum(flipped) <= 16


@pytest.mark.parametrize("name", ["rotation", "shear", "zoom", "shift"])
def test_geometric_transforms_move_pixels_but_keep_the_picture(img, name):
    out = augment_image(img, np.random.default_rng(2), AugmentConfig.only([name]))
    assert out.shape == img.shape and not np.array_equal(out, img)
    assert abs(float(out.mean()) - float(img.mean())) < 12  # reflected borders: no black corners


def test_rotation_angle_is_bounded(img):
    # a thin horizontal line stays nearly horizontal within +-10 degrees
    line = np.zeros((64, 64, 3), np.uint8)
    line[31:33, 8:56] = 255
    for s in range(10):
        out = augment_image(line, np.random.default_rng(s), _only("rotation", rotation_deg=10))
        ys, xs = np.nonzero(out[..., 0] > 128)
        slope = np.polyfit(xs, ys, 1)[0]
        assert abs(np.degrees(np.arctan(slope))) <= 10.5


def test_brightness_contrast_stays_in_range(img):
    cfg = _only("brightness_contrast", brightness=0.1, contrast=0.0)
    for s in range(5):
        out = augment_image(img, np.random.default_rng(s), cfg)
        assert abs(float(out.mean()) - float(img.mean())) <= 0.1 * 255 + 1


def test_blur_smooths_and_noise_roughens(img):
    lap = lambda x: cv2.Laplacian(cv2.cvtColor(x, cv2.COLOR_RGB2GRAY), cv2.CV_64F).var()  # noqa: E731
    blurred = augment_image(img, np.random.default_rng(0), _only("blur", blur_p=1.0, blur_sigma=(1.0, 1.0)))
    assert lap(blurred) < 0.5 * lap(img)
    noisy = augment_image(img, np.random.default_rng(0), _only("noise", noise_p=1.0, noise_std=(8.0, 8.0)))
    diff = noisy.astype(float) - img.astype(float)
    assert 5 < diff.std() < 10
    untouched = augment_image(img, np.random.default_rng(0), _only("noise", noise_p=0.0))
    assert np.array_equal(untouched, img)


def test_jpeg_recompression_loses_more_at_low_quality(img):
    err = lambda q: np.abs(jpeg_recompress(img, q).astype(int) - img).mean()  # noqa: E731
    assert err(10) > err(50) > err(95) > 0
    out = augment_image(img, np.random.default_rng(0), _only("jpeg", jpeg_p=1.0, jpeg_quality=(20, 20)))
    assert np.array_equal(out, jpeg_recompress(img, 20))


def test_resampling_softens_at_the_same_size_and_more_when_smaller(img):
    from core.training.augment import resample

    lap = lambda x: cv2.Laplacian(cv2.cvtColor(x, cv2.COLOR_RGB2GRAY), cv2.CV_64F).var()  # noqa: E731
    half, most = resample(img, 0.5), resample(img, 0.9)
    assert half.shape == most.shape == img.shape and half.dtype == np.uint8
    assert lap(half) < lap(most) < lap(img)
    out = augment_image(img, np.random.default_rng(0), _only("resample", resample_p=1.0, resample_scale=(0.5, 0.5)))
    assert lap(out) < 0.6 * lap(img)
    assert np.array_equal(augment_image(img, np.random.default_rng(0), _only("resample", resample_p=0.0)), img)


def test_the_checked_in_recipes_pin_resampling_off_as_they_were_trained():
    """A transform added later must not change what a checked-in recipe trains."""
    import json
    from pathlib import Path

    for path in sorted((Path(__file__).resolve().parents[1] / "scripts" / "recipes").glob("*.json")):
        augment = json.loads(path.read_text())["augment"]
        assert "resample" in augment, path.name
