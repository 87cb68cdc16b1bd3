"""Samples, class balance, reproducible batches and the prefetch thread."""

import threading
import time

import numpy as np
import pytest

from core.training.augment import AugmentConfig
from core.training.batches import (
    Prefetch,
    class_weights,
    epoch_order,
    frame_samples,
    pixel_batches,
    render,
    window_samples,
)
from core.training.crops import SPLIT_CODES, CropSettings, CropTable


def _table(labels, runs, splits=None):
    n = len(labels)
    rng = np.random.default_rng(0)
    crops = rng.integers(0, 256, (n, 24, 24, 3), dtype=np.uint8)
    split = np.array([SPLIT_CODES[s] for s in (splits or ["train"] * n)], np.int8)
    return CropTable(crops, np.array(labels, np.int8), np.array(runs, np.int32), split, np.array(runs, np.int64),
                     np.arange(n, dtype=np.int32), np.tile(np.array([[3, 3, 21, 21]], np.float32), (n, 1)),
                     np.full((n, 5, 2), np.nan, np.float32), (), CropSettings(24), "k")


def test_class_weights_balance_the_loss():
    y = np.array([0, 0, 0, 1], np.float32)
    w = class_weights(y, "weights")
    assert w[0] == pytest.approx(4 / 6) and w[1] == pytest.approx(2.0)
    assert w[0] * 3 == pytest.approx(w[1] * 1)  # both classes weigh the same in total
    assert class_weights(y, "none") == {0: 1.0, 1: 1.0}
    assert class_weights(np.zeros(3, np.float32), "weights") == {0: 1.0, 1: 1.0}


def test_epoch_order_shuffles_reproducibly_and_oversamples():
    t = _table([0] * 6 + [1] * 2, range(8))
    s = frame_samples(t, "train", False)
    a, b, c = epoch_order(s, "weights", 1, 1), epoch_order(s, "weights", 1, 1), epoch_order(s, "weights", 1, 2)
    assert np.array_equal(a, b) and not np.array_equal(a, c) and sorted(a.tolist()) == list(range(8))
    over = epoch_order(s, "oversample", 1, 1)
    assert len(over) == 12 and np.sum(s.label[over] == 1) == 6


def test_frame_samples_add_one_self_blend_per_real_crop():
    t = _table([0, 0, 1, 0], range(4), ["train", "train", "train", "validation"])
    s = frame_samples(t, "train", True)
    assert len(s) == 5 and s.sbi.sum() == 2 and (s.label[s.sbi] == 1).all()
    assert sorted(s.crop[s.sbi].tolist()) == [0, 1]
    imgs = render(t, s, np.arange(5), seed=0, epoch=1, augment=None, sbi=None)
    assert np.array_equal(imgs[0], t.crops[0]) and not np.array_equal(imgs[3], t.crops[s.crop[3]])
    again = render(t, s, np.array([3]), seed=0, epoch=1, augment=None, sbi=None)
    other_epoch = render(t, s, np.array([3]), seed=0, epoch=2, augment=None, sbi=None)
    assert np.array_equal(again[0], imgs[3]) and not np.array_equal(other_epoch[0], imgs[3])


def test_windows_stay_inside_one_run():
    runs = [0] * 5 + [1] * 2 + [2] * 4
    t = _table([1] * 5 + [0] * 6, runs)
    s = window_samples(t, "train", 3, 1)
    assert s.crop.tolist() == [0, 1, 2, 7, 8]  # run 1 is too short for a window
    assert window_samples(t, "train", 3, 2).crop.tolist() == [0, 2, 7]
    assert s.label.tolist() == [1, 1, 1, 0, 0]


def test_pixel_batches_are_reproducible_and_weighted():
    t = _table([0, 1] * 5, range(10))
    s = frame_samples(t, "train", False)
    order = epoch_order(s, "weights", 0, 1)
    w = class_weights(s.label, "weights")

    def run():
        return list(pixel_batches(t, s, order, 4, 0, 1, "scale_0_1", w, AugmentConfig()))

    first, second = run(), run()
    assert [x.shape for x, _, _ in first] == [(4, 24, 24, 3), (4, 24, 24, 3), (2, 24, 24, 3)]
    assert all(np.array_equal(a[0], b[0]) for a, b in zip(first, second, strict=True))
    assert first[0][0].dtype == np.float32 and 0.0 <= first[0][0].min() and first[0][0].max() <= 1.0
    assert first[0][1].shape == (4, 1) and np.allclose(first[0][2], 1.0)


def test_prefetch_runs_ahead_passes_errors_and_stops():
    made = []

    def gen():
        for i in range(100):
            made.append(i)
            yield i

    with Prefetch(gen, depth=2) as p:
        it = iter(p)
        assert next(it) == 0
        time.sleep(0.2)
        assert len(made) <= 5  # only a few batches ahead
    n = len(made)
    time.sleep(0.2)
    assert len(made) == n  # closed: the producer stopped
    assert not [t for t in threading.enumerate() if t.name == "batches"]

    def broken():
        yield 1
        raise ValueError("bad batch")

    with Prefetch(broken) as p, pytest.raises(ValueError, match="bad batch"):
        list(p)


