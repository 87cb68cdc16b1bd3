import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from core.errors import BundleInvalid, BundleNotFound, UnknownArchitecture
from core.models import registry
from core.models.bundle import ModelCard, list_bundles, load_keras_model, read_bundle, resolve, save_bundle
from core.models.preprocess import preprocess
from core.models.scorer import Scorer


def _copy(bundle, tmp_path, name="copy"):
    dst = tmp_path / name
    shutil.copytree(bundle.path, dst)
    return dst


def test_round_trip_gives_identical_scores(tiny_bundle):
    crops = np.random.default_rng(0).integers(0, 255, (5, 32, 32, 3), dtype=np.uint8)
    a = Scorer(tiny_bundle).score_crops(crops)
    b = Scorer(read_bundle(tiny_bundle.path)).score_crops(crops)
    assert a.shape == (5,) and np.array_equal(a, b)
    model = load_keras_model(tiny_bundle)
    direct = np.asarray(model(preprocess("scale_0_1", crops))).reshape(-1)
    assert np.allclose(a, direct, atol=1e-6)


def test_p_real_output_is_turned_into_p_fake(tiny_bundle, tmp_path):
    dst = _copy(tiny_bundle, tmp_path)
    card = json.loads((dst / "card.json").read_text())
    card["output"] = "p_real"
    (dst / "card.json").write_text(json.dumps(card))
    crops = np.random.default_rng(1).integers(0, 255, (3, 32, 32, 3), dtype=np.uint8)
    assert np.allclose(Scorer(read_bundle(dst)).score_crops(crops), 1 - Scorer(tiny_bundle).score_crops(crops))


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda c: c.pop("architecture"), "'architecture' is missing"),
        (lambda c: c.update(input_size="224"), "'input_size' must be a int"),
        (lambda c: c.update(threshold=1.5), "threshold"),
        (lambda c: c.update(preprocessing="magic"), "unknown preprocessing 'magic'"),
        (lambda c: c.update(kind="video"), "kind must be"),
        (lambda c: c.update(colour="blue"), "unknown fields colour"),
        # what a stress run found failing late with "unexpected error: TypeError"
        (lambda c: c.update(threshold="0.5"), "'threshold' must be a number"),
        (lambda c: c.update(face_margin="wide"), "'face_margin' must be a number"),
        (lambda c: c.update(min_face_px=[1]), "'min_face_px' must be a whole number"),
        (lambda c: c.update(calibration=7), "'calibration' must be an object or null"),
        (lambda c: c.update(face_margin=-1), "face_margin must lie between 0 and 3"),
        (lambda c: c.update(sequence_step=0), "sequence_step must be at least 1"),
        (lambda c: c.update(sequence_step=1.5), "'sequence_step' must be a whole number or null"),
        (lambda c: c.update(name="x" * 100_000), "'name' is 100,000 characters long"),
        (lambda c: c.update(description="d" * 20_000), "'description' is 20,000 characters long"),
        (lambda c: c.update(architecture="a" * 5_000), "'architecture' is 5,000 characters long"),
    ],
)
def test_card_problems_are_named(tiny_bundle, tmp_path, edit, message):
    dst = _copy(tiny_bundle, tmp_path)
    card = json.loads((dst / "card.json").read_text())
    edit(card)
    (dst / "card.json").write_text(json.dumps(card))
    with pytest.raises(BundleInvalid, match=message):
        read_bundle(dst)


def test_a_sequence_card_from_before_sequence_step_reads_it_from_its_training_record(tiny_seq_bundle, tmp_path):
    dst = _copy(tiny_seq_bundle, tmp_path)
    card = json.loads((dst / "card.json").read_text())
    card.pop("sequence_step", None)
    card["training"] = {"crops": {"frame_step": 3}}
    (dst / "card.json").write_text(json.dumps(card))
    assert read_bundle(dst).card.contract.sequence_step == 3
    for unusable in ("3", 0, True, [3]):  # a record that gives no usable step: windows as analysed
        card["training"] = {"crops": {"frame_step": unusable}}
        (dst / "card.json").write_text(json.dumps(card))
        assert read_bundle(dst).card.contract.sequence_step is None
    card["training"] = {"crops": "every frame"}
    (dst / "card.json").write_text(json.dumps(card))
    assert read_bundle(dst).card.contract.sequence_step is None
    card["sequence_step"] = 2  # the field, where present, is what counts
    (dst / "card.json").write_text(json.dumps(card))
    assert read_bundle(dst).card.contract.sequence_step == 2


def test_a_card_nested_too_deeply_is_invalid_and_does_not_break_the_list(tiny_bundle, tmp_path, monkeypatch):
    from core.models.bundle import list_bundles

    monkeypatch.setenv("DFI_HOME", str(tmp_path / "home"))
    root = tmp_path / "home" / "data" / "models"
    root.mkdir(parents=True)
    dst = _copy(tiny_bundle, root)
    (dst / "card.json").write_text('{"name": ' + "[" * 100_000 + "]" * 100_000 + "}")
    with pytest.raises(BundleInvalid, match="nested too deeply"):
        read_bundle(dst)
    found, problems = list_bundles()
    assert dst.name not in [b.id for b in found] and any("nested too deeply" in p for p in problems)


