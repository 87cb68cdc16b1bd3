"""The model library's operations on real bundle folders: rows, rename, delete, default, export, install."""

import json
import shutil

import numpy as np
import pytest

from core import paths
from core.errors import BundleInvalid, BundleNotFound, BundleReadOnly, ModelNameInvalid, OutputNotWritable
from core.forensic.hashing import sha256_file
from core.models import library
from core.models.bundle import (
    DEFAULT_FILE,
    default_bundle_id,
    list_bundles,
    load_keras_model,
    read_bundle,
    resolve,
)


@pytest.fixture
def home(monkeypatch, tmp_path):
    """A private user folder: the shipped models of the checkout, no user models yet."""
    monkeypatch.setenv("DFI_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def _install(info, bundle_id: str):
    target = paths.user_models_dir() / bundle_id
    shutil.copytree(info.path, target)
    return read_bundle(target)


def _shipped():
    shipped = [b for b in list_bundles()[0] if b.read_only]
    if not shipped:
        pytest.skip("no shipped model in this checkout")
    return shipped[0]


def test_summary_rows_of_trained_shipped_and_imported_cards(home, tiny_bundle):
    mine = _install(tiny_bundle, "mine")
    rows, problems = library.summaries({"mine": "ab" * 32})
    assert problems == []
    by_id = {r.id: r for r in rows}
    row = by_id["mine"]
    assert (row.name, row.architecture, row.input) == ("test tiny_cnn", "tiny_cnn (frame)", "32 px, scale_0_1")
    assert row.threshold == mine.card.threshold and row.size_bytes == mine.size_bytes and not row.shipped
    assert row.sha256 == "ab" * 32 and row.date == mine.card.created[:10]
    assert row.is_default == (default_bundle_id() == "mine")
    shipped = _shipped()
    srow = by_id[shipped.id]
    assert srow.shipped and srow.sha256 is None
    if "validation" in shipped.card.metrics:
        assert "val AUC" in srow.metrics

    trained = {"data": {"folder": "/cases/c42/faces", "samples": {"train": {"real": 40, "fake": 38},
                                                                 "validation": {"real": 8, "fake": 9},
                                                                 "test": {"real": 0, "fake": 0}},
                        "sample_unit": "crop"}}
    assert library.training_summary(trained) == "faces/: train 40 real / 38 fake; validation 8 real / 9 fake crops"
    imported = {"imported_from": "Meso4_DF.h5", "trained_on": "Deepfake faces (DF)"}
    assert library.training_summary(imported) == "Deepfake faces (DF); imported from Meso4_DF.h5"
    assert library.training_summary({}) == "not recorded"
    flat = {"val_auc": 0.91234, "val_accuracy": 0.8, "test_auc": float("nan"), "val_confusion": [[1, 2], [3, 4]]}
    assert library.metrics_summary(flat) == "val AUC 0.912, val acc. 0.800"
    assert library.metrics_summary({"validation": {"auc_all": 0.75, "auc": 0.1, "accuracy_at_threshold": 0.7}}) \
        == "val AUC 0.750, val acc. 0.700"
    assert library.metrics_summary({}) == "none recorded"


def test_rename_changes_the_card_name_and_keeps_the_id_and_weights(home, tiny_bundle):
    a, b = _install(tiny_bundle, "a"), _install(tiny_bundle, "b")
    library.rename(b, "Case 42 detector")
    library.set_default("a")
    sha = sha256_file(a.weights_path)
    renamed = library.rename(a, "  Camera   X   model ")
    assert (renamed.id, renamed.path, renamed.card.name) == ("a", a.path, "Camera X model")
    assert read_bundle(a.path).card.name == "Camera X model" and sha256_file(a.weights_path) == sha
    assert renamed.card.architecture == a.card.architecture and renamed.card.threshold == a.card.threshold
    assert default_bundle_id() == "a"  # the id other records use did not change
    with pytest.raises(ModelNameInvalid, match="already called"):
        library.rename(renamed, "case 42 DETECTOR")
    with pytest.raises(ModelNameInvalid, match="needs a name"):
        library.rename(renamed, "   ")
    assert read_bundle(a.path).card.name == "Camera X model"


def test_shipped_and_outside_bundles_are_read_only(home, tiny_bundle, tmp_path):
    shipped = _shipped()
    card_before = (resolve(shipped.id).weights_path.parent / "card.json").read_bytes()
    with pytest.raises(BundleReadOnly, match="read-only"):
        library.rename(shipped, "mine now")
    with pytest.raises(BundleReadOnly):
        library.delete(shipped)
    assert (resolve(shipped.id).weights_path.parent / "card.json").read_bytes() == card_before
    # a bundle passed by folder elsewhere (resolve gives read_only=False) is not the library's to change
    elsewhere = read_bundle(shutil.copytree(tiny_bundle.path, tmp_path / "evidence_model"))
    with pytest.raises(BundleReadOnly, match="not in your models folder"):
        library.delete(elsewhere)
    assert (tmp_path / "evidence_model" / "model.keras").is_file()


def test_delete_removes_the_folder_and_a_default_naming_it(home, tiny_bundle):
    _install(tiny_bundle, "a")
    b = _install(tiny_bundle, "b")
    library.set_default("b")
    assert library.delete(b) == "b"
    assert not (paths.user_models_dir() / "b").exists()
    assert [x.id for x in list_bundles()[0] if not x.read_only] == ["a"]
    assert not (paths.user_data_dir() / DEFAULT_FILE).exists()
    assert default_bundle_id() != "b"
    assert not any(p.name.startswith(".") for p in paths.user_models_dir().iterdir())  # no trash left
    library.set_default("a")
    library.delete(read_bundle(paths.user_models_dir() / "a"))
    with pytest.raises(BundleNotFound):
        resolve("a")


def test_set_default_writes_the_user_choice_and_refuses_unknown_ids(home, tiny_bundle):
    _install(tiny_bundle, "mine")
    assert library.set_default("mine") == "mine"
    assert (paths.user_data_dir() / DEFAULT_FILE).read_text().strip() == "mine"
    assert default_bundle_id() == "mine" and resolve(None).id == "mine"
    rows, _ = library.summaries()
    assert [r.id for r in rows if r.is_default] == ["mine"]
    with pytest.raises(BundleNotFound, match="No installed model called 'nope'"):
        library.set_default("nope")
    assert default_bundle_id() == "mine"


def test_export_round_trip_is_byte_identical_and_loadable(home, tiny_bundle, tmp_path):
    mine = _install(tiny_bundle, "mine")
    out = library.export(mine, tmp_path / "usb")
    assert out.path == str(tmp_path / "usb" / "mine")
    again = read_bundle(tmp_path / "usb" / "mine")
    assert again.card == mine.card
    assert sha256_file(again.weights_path) == sha256_file(mine.weights_path)
    sums = (tmp_path / "usb" / "mine" / library.SUMS_FILE).read_text()
    assert f"{sha256_file(mine.weights_path)}  model.keras" in sums
    assert library.verify_sums(tmp_path / "usb" / "mine") == []
    model = load_keras_model(again)
    x = np.random.default_rng(0).random((2, 32, 32, 3)).astype(np.float32)
    assert np.allclose(model(x), load_keras_model(mine)(x))
    with pytest.raises(OutputNotWritable, match="exists already"):
        library.export(mine, tmp_path / "usb")
    with pytest.raises(OutputNotWritable, match="outside the bundle"):
        library.export(mine, paths.user_models_dir())
    # tampering is found by the sums file
    with open(tmp_path / "usb" / "mine" / "model.keras", "ab") as fh:
        fh.write(b"x")
    assert library.verify_sums(tmp_path / "usb" / "mine") == ["model.keras"]
    # the shipped ones can be exported too (read-only means unchanged, not secret)
    shipped = _shipped()
    assert library.export(shipped, tmp_path / "usb").card == shipped.card
    assert not any(p.name.startswith(".") for p in (tmp_path / "usb").iterdir())


def test_install_an_exported_bundle_into_the_user_models(home, tiny_bundle, tmp_path):
    exported = library.export(tiny_bundle, tmp_path / "from_colleague")
    info = library.install(exported.path)
    assert info.id == tiny_bundle.id and not info.read_only
    assert info.path == str(paths.user_models_dir() / tiny_bundle.id)
    assert sha256_file(info.weights_path) == sha256_file(tiny_bundle.weights_path)
    assert tiny_bundle.id in [b.id for b in list_bundles()[0]]
    with pytest.raises(OutputNotWritable, match="installed already"):
        library.install(exported.path)
    shipped = _shipped()
    with pytest.raises(OutputNotWritable, match="installed already"):
        library.install(shipped.path, overwrite=True)  # a user copy would hide the shipped one


def test_a_copy_that_cannot_be_read_back_is_not_kept(home, tiny_bundle, tmp_path):
    broken = shutil.copytree(tiny_bundle.path, tmp_path / "broken")
    card = json.loads((broken / "card.json").read_text())
    info = read_bundle(broken)
    card["threshold"] = 2.0  # invalid: the copy must not read back
    (broken / "card.json").write_text(json.dumps(card))
    with pytest.raises(BundleInvalid):
        library.export(info, tmp_path / "out")
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
