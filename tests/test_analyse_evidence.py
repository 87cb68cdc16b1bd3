"""The one analysis job (core.analyse_evidence): what it reads of the evidence and what it records."""

from __future__ import annotations

import json
import shutil

import pytest
from detectors import ColourFaceDetector
from media import face_image, moving_face_frames, write_video

import core.analyse_evidence
import core.analysis
import core.forensic.integrity
import core.forensic.record
import core.video
from cli import run as cli_run
from core.analyse_evidence import analyse_evidence
from core.analysis import AnalysisParams, Engine
from core.errors import Cancelled
from core.forensic import audit


def _video(tmp_path, n: int = 24, seed: int = 21):
    frames = moving_face_frames(n, (160, 120), face_image(48, seed=seed), step=1)
    (tmp_path / "evidence").mkdir(exist_ok=True)
    return write_video(tmp_path / "evidence" / f"clip{seed}.avi", frames)


@pytest.fixture
def reads(monkeypatch):
    """Counts every probe of a file and every full read of it for a hash, wherever they happen."""
    seen = {"probe": [], "hash": []}
    real_probe, real_hash, real_sha = core.video.probe, core.forensic.integrity.hash_evidence, core.analysis.sha256_file

    def probe(path):
        seen["probe"].append(str(path))
        return real_probe(path)

    def hash_evidence(path, *a, **k):
        seen["hash"].append(str(path))
        return real_hash(path, *a, **k)

    def sha256_file(path, *a, **k):
        seen["hash"].append(str(path))
        return real_sha(path, *a, **k)

    for module in (core.video, core.analysis, core.analyse_evidence):
        monkeypatch.setattr(module, "probe", probe)
    for module in (core.forensic.integrity, core.forensic.record):
        monkeypatch.setattr(module, "hash_evidence", hash_evidence)
    monkeypatch.setattr(core.analysis, "sha256_file", sha256_file)
    return seen


def test_the_command_line_probes_the_evidence_once_and_hashes_it_twice(tiny_bundle, tmp_path, monkeypatch, reads):
    home = tmp_path / "home"
    monkeypatch.setenv("DFI_HOME", str(home))
    shutil.copytree(tiny_bundle.path, home / "data" / "models" / "tiny_cnn")
    monkeypatch.setattr(core.analysis, "FaceDetector", lambda *a: ColourFaceDetector())
    video = _video(tmp_path)
    out = tmp_path / "out" / "r.json"
    assert cli_run(["analyze", str(video), "--model", "tiny_cnn", "--json", str(out), "--no-cache"]) == 0
    assert reads["probe"] == [str(video)]
    assert reads["hash"] == [str(video), str(video)]  # before and after: not again by the engine
    doc = json.loads(out.read_text())
    assert doc["provenance"]["integrity"]["unchanged"] and doc["frames"]
    assert [e.event for e in audit.AuditLog().entries()] == [
        audit.MODEL_USED, audit.FILE_OPENED, audit.ANALYSIS_STARTED, audit.ANALYSIS_FINISHED]


def test_two_models_one_probe_two_hashes_and_one_record_each(tiny_bundle, tiny_seq_bundle, tmp_path, reads):
    log = audit.AuditLog(tmp_path / "audit.jsonl")
    det = ColourFaceDetector()
    engines = [Engine(tiny_bundle, detector=det), Engine(tiny_seq_bundle, detector=det)]
    video = _video(tmp_path)
    first, second = analyse_evidence(video, engines, AnalysisParams(), analyst="A. N.", case_number="7", log=log,
                                     use_cache=False)
    assert len(reads["probe"]) == 1 and len(reads["hash"]) == 2
    events = [(e.event, e.data.get("model_id")) for e in log.entries()]
    assert events == [(audit.MODEL_USED, None), (audit.MODEL_USED, None), (audit.FILE_OPENED, None),
                      (audit.ANALYSIS_STARTED, tiny_bundle.id), (audit.ANALYSIS_STARTED, tiny_seq_bundle.id),
                      (audit.ANALYSIS_FINISHED, None), (audit.ANALYSIS_FINISHED, None)]
    started = [e.data for e in log.entries() if e.event == audit.ANALYSIS_STARTED]
    # the logged parameters are the resolved ones each model used: its own card's threshold
    assert [s["params"]["threshold"] for s in started] == [first.params["threshold"], second.params["threshold"]]
    assert first.provenance["analyst"] == "A. N." and first.provenance["integrity"] == second.provenance["integrity"]


def test_a_failure_and_a_cancel_each_end_every_started_model(tiny_bundle, tiny_seq_bundle, tmp_path, monkeypatch):
    log = audit.AuditLog(tmp_path / "audit.jsonl")
    det = ColourFaceDetector()
    engines = [Engine(tiny_bundle, detector=det), Engine(tiny_seq_bundle, detector=det)]
    video = _video(tmp_path)

    def broken(*a, **k):
        raise RuntimeError("scorer blew up")

    monkeypatch.setattr(core.analyse_evidence, "analyze_together", broken)
    with pytest.raises(RuntimeError):
        analyse_evidence(video, engines, AnalysisParams(), log=log)
    failed = log.entries()[-1]
    assert failed.event == audit.ANALYSIS_FAILED and failed.data["model_ids"] == [tiny_bundle.id, tiny_seq_bundle.id]
    assert "scorer blew up" in failed.data["message"]

    def stopped(*a, **k):
        raise Cancelled("stopped")

    monkeypatch.setattr(core.analyse_evidence, "analyze_together", stopped)
    with pytest.raises(Cancelled):
        analyse_evidence(video, engines, AnalysisParams(), log=log)
    cancelled = log.entries()[-1]
    assert cancelled.event == audit.ANALYSIS_CANCELLED and cancelled.data["reason"] == "cancelled"
    assert cancelled.data["model_ids"] == [tiny_bundle.id, tiny_seq_bundle.id]
