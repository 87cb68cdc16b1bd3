"""The command line as an analyst runs it: a subprocess, real MTCNN, JSON/CSV outputs, bad input."""

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest
from media import astronaut_face_video

ROOT = Path(__file__).resolve().parents[1]


def cli(*args, cwd=None):
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *map(str, args)], capture_output=True,
                          text=True, timeout=300, cwd=cwd or ROOT)


@pytest.mark.slow
def test_analyze_writes_the_documented_json_and_csv(tiny_bundle, tmp_path):
    (tmp_path / "evidence").mkdir()
    video = astronaut_face_video(tmp_path / "evidence" / "clip.avi", n=12)
    before = video.read_bytes()
    out_json, out_csv = tmp_path / "out" / "r.json", tmp_path / "out" / "r.csv"
    r = cli("analyze", video, "--model", tiny_bundle.path, "--every", "2", "--json", out_json, "--csv", out_csv)
    assert r.returncode == 0, r.stderr
    assert "clip.avi:" in r.stdout and "sha256" in r.stdout
    doc = json.loads(out_json.read_text())
    assert doc["schema"] == "deepfake-inspector/analysis@2"
    assert set(doc["video"]) >= {"path", "sha256", "frames", "fps", "width", "height", "duration_s"}
    assert set(doc["model"]) >= {"id", "architecture", "sha256"}
    assert doc["params"]["every"] == 2
    assert set(doc["verdict"]) >= {"label", "score", "threshold", "strategy", "frames_scored"}
    assert doc["verdict"]["label"] in ("fake", "real", "inconclusive")
    assert [f["index"] for f in doc["frames"]] == list(range(0, 12, 2))
    f0 = doc["frames"][0]
    assert f0["status"] == "scored" and 0 <= f0["score"] <= 1
    assert f0["faces"][0]["track"] == 1 and len(f0["faces"][0]["box"]) == 4
    assert isinstance(doc["segments"], list) and all("track" in s for s in doc["segments"])
    track = doc["tracks"][0]
    assert track["track"] == 1 and track["verdict"]["label"] in ("fake", "real", "inconclusive")
    assert doc["verdict"]["track"] == 1 and doc["coverage"]["read_to_end"] is True
    assert doc["coverage"]["decoded"] == doc["coverage"]["sampled"] == 6
    rows = list(csv.DictReader(out_csv.open()))
    assert len(rows) == 6 and rows[0]["track"] == "1" and rows[0]["status"] == "scored"
    assert rows[0]["track_verdict"] == track["verdict"]["label"]
    assert video.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["evidence", "out"]
    assert [p.name for p in (tmp_path / "evidence").iterdir()] == ["clip.avi"]  # nothing beside the evidence


@pytest.mark.slow
def test_a_truncated_file_is_analysed_as_far_as_it_goes_and_exits_4(tiny_bundle, tmp_path):
    (tmp_path / "evidence").mkdir()
    whole = astronaut_face_video(tmp_path / "whole.avi", n=20)
    video = _write(tmp_path / "evidence" / "cut.avi", whole.read_bytes()[: whole.stat().st_size // 2])
    out = tmp_path / "r.json"
    r = cli("analyze", video, "--model", tiny_bundle.path, "--json", out)
    assert r.returncode == 4, r.stderr
    doc = json.loads(out.read_text())
    cov = doc["coverage"]
    assert cov["announced"] == 20 and not cov["read_to_end"] and 0 < cov["decoded"] < 20
    assert cov["end_frame"] == cov["decoded"] and cov["decode_errors"] == 20 - cov["decoded"]
    assert {f["status"] for f in doc["frames"][cov["end_frame"]:]} == {"decode_error"}
    assert len(doc["frames"]) == 20
    share = f"{100 * cov['decoded'] / 20:.0f} %"
    assert f"on {share} of the file" in r.stdout and "could not be read past frame" in r.stdout
    assert "truncated" in r.stderr


def _write(path, data):
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: d / "missing.mp4", "No such file"),
        (lambda d: d, "is a folder"),
        (lambda d: _write(d / "zero.mp4", b""), "empty"),
        (lambda d: _write(d / "text.mp4", b"hello " * 100), "cannot be opened as a video"),
    ],
)
def test_bad_input_is_one_line_and_non_zero(tmp_path, make, message):
    target = make(tmp_path)
    listing = sorted(p.name for p in tmp_path.iterdir())
    r = cli("analyze", target)
    assert r.returncode == 2
    assert message in r.stderr and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == listing


def test_bad_model_bundle_is_named(tiny_bundle, tmp_path, face_video):
    import shutil

    broken = tmp_path / "broken"
    shutil.copytree(tiny_bundle.path, broken)
    (broken / "model.keras").write_bytes(b"junk")
    r = cli("analyze", face_video, "--model", broken)
    assert r.returncode == 2 and "broken" in r.stderr and "damaged or truncated" in r.stderr
    assert "Traceback" not in r.stderr


def test_models_lists_bundles(tiny_bundle, tmp_path):
    import os
    import shutil

    home = tmp_path / "home"
    shutil.copytree(tiny_bundle.path, home / "data" / "models" / "my-model")
    r = subprocess.run([sys.executable, str(ROOT / "main.py"), "models"], capture_output=True, text=True,
                       env={**os.environ, "DFI_HOME": str(home)}, timeout=120)
    assert r.returncode == 0 and "my-model" in r.stdout and "tiny_cnn" in r.stdout