def test_a_card_file_too_big_to_be_a_card_is_not_read(tiny_bundle, tmp_path, monkeypatch):
    from core.models import bundle

    dst = _copy(tiny_bundle, tmp_path)
    monkeypatch.setattr(bundle, "MAX_CARD_BYTES", 4096)
    card = json.loads((dst / "card.json").read_text())
    card["training"] = {"notes": ["n" * 100] * 100}  # every string short, the file 10 KB
    (dst / "card.json").write_text(json.dumps(card))
    with pytest.raises(BundleInvalid, match="bytes, more than a model card can be"):
        read_bundle(dst)


def test_weights_that_do_not_match_the_card_are_refused(tiny_bundle, tmp_path):
    dst = _copy(tiny_bundle, tmp_path)
    card = json.loads((dst / "card.json").read_text())
    card["input_size"] = 64
    (dst / "card.json").write_text(json.dumps(card))
    with pytest.raises(BundleInvalid, match=r"take input \(None, 32, 32, 3\).*card says \(None, 64, 64, 3\)"):
        load_keras_model(read_bundle(dst))


def test_corrupt_weights_and_missing_files(tiny_bundle, tmp_path):
    dst = _copy(tiny_bundle, tmp_path)
    data = (dst / "model.keras").read_bytes()
    (dst / "model.keras").write_bytes(data[: len(data) // 2])  # a copy cut short (Keras said "File not found")
    with pytest.raises(BundleInvalid, match="damaged or truncated"):
        load_keras_model(read_bundle(dst))
    (dst / "model.keras").write_bytes(b"not a zip")
    with pytest.raises(BundleInvalid, match="damaged or truncated"):
        load_keras_model(read_bundle(dst))
    (dst / "model.keras").unlink()
    with pytest.raises(BundleInvalid, match="model.keras is missing"):
        read_bundle(dst)
    (dst / "card.json").write_text("{not json")
    with pytest.raises(BundleInvalid):
        read_bundle(dst)
    with pytest.raises(BundleNotFound):
        resolve(str(tmp_path / "nowhere"))


def test_unknown_architecture():
    with pytest.raises(UnknownArchitecture, match="Known:"):
        registry.get("transformer9000")


def test_user_bundles_are_listed_and_resolved_by_id(tiny_bundle, tmp_path, monkeypatch):
    from core import paths

    monkeypatch.setenv("DFI_HOME", str(tmp_path / "home"))
    dst = paths.user_models_dir() / "mine"
    shutil.copytree(tiny_bundle.path, dst)
    broken = paths.user_models_dir() / "broken"
    broken.mkdir()
    (broken / "card.json").write_text("{}")
    shutil.copytree(tiny_bundle.path, paths.user_models_dir() / ".mine.x1y2")  # a copy still being made
    bundles, problems = list_bundles()
    assert [b.id for b in bundles if not b.read_only] == ["mine"]
    assert any("broken" in p for p in problems)
    assert resolve("mine").path == str(dst)


def test_the_default_is_the_installed_bundle_whatever_folder_the_app_starts_in(tiny_bundle, tmp_path,
                                                                             monkeypatch):
    from core import paths
    from core.models.bundle import DEFAULT_FILE

    monkeypatch.setenv("DFI_HOME", str(tmp_path / "home"))
    shutil.copytree(tiny_bundle.path, paths.user_models_dir() / "mine")
    (paths.user_data_dir() / DEFAULT_FILE).write_text("mine")
    started_in = tmp_path / "videos"
    (started_in / "mine").mkdir(parents=True)  # an analyst's folder that happens to share the id
    monkeypatch.chdir(started_in)
    assert resolve(None).path == str(paths.user_models_dir() / "mine")
    # a working directory nobody may look into (the .deb's check ran from one): the id still resolves
    real_is_dir = Path.is_dir

    def unreadable_cwd(self):
        if not self.is_absolute():
            raise PermissionError(13, "Permission denied", str(self))
        return real_is_dir(self)

    monkeypatch.setattr(Path, "is_dir", unreadable_cwd)
    assert resolve("mine").path == str(paths.user_models_dir() / "mine")
    assert resolve(None).path == str(paths.user_models_dir() / "mine")


def test_save_refuses_to_overwrite_and_leaves_no_temp(tiny_bundle, tmp_path):
    model = load_keras_model(tiny_bundle)
    card = ModelCard.for_architecture("tiny_cnn", "again")
    save_bundle(model, card, tmp_path / "b")
    with pytest.raises(Exception, match="already exists"):
        save_bundle(model, card, tmp_path / "b")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b"]


def test_resnet50_preprocessing_matches_keras():
    from keras.applications import resnet50

    x = np.random.default_rng(2).integers(0, 255, (2, 8, 8, 3), dtype=np.uint8)
    assert np.allclose(preprocess("resnet50", x), resnet50.preprocess_input(x.astype(np.float32)), atol=1e-4)


def test_the_runtime_contract_is_apart_from_the_descriptive_metadata(tiny_bundle):
    from dataclasses import replace

    card = tiny_bundle.card
    described_otherwise = replace(card, name="renamed", description="other words", metrics={"val_auc": 0.5},
                                  limits=["a limit"], training={"epochs_run": 3})
    assert described_otherwise.contract == card.contract  # metadata never changes how the weights are used
    for change in ({"threshold": 0.7}, {"face_margin": 0.5}, {"output": "p_real"},
                   {"calibration": {"method": "platt", "slope": 1.0, "intercept": 0.0}}):
        assert replace(card, **change).contract != card.contract, change
