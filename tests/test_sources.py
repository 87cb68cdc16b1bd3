"""Validation per source: a validation folder that mixes sources is measured per source as well."""

import shutil

import numpy as np
import pytest
from trainset import make_images

from core.training.config import DataConfig, TrainConfig
from core.training.dataset import DataFile
from core.training.sources import by_source, mean_auc, source_of
from core.training.trainer import train


def test_the_folder_under_the_class_folder_names_the_source():
    assert source_of("validation/fake/deepfacelive/a.mp4") == "deepfacelive"
    assert source_of("validation/Real/celebdf/sub/b.mp4") == "celebdf"
    assert source_of("fake/celebdf/c.png") == "celebdf"
    assert source_of("validation/real/d.mp4") == ""  # directly in the class folder
    assert source_of("fake/e.png") == ""


def _file(path, label):
    return DataFile(path, label, "video", "validation", path, "0" * 16, 1)


def test_each_source_is_ranked_on_its_own_so_one_sources_offset_does_not_hide_the_others():
    # source b scores everything high, as a recording whose look the model mistakes for manipulation
    files = [_file("validation/real/a/r.mp4", 0), _file("validation/fake/a/f.mp4", 1),
             _file("validation/real/b/r.mp4", 0), _file("validation/fake/b/f.mp4", 1)]
    idx = np.repeat(np.arange(4), 3)
    y = np.array([f.label for f in files])[idx]
    p = np.array([0.1, 0.4, 0.8, 0.9])[idx] + np.tile([0.0, 0.01, 0.02], 4)
    found = by_source(files, idx, y, p)
    assert set(found) == {"a", "b"}
    assert found["a"]["auc"] == found["b"]["auc"] == 1.0
    assert found["b"]["real"] == found["b"]["fake"] == 3
    assert found["b"]["ece"] > 0.3  # b's reals at 0.8: far from calibrated
    assert mean_auc(found) == 1.0
    from core.training.metrics import roc_auc
    assert roc_auc(y, p) < 0.8  # pooled, a's fakes fall below b's reals
    assert by_source(files[:2], idx[:6], y[:6], p[:6]) is None  # one source: nothing to split


def test_a_source_with_one_class_has_no_auc_and_does_not_count():
    files = [_file("validation/real/a/r.mp4", 0), _file("validation/fake/a/f.mp4", 1),
             _file("validation/real/b/r.mp4", 0)]
    found = by_source(files, np.arange(3), np.array([0, 1, 0]), np.array([0.2, 0.7, 0.9]))
    assert found["b"]["auc"] is None and mean_auc(found) == 1.0


@pytest.fixture(scope="module")
def two_sources(tmp_path_factory):
    """train/ from 6 identities; validation/ holding sources a/ and b/ of 2 identities each."""
    root = tmp_path_factory.mktemp("sources")
    make_images(root / "train", identities=6, per_identity=3)
    for name, first in (("a", 20), ("b", 40)):
        src = make_images(root / f"val_{name}", identities=2, per_identity=3, first=first)
        for cls in ("real", "fake"):
            shutil.move(str(src / cls), str(root / "validation" / cls / name))
    return root


def _cfg(root, out, **kw):
    base = dict(arch="simple_cnn", input_size=32, params=(("filters", (8, 16)),), epochs=3, batch_size=8,
                learning_rate=3e-3, patience=5, seed=2)
    base.update(kw)
    return TrainConfig(DataConfig(str(root / "train"), split_roots=(("train", str(root / "train")),
                                                                    ("validation", str(root / "validation")))),
                       out=str(out), **base)


def test_training_reports_validation_per_source_and_can_choose_on_it(two_sources, tmp_path, colour_detector):
    r = train(_cfg(two_sources, tmp_path / "m", monitor="val_source_auc"), detector=colour_detector)
    assert r.status == "completed"
    for e in r.history:
        assert set(e.val_auc_by_source) == {"a", "b"}
        lo, hi = sorted(e.val_auc_by_source.values())
        assert lo <= e.val_source_auc <= hi
    best = max(r.history, key=lambda e: (e.val_source_auc, -e.val_loss))
    assert r.best_epoch == best.epoch
    card = r.bundle.card
    assert card.training["hyper_parameters"]["monitor"] == "val_source_auc"
    per = card.metrics["val_by_source"]
    assert set(per) == {"a", "b"} and per["a"]["real"] == per["a"]["fake"] > 0
    assert card.training["history"][0]["val_auc_by_source"] == r.history[0].val_auc_by_source


def test_with_one_source_the_per_source_monitor_is_the_pooled_auc(two_sources, tmp_path, colour_detector):
    root = tmp_path / "one"
    shutil.copytree(two_sources / "train", root / "train")
    for cls in ("real", "fake"):
        shutil.copytree(two_sources / "validation" / cls / "a", root / "validation" / cls)
    a = train(_cfg(root, tmp_path / "a", monitor="val_source_auc"), detector=colour_detector)
    b = train(_cfg(root, tmp_path / "b", monitor="val_auc"), detector=colour_detector)
    assert all(e.val_source_auc is None and e.val_auc_by_source is None for e in a.history)
    assert a.best_epoch == b.best_epoch and [e.val_auc for e in a.history] == [e.val_auc for e in b.history]
    assert "val_by_source" not in a.bundle.card.metrics