def test_help_lists_the_subcommands():
    r = cli("--help")
    assert r.returncode == 0
    for cmd in ("analyze", "models"):
        assert cmd in r.stdout


def test_unexpected_errors_are_one_line_with_the_log_path(tmp_path, monkeypatch):
    import os

    code = (
        "import sys, cli, cli.models_cmd as m\n"
        "m.run = lambda args: 1 / 0\n"
        "sys.exit(cli.run(['models']))\n"
    )
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
                       env={**os.environ, "DFI_HOME": str(tmp_path)})
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "unexpected error: ZeroDivisionError" in r.stderr
    log = tmp_path / "logs" / "cli-errors.log"
    assert str(log) in r.stderr and "ZeroDivisionError" in log.read_text()


def test_a_report_name_already_used_is_refused_before_analysing(tiny_bundle, tmp_path):
    (tmp_path / "evidence").mkdir()
    video = astronaut_face_video(tmp_path / "evidence" / "clip.avi", n=4)
    (tmp_path / "out").mkdir()
    earlier = tmp_path / "out" / "r.json"
    earlier.write_text("{}")  # e.g. the JSON of an earlier report named r
    r = cli("analyze", video, "--model", tiny_bundle.path, "--report", tmp_path / "out" / "r.pdf")
    assert r.returncode != 0 and "r.json already there" in r.stderr and "--overwrite" in r.stderr
    assert "analysis_started" not in r.stdout and earlier.read_text() == "{}"
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["r.json"]


def test_an_expected_error_prints_the_same_hint_as_the_window(tmp_path):
    from core.errors import VideoNotFound
    from core.messages import TABLE

    r = cli("analyze", tmp_path / "nowhere.mp4")
    assert r.returncode == 2 and "error: No such file" in r.stderr
    assert f"(hint: {TABLE[VideoNotFound][1]})" in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_json_and_report_into_one_folder_in_one_run_is_not_an_earlier_export(tiny_bundle, tmp_path):
    (tmp_path / "evidence").mkdir()
    video = astronaut_face_video(tmp_path / "evidence" / "clip.avi", n=4)
    out = tmp_path / "out"
    out.mkdir()
    r = cli("analyze", video, "--model", tiny_bundle.path, "--json", out, "--report", out)
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in out.iterdir()) == ["clip.csv", "clip.html", "clip.json", "clip.sha256"]


@pytest.mark.slow
def test_compare_scores_a_second_model_in_the_same_run_and_exports_both(tiny_bundle, tiny_seq_bundle, tmp_path):
    (tmp_path / "evidence").mkdir()
    video = astronaut_face_video(tmp_path / "evidence" / "clip.avi", n=12)
    out = tmp_path / "out" / "r.json"
    r = cli("analyze", video, "--model", tiny_bundle.path, "--compare", tiny_seq_bundle.path, "--json", out)
    assert r.returncode == 0, r.stderr
    assert f"also {tiny_seq_bundle.id}:" in r.stdout and "the models' verdicts" in r.stdout
    doc = json.loads(out.read_text())
    assert doc["model"]["id"] == tiny_bundle.id
    [other] = doc["comparison"]["results"]
    assert other["model"]["id"] == tiny_seq_bundle.id and other["video"]["sha256"] == doc["video"]["sha256"]
    assert [f["index"] for f in other["frames"]] == [f["index"] for f in doc["frames"]]
    assert [m["model_id"] for m in doc["comparison"]["agreement"]["models"]] == [tiny_bundle.id, tiny_seq_bundle.id]
    too_many = cli("analyze", video, "--model", tiny_bundle.path, *["--compare", tiny_bundle.path] * 3)
    assert too_many.returncode != 0 and "at most 2" in too_many.stderr


def test_inspect_prints_the_files_findings_with_their_meaning_and_writes_json(tmp_path):
    from media import moving_face_frames, write_h264

    (tmp_path / "evidence").mkdir()
    video = write_h264(tmp_path / "evidence" / "clip.mp4", moving_face_frames(12, (160, 120)), fps=10, gop=4)
    out = tmp_path / "out" / "structure.json"
    r = cli("inspect", video, "--json", out)
    assert r.returncode == 0, r.stderr
    assert "clip.mp4:" in r.stdout and "h264 160x120" in r.stdout and "(usual GOP 4)" in r.stdout
    assert "Written by FFmpeg-based software" in r.stdout and "does not mean:" in r.stdout
    doc = json.loads(out.read_text())
    assert doc["schema"] == "deepfake-inspector/file-structure@1" and doc["credentials"]["status"] == "none"
    missing = cli("inspect", tmp_path / "nowhere.mp4")
    assert missing.returncode == 2 and missing.stderr.startswith("error:")
    before = video.read_bytes()
    onto = cli("inspect", video, "--json", video)  # a slip of the keyboard must not replace the evidence
    assert onto.returncode == 2 and video.read_bytes() == before
    assert [p.name for p in video.parent.iterdir()] == ["clip.mp4"]
    again = cli("inspect", video, "--json", out)
    assert again.returncode == 2 and "--overwrite" in again.stderr
    assert cli("inspect", video, "--json", out, "--overwrite").returncode == 0
