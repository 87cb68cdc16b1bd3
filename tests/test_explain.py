"""Grad-CAM: the heatmap lights up where the features that raise the fake score are, for a model
that wraps its backbone as one nested layer and for a flat one."""

from __future__ import annotations

import numpy as np
import pytest

from core.errors import ModelError
from core.explain import GradCam, overlay
from core.models.bundle import ModelCard, read_bundle, save_bundle

S = 32


def _red_detector(nested: bool):
    """A model whose fake score rises with red: a fixed 3x3 conv that fires on red, ReLU, pooling, a
    positive dense weight. Where the red is, Grad-CAM must point."""
    import keras

    L = keras.layers
    crop = keras.Input((S, S, 3), name="crop")
    conv = L.Conv2D(2, 3, padding="same", activation="relu", name="red_conv")
    x = conv(crop)
    pooled = L.GlobalAveragePooling2D()(x)
    w = np.zeros((3, 3, 3, 2), np.float32)
    w[:, :, 0, 0], w[:, :, 1, 0], w[:, :, 2, 0] = 1.0, -1.0, -1.0  # channel 0: red minus green and blue
    w[:, :, :, 1] = -0.1  # channel 1: ignored (its dense weight is 0)
    if not nested:
        out = L.Dense(1, activation="sigmoid", name="p_fake")(pooled)
        m = keras.Model(crop, out)
    else:
        backbone = keras.Model(crop, pooled, name="backbone")
        f = keras.Input((2,), name="features")
        head = keras.Model(f, L.Dense(1, activation="sigmoid", name="p_fake")(f), name="head")
        outer = keras.Input((S, S, 3), name="crop")
        m = keras.Model(outer, head(backbone(outer)))
    conv.set_weights([w, np.zeros(2, np.float32)])
    dense = m.get_layer("head").get_layer("p_fake") if nested else m.get_layer("p_fake")
    dense.set_weights([np.array([[8.0], [0.0]], np.float32), np.array([-2.0], np.float32)])
    return m


@pytest.mark.parametrize("nested", [True, False])
def test_the_heatmap_points_at_what_raised_the_fake_score(tmp_path, nested):
    card = ModelCard.for_architecture("tiny_cnn", "red detector", input_size=S, preprocessing="scale_0_1")
    info = save_bundle(_red_detector(nested), card, tmp_path / f"red{int(nested)}")
    cam = GradCam(read_bundle(info.path))
    crop = np.full((S, S, 3), 90, np.uint8)
    crop[20:28, 4:12] = (230, 40, 40)  # a red patch low and to the left
    h = cam(crop)
    assert h.cam.shape == (S, S) and h.cam.dtype == np.float32 and 0 <= h.cam.min() and h.cam.max() == 1.0
    assert h.layer == "red_conv" and h.grid == (S, S)
    assert h.p_fake > cam(np.full((S, S, 3), 90, np.uint8)).p_fake  # the patch raised the score
    ys, xs = np.unravel_index(np.argmax(h.cam), h.cam.shape)
    assert 18 <= ys <= 29 and 2 <= xs <= 13  # the peak is on the patch
    assert h.cam[20:28, 4:12].mean() > 5 * h.cam[0:8, 20:30].mean()  # and the rest stays dark
    moved = np.full((S, S, 3), 90, np.uint8)
    moved[2:10, 22:30] = (230, 40, 40)
    ys, xs = np.unravel_index(np.argmax(cam(moved).cam), (S, S))
    assert ys <= 11 and xs >= 20  # the map follows the patch
    shown = overlay(crop, h.cam)
    assert shown.shape == crop.shape and shown.dtype == np.uint8 and not np.array_equal(shown, crop)


def test_sequence_models_are_refused(tiny_seq_bundle):
    with pytest.raises(ModelError, match="frame models only"):
        GradCam(tiny_seq_bundle)


def test_the_shipped_detector_gives_a_map_on_its_own_backbone():
    from core.models.bundle import default_bundle_id, resolve

    try:
        info = resolve(default_bundle_id())
    except Exception as exc:  # noqa: BLE001 - a checkout without the shipped models
        pytest.skip(f"shipped detector not installed: {exc}")
    h = GradCam(info)(np.random.default_rng(0).integers(0, 255, (info.card.input_size,) * 2 + (3,), np.uint8))
    assert h.layer == "top_activation" and h.grid == (5, 5) and h.cam.shape == (info.card.input_size,) * 2


@pytest.mark.slow
def test_on_a_self_blended_face_the_shipped_detectors_map_lies_mostly_inside_the_blend():
    """The astronaut's face, self-blended over its whole 468-point mesh hull (as training blends it):
    averaged over five blends, most of the heatmap's mass lies where the blend changed the pixels,
    and more of it than on the untouched face over the same regions (the map is face-centred even on
    real faces, so the second check is what shows it follows the blend)."""
    from media import astronaut

    from core import backbones as bbs
    from core.errors import BackboneWeightsMissing, BundleNotFound
    from core.faces import crop_face
    from core.landmarks import FaceMesh
    from core.models.bundle import default_bundle_id, resolve
    from core.training.self_blend import SelfBlendConfig, self_blend

    try:
        bbs.locate("face_landmarks")
        info = resolve(default_bundle_id())
    except (BackboneWeightsMissing, BundleNotFound) as exc:
        pytest.skip(f"shipped detector or face mesh not present: {exc}")
    size, margin = info.card.input_size, info.card.face_margin
    crop = crop_face(astronaut(), (170.0, 40.0, 330.0, 230.0), margin, size)
    a = margin / (1 + 2 * margin)  # the face box inside its crop
    mesh = FaceMesh().landmarks(crop, (size * a, size * a, size * (1 - a), size * (1 - a)))
    assert mesh.presence > 0.9
    cam = GradCam(info)
    untouched = cam(crop).cam
    shares, baseline = [], []
    for seed in range(5):
        fake = self_blend(crop, np.random.default_rng(seed), landmarks=mesh.points,
                          cfg=SelfBlendConfig(hulls=("mesh",), ratios=(1.0,)))
        h = cam(fake.image)
        assert h.p_fake > 0.9  # it is seen as fake, so the map explains a fake score
        blended = fake.mask > 0.05  # where the blend moved the pixels at all
        assert 0.15 < blended.mean() < 0.5
        shares.append(h.cam[blended].sum() / h.cam.sum())
        baseline.append(untouched[blended].sum() / untouched.sum())
    assert np.mean(shares) > 0.5, shares
    assert np.mean(shares) > np.mean(baseline), (shares, baseline)
