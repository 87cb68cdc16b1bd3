"""Reproducibility: verify re-runs the recorded analysis and compares, core and command line."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace

import numpy as np
import pytest
from conftest import ColourFaceDetector
from media import face_image, moving_face_frames, write_video

from cli import run as cli_run
from core.analysis import AnalysisParams, Engine
from core.errors import ResultFileInvalid
from core.forensic import audit
from core.forensic.verify import DEFAULT_TOLERANCE, read_result, verify
from core.result import AnalysisResult

PARAMS = AnalysisParams(every=1, detect_every=3, threshold=0.05)


@pytest.fixture
def recorded(tiny_bundle, evidence):
    """The analysis as exported to JSON and read back, as verify sees it."""
    r = Engine(tiny_bundle, detector=ColourFaceDetector()).analyze(evidence, PARAMS, use_cache=False)
    return AnalysisResult.from_json(json.loads(json.dumps(r.to_json())))


def _verify(recorded, video, tiny_bundle, log, **kw):
    return verify(recorded, video, model=tiny_bundle, detector=ColourFaceDetector(), log=log, **kw)


def test_untouched_file_reproduces_bit_for_bit(recorded, evidence, tiny_bundle, log):
    rep = _verify(recorded, evidence, tiny_bundle, log)
    assert rep.ok and rep.video_matches and rep.model_matches and rep.same_build and rep.tolerance == 0.0
    assert rep.scores_compared >= 24 and rep.scores_identical == rep.scores_compared and rep.max_abs_diff == 0.0
    assert rep.frames_compared == 30 and rep.difference_count == 0
    assert rep.lines()[-1].startswith("RESULT: VERIFIED") and "bit for bit" in rep.lines()[-1]
    e = log.entries()[-1]
    assert e.event == audit.VERIFY_FINISHED and e.data["ok"] is True


def test_a_modified_file_fails(recorded, evidence, tiny_bundle, log, tmp_path):
    frames = moving_face_frames(30, (160, 120), face_image(48))
    blank = np.full_like(frames[0], 30)
    for i in range(20, 25):
        frames[i] = blank
    frames[3] = np.clip(frames[3].astype(int) + 40, 0, 255).astype(np.uint8)  # one frame brightened
    other = write_video(tmp_path / "exhibit7-edited.avi", frames)
    rep = _verify(recorded, other, tiny_bundle, log)
    assert not rep.ok and not rep.video_matches
    assert "the video is not the analysed file" in rep.lines()[-1]


def test_a_changed_recorded_score_is_found_at_its_frame(recorded, evidence, tiny_bundle, log):
    doc = recorded.to_json()
    f = next(x for x in doc["frames"] if x["index"] == 7)
    f["faces"][0]["score"] += 1e-3
    f["score"] = f["faces"][0]["score"]
    rep = _verify(AnalysisResult.from_json(doc), evidence, tiny_bundle, log)
    assert not rep.ok and rep.video_matches and rep.difference_count == 1
    d = rep.differences[0]
    assert (d.frame, d.what) == (7, "score") and rep.max_abs_diff == pytest.approx(1e-3, rel=1e-3)


def test_a_different_build_uses_the_stated_tolerance(recorded, evidence, tiny_bundle, log):
    prov = dict(recorded.provenance, tensorflow="0.0-other")
    doc = replace(recorded, provenance=prov).to_json()
    f = next(x for x in doc["frames"] if x["index"] == 4)
    f["faces"][0]["score"] += 1e-9  # last bits: within 1e-6
    rep = _verify(AnalysisResult.from_json(doc), evidence, tiny_bundle, log)
    assert rep.ok and rep.build_differences == ("tensorflow",) and rep.tolerance == DEFAULT_TOLERANCE
    assert rep.scores_identical == rep.scores_compared - 1
    assert any("tolerance of 1e-06" in line for line in rep.lines())
    f["faces"][0]["score"] += 1e-4  # beyond it
    assert not _verify(AnalysisResult.from_json(doc), evidence, tiny_bundle, log).ok


def test_other_model_weights_are_not_used(recorded, evidence, tiny_bundle, log):
    wrong = replace(recorded, model=replace(recorded.model, sha256="0" * 64))
    rep = _verify(wrong, evidence, tiny_bundle, log)
    assert not rep.ok and not rep.model_matches and rep.rerun is None
    assert rep.lines()[-1] == "RESULT: NOT VERIFIED (different model weights)"


def test_changed_faces_are_reported(recorded, evidence, tiny_bundle, log):
    doc = recorded.to_json()
    f = next(x for x in doc["frames"] if x["index"] == 9)
    f["faces"][0]["box"][0] += 3
    rep = _verify(AnalysisResult.from_json(doc), evidence, tiny_bundle, log)
    assert not rep.ok and [(d.frame, d.what) for d in rep.differences] == [(9, "faces")]


def test_read_result_names_bad_files(tmp_path):
    p = tmp_path / "r.json"
    p.write_text('{"schema": "x"}')
    with pytest.raises(ResultFileInvalid, match="r.json"):
        read_result(p)
    with pytest.raises(ResultFileInvalid, match="No analysis file"):
        read_result(tmp_path / "none.json")


@pytest.mark.slow
def test_command_line_analyze_report_and_verify(tiny_bundle, evidence, tmp_path, monkeypatch, capsys):
    """The real MTCNN finds no face in cartoons: every score is null, and null must reproduce too."""
    home = tmp_path / "home"
    monkeypatch.setenv("DFI_HOME", str(home))
    shutil.copytree(tiny_bundle.path, home / "data" / "models" / "tiny_cnn")  # installed, found by id
    data, mtime = evidence.read_bytes(), evidence.stat().st_mtime_ns
    out = tmp_path / "reports" / "exhibit7.html"
    frames_out = tmp_path / "reports" / "exhibit7.framemd5"
    assert cli_run(["analyze", str(evidence), "--model", "tiny_cnn", "--report", str(out), "--analyst", "A. Analyst",
                    "--case", "2025-0042", "--hash", "md5", "--framemd5", str(frames_out)]) == 0
    printed = capsys.readouterr().out
    assert "wrote exhibit7.json" in printed and "wrote exhibit7.html" in printed
    assert evidence.read_bytes() == data and evidence.stat().st_mtime_ns == mtime
    assert sorted(p.name for p in evidence.parent.iterdir()) == ["exhibit7.avi"]
    doc = json.loads((tmp_path / "reports" / "exhibit7.json").read_text())
    prov = doc["provenance"]
    assert prov["analyst"] == "A. Analyst" and prov["case_number"] == "2025-0042" and prov["evidence"]["md5"]
    assert prov["integrity"]["unchanged"] and prov["model_card"]["architecture"] == "tiny_cnn"
    assert (tmp_path / "reports" / "exhibit7.framemd5").read_text().count("\n0, ") == 30
    events = [e.event for e in audit.AuditLog().entries()]
    assert events == [audit.MODEL_USED, audit.FILE_OPENED, audit.ANALYSIS_STARTED, audit.ANALYSIS_FINISHED,
                      audit.FRAME_HASHES_EXPORTED, audit.REPORT_EXPORTED]

    assert cli_run(["verify", str(tmp_path / "reports" / "exhibit7.json"), str(evidence)]) == 0
    printed = capsys.readouterr().out
    assert "RESULT: VERIFIED" in printed and "tolerance 0" in printed

    edited = tmp_path / "edited.avi"
    raw = bytearray(data)
    raw[len(raw) // 2] ^= 0xFF
    edited.write_bytes(bytes(raw))
    assert cli_run(["verify", str(tmp_path / "reports" / "exhibit7.json"), str(edited)]) == 1
    assert "NOT VERIFIED" in capsys.readouterr().out
    assert cli_run(["audit", "--check"]) == 0


def test_command_line_refuses_to_write_beside_the_evidence(evidence, capsys):
    assert cli_run(["analyze", str(evidence), "--report", str(evidence.parent / "r.html")]) == 2
    assert "Nothing is written beside evidence" in capsys.readouterr().err
    assert sorted(p.name for p in evidence.parent.iterdir()) == ["exhibit7.avi"]


def _cut_log(log, keep: int) -> None:
    """What a careful tamperer does: drop the last lines and rewrite the head file to match."""
    import hashlib

    lines = log.path.read_bytes().splitlines()[:keep]
    log.path.write_bytes(b"\n".join(lines) + b"\n")
    log.head_path.write_text(json.dumps({"lines": keep, "last_sha256": hashlib.sha256(lines[-1]).hexdigest(),
                                         "seq": keep, "log": log.path.name}))


def test_verify_checks_that_the_audit_log_still_holds_the_analysis_entry(tiny_bundle, evidence, log):
    from core.forensic import record

    engine = Engine(tiny_bundle, detector=ColourFaceDetector())
    before = record.open_evidence(evidence, log=log)
    started = record.analysis_started(before, engine.model_ref(), PARAMS, log=log)
    r = record.analysis_finished(before, engine.analyze(evidence, PARAMS, use_cache=False), engine, started, log=log)
    anchor = r.provenance["audit_anchor"]
    assert anchor["lines"] == len(log.entries()) and log.entries()[-1].event == audit.ANALYSIS_FINISHED
    saved = AnalysisResult.from_json(json.loads(json.dumps(r.to_json())))  # through its JSON
    rep = _verify(saved, evidence, tiny_bundle, log)
    assert rep.ok and rep.audit_recorded and rep.audit_problem is None
    assert any(x.startswith("Audit log the entry recording this analysis is still there") for x in rep.lines())

    _cut_log(log, anchor["lines"] - 1)  # its analysis_finished line is gone, the head file rewritten
    assert log.verify().ok  # the log alone cannot tell
    rep = _verify(saved, evidence, tiny_bundle, log)
    assert rep.audit_problem is not None and "no longer holds the entry recorded at line" in rep.audit_problem
    assert rep.to_json()["audit"]["problem"] == rep.audit_problem
    assert any("DIFFERENT" in x and x.startswith("Audit log") for x in rep.lines())