def test_a_tracks_crops_move_together_but_get_their_own_noise():
    t = _table([0] * 12, [0] * 6 + [1] * 6)
    t.crops[:] = t.crops[0]  # one picture, so any difference comes from the augmentation
    s = frame_samples(t, "train", False)
    geo = AugmentConfig.only(["flip", "rotation"])
    for seed in range(4):
        imgs = render(t, s, np.arange(12), seed, 1, geo, None, by_run=True)
        assert all(np.array_equal(imgs[0], imgs[k]) for k in range(6))  # run 0: one transform
        assert all(np.array_equal(imgs[6], imgs[k]) for k in range(6, 12))  # run 1: one transform
    noisy = AugmentConfig.only(["noise"])
    from dataclasses import replace

    imgs = render(t, s, np.arange(6), 0, 1, replace(noisy, noise_p=1.0), None, by_run=True)
    assert not np.array_equal(imgs[0], imgs[1])
    independent = render(t, s, np.arange(12), 2, 1, geo, None)
    assert not all(np.array_equal(independent[0], independent[k]) for k in range(6))


def test_validation_self_blends_only_where_the_split_has_no_fakes_of_its_own():
    t = _table([0, 1, 0, 0, 0, 0], range(6), ["train", "train", "validation", "validation", "test", "test"])
    t.label[3] = 1  # validation holds a real fake: it is measured on that alone
    assert frame_samples(t, "validation", True).sbi.sum() == 0
    test = frame_samples(t, "test", True)  # two reals, no fakes: self-blends stand in
    assert test.sbi.sum() == 2 and test.count(1) == 2
    assert frame_samples(t, "train", True).sbi.sum() == 1  # training always adds them


def test_short_epochs_walk_through_every_sample_once_per_pass():
    from core.training.batches import epoch_slice

    t = _table([0] * 7 + [1] * 3, range(10))
    s = frame_samples(t, "train", False)
    parts = [epoch_slice(s, "weights", 4, e, 4) for e in range(1, 6)]
    assert all(len(p) == 4 for p in parts)
    seen = np.concatenate(parts)
    assert sorted(seen[:10].tolist()) == list(range(10))  # the first pass: each sample once
    assert sorted(seen[10:20].tolist()) == list(range(10)) or len(seen) < 20
    assert np.array_equal(seen[:10], epoch_order(s, "weights", 4, 1))
    assert np.array_equal(seen[10:], epoch_order(s, "weights", 4, 2)[:10])
    assert np.array_equal(epoch_slice(s, "weights", 4, 3, 4), parts[2])  # reproducible (resume)
    assert np.array_equal(epoch_slice(s, "weights", 4, 2, None), epoch_order(s, "weights", 4, 2))


def test_self_blends_follow_the_dense_mesh_when_the_table_has_it():
    t = _table([0, 0], range(2))
    s = frame_samples(t, "train", True)
    ring = np.linspace(0, 2 * np.pi, 468, endpoint=False)
    t.mesh = np.full((2, 468, 2), np.nan, np.float32)
    t.mesh[0] = np.stack([6 + 3 * np.cos(ring), 6 + 3 * np.sin(ring)], 1)  # a small face in the top-left
    sb = np.flatnonzero(s.sbi)
    out = render(t, s, sb, seed=0, epoch=1, augment=None, sbi=None)
    changed = np.abs(out[0].astype(int) - t.crops[s.crop[sb[0]]]).sum(axis=2) > 0
    ys, xs = np.nonzero(changed)
    assert len(xs) and xs.max() < 16 and ys.max() < 16  # only around the mesh, not the whole box
    changed_box = np.abs(out[1].astype(int) - t.crops[s.crop[sb[1]]]).sum(axis=2) > 0
    assert np.nonzero(changed_box)[1].max() > 16  # no mesh for this crop: the box's ellipse


def test_paired_order_puts_each_self_blend_after_its_real_face():
    from core.training.batches import pair_blends

    t = _table([0, 0, 0, 1], range(4))
    s = frame_samples(t, "train", True)  # 4 crops + 3 blends
    order = epoch_order(s, "weights", 3, 1)
    paired = pair_blends(order, s)
    assert sorted(paired.tolist()) == sorted(order.tolist())
    for k, j in enumerate(paired):
        if s.sbi[j]:
            prev = paired[k - 1]
            assert not s.sbi[prev] and s.crop[prev] == s.crop[j]
    part = pair_blends(order[:3], s)  # a slice: blends whose real face is elsewhere keep their place
    assert sorted(part.tolist()) == sorted(order[:3].tolist())
