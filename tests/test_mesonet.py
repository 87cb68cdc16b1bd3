"""Importing MesoNet's published Keras weights; Meso4_DF classifies its four test faces through the
engine's scoring path."""

import cv2
import numpy as np
import pytest
from conftest import shared_path
from legacy_h5 import write_keras2_weights

from core.errors import BundleInvalid, UnknownArchitecture
from core.models import registry
from core.models.bundle import list_bundles, load_keras_model
from core.models.mesonet import MESONET_FACE_MARGIN, import_mesonet
from core.models.scorer import Scorer
from core.video import to_rgb


def _keras2_file(model, path):
    """Our meso model's weights in the original file's layout: Keras 2 names, topological order."""
    kinds = {"conv": "conv2d", "bn": "batch_normalization", "dense": "dense"}
    layers = []
    for layer in reversed(model.layers):  # any order: the import must go by creation number
        kind, _, n = layer.name.partition("_")
        if kind in kinds and layer.weights:
            layers.append((f"{kinds[kind]}_{int(n) + 4}", [(w.name, np.asarray(w)) for w in layer.weights]))
        else:
            layers.append((f"{layer.name}_x", []))
    return write_keras2_weights(path, layers)


@pytest.mark.parametrize("arch", ["meso4", "meso_inception4"])
def test_import_maps_weights_by_creation_order(arch, tmp_path):
    import keras

    keras.utils.set_random_seed(4)
    src = registry.get(arch).build_model()
    info = import_mesonet(_keras2_file(src, tmp_path / "w.h5"), arch, name="test import", out_dir=tmp_path / "b")
    card = info.card
    assert (card.architecture, card.output, card.input_size, card.preprocessing) == (arch, "p_real", 256, "scale_0_1")
    assert card.face_margin == MESONET_FACE_MARGIN and card.training["imported_from"] == "w.h5"
    loaded = load_keras_model(info)
    for a, b in zip(src.weights, loaded.weights, strict=True):
        assert np.array_equal(np.asarray(a), np.asarray(b))
    # the card's p_real output is turned into P(fake)
    crops = np.random.default_rng(0).integers(0, 256, (2, 256, 256, 3), dtype=np.uint8)
    p_real = np.asarray(src(crops.astype(np.float32) / 255.0, training=False)).reshape(-1)
    assert np.allclose(Scorer(info).score_crops(crops), 1.0 - p_real, atol=1e-5)


def test_bad_imports_are_refused(tmp_path):
    import keras

    keras.utils.set_random_seed(4)
    meso4 = _keras2_file(registry.get("meso4").build_model(), tmp_path / "m4.h5")
    with pytest.raises(BundleInvalid, match="for another architecture"):
        import_mesonet(meso4, "meso_inception4", out_dir=tmp_path / "x")
    (tmp_path / "junk.h5").write_bytes(b"not hdf5")
    with pytest.raises(BundleInvalid, match="not an HDF5"):
        import_mesonet(tmp_path / "junk.h5", "meso4", out_dir=tmp_path / "y")
    with pytest.raises(BundleInvalid, match="No weights file"):
        import_mesonet(tmp_path / "none.h5", "meso4", out_dir=tmp_path / "z")
    with pytest.raises(UnknownArchitecture):
        import_mesonet(meso4, "meso5", out_dir=tmp_path / "z")
    with pytest.raises(BundleInvalid, match="use --arch meso4"):
        import_mesonet(meso4, "face_cnn", out_dir=tmp_path / "z")
    assert not any(p.name in ("x", "y", "z") for p in tmp_path.iterdir())  # nothing half-written


def _test_faces():
    folder = shared_path("mesonet", "test_images")
    out = []
    for label in ("real", "fake"):
        for f in sorted((folder / label).glob("*.jpg")):
            rgb = to_rgb(cv2.imread(str(f)))  # aligned face crops, 208-342 px
            out.append((f.name, label, cv2.resize(rgb, (256, 256), interpolation=cv2.INTER_AREA)))
    return out


@pytest.mark.shared_data
@pytest.mark.parametrize("weights, arch", [("Meso4_DF.h5", "meso4"), ("MesoInception_DF.h5", "meso_inception4")])
def test_published_weights_classify_the_test_faces(weights, arch, tmp_path):
    path = shared_path("mesonet", "weights", weights)
    info = import_mesonet(path, arch, out_dir=tmp_path / arch)
    faces = _test_faces()
    p_fake = Scorer(info).score_crops(np.stack([f for _, _, f in faces]))
    for (name, label, _), p in zip(faces, p_fake, strict=True):
        if label == "fake":
            assert p > 0.75, name
        else:
            assert p < 0.25, name


@pytest.mark.shared_data
def test_cli_import_writes_a_bundle_in_the_user_models_folder(capsys):
    from cli import run

    path = shared_path("mesonet", "weights", "Meso4_F2F.h5")
    assert run(["import-weights", str(path), "--arch", "meso4", "--name", "Meso4 F2F test"]) == 0
    assert "output p_real" in capsys.readouterr().out
    ids = [b.id for b in list_bundles()[0]]
    assert "Meso4_F2F_test" in ids
    assert run(["import-weights", str(path), "--arch", "meso4", "--name", "Meso4 F2F test"]) == 2  # exists
    assert "already exists" in capsys.readouterr().err
