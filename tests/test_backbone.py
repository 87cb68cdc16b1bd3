"""ImageNet backbone weights offline: found, verified, loaded; missing or wrong files refused clearly.

A weights file in the exact Keras layout is made from a random-initialised ResNet50, so the
loading path is proven without the real 95 MB download.
"""

import hashlib
from pathlib import Path

import numpy as np
import pytest
from legacy_h5 import model_layers, write_keras2_weights

from core import paths
from core.errors import BackboneWeightsMismatch, BackboneWeightsMissing
from core.models import backbone as bb
from core.models.zoo_resnet import build_resnet50, resnet50_backbone

FILE = bb.RESNET50.file_name


@pytest.fixture(scope="module")
def weights_file(tmp_path_factory):
    import keras

    keras.utils.set_random_seed(11)
    src = keras.applications.ResNet50(include_top=False, weights=None, input_shape=(32, 32, 3))
    path = write_keras2_weights(tmp_path_factory.mktemp("imagenet") / FILE, model_layers(src))
    return path, src


@pytest.fixture
def backbone_dir(tmp_path, monkeypatch):
    folder = tmp_path / "models" / "backbones"
    monkeypatch.setattr(paths, "backbone_dir", lambda: folder)
    return folder


def _md5(path) -> str:
    return hashlib.md5(Path(path).read_bytes()).hexdigest()


def test_missing_file_says_exactly_what_to_place_where(backbone_dir):
    with pytest.raises(BackboneWeightsMissing) as err:
        bb.locate()
    msg = str(err.value)
    assert FILE in msg and str(backbone_dir) in msg
    assert "fetch-backbone" in msg and "--from-scratch" in msg
    with pytest.raises(BackboneWeightsMissing, match="nowhere.h5"):
        bb.locate(user_path=backbone_dir / "nowhere.h5")  # a path the user gave must exist


def test_a_file_with_the_wrong_digest_is_refused(weights_file, backbone_dir):
    path, _ = weights_file
    backbone_dir.mkdir(parents=True)
    (backbone_dir / FILE).symlink_to(path)
    with pytest.raises(BackboneWeightsMismatch) as err:
        bb.locate()  # random weights are not the published file
    assert bb.RESNET50.md5 in str(err.value) and _md5(path) in str(err.value)


def test_verified_weights_load_into_the_backbone(weights_file, tmp_path):
    path, src = weights_file
    w = bb.locate(user_path=path.parent, expected_md5=_md5(path))  # a folder works too
    assert Path(w.path) == path.resolve() and w.md5 == _md5(path)
    assert w.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert "path" not in w.to_card() and w.to_card()["file"] == FILE
    model = build_resnet50(input_size=64, head="v2", backbone_weights=w)  # another input size: same weights
    base = model.get_layer("backbone")
    for a, b in zip(src.weights, base.weights, strict=True):
        assert np.array_equal(np.asarray(a), np.asarray(b))
    # with ImageNet weights, batch normalisation is frozen (inference mode) while fine-tuning
    bns = [layer for layer in base.layers if layer.__class__.__name__ == "BatchNormalization"]
    assert bns and not any(layer.trainable for layer in bns)


def test_a_plain_path_is_never_loaded_unchecked(weights_file):
    path, _ = weights_file
    with pytest.raises(BackboneWeightsMismatch):
        resnet50_backbone(32, "avg", backbone_weights=str(path))


def test_a_file_for_another_network_is_refused(tmp_path):
    import keras

    small = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, name="dense")])
    other = write_keras2_weights(tmp_path / FILE, model_layers(small))
    w = bb.verify(other, expected_md5=_md5(other))
    with pytest.raises(BackboneWeightsMismatch, match="does not fit the resnet50 backbone"):
        resnet50_backbone(32, None, backbone_weights=w)


def test_fetch_downloads_verifies_and_places_the_file(weights_file, tmp_path):
    path, _ = weights_file
    seen = []
    w = bb.fetch(dest=tmp_path / "dest", url=path.as_uri(), expected_md5=_md5(path),
                 progress=lambda d, t: seen.append(d))
    assert Path(w.path) == (tmp_path / "dest" / FILE).resolve() and w.md5 == _md5(path)
    assert seen and seen[-1] == path.stat().st_size
    assert [p.name for p in (tmp_path / "dest").iterdir()] == [FILE]
    again = bb.fetch(dest=tmp_path / "dest", url="http://127.0.0.1:9/none", expected_md5=_md5(path))
    assert again.sha256 == w.sha256  # already there and verified: no download


def test_fetch_fails_clearly_offline_or_on_a_wrong_file(weights_file, tmp_path):
    path, _ = weights_file
    dest = tmp_path / "dest"
    with pytest.raises(BackboneWeightsMissing, match="needs internet access"):
        bb.fetch(dest=dest, url="http://127.0.0.1:9/resnet.h5", timeout=5)
    with pytest.raises(BackboneWeightsMismatch):
        bb.fetch(dest=dest, url=path.as_uri())  # downloads fine, but is not the published file
    assert list(dest.iterdir()) == []  # nothing half-written left behind
