"""The case workspace: save and reopen, hash checks on reopening, notes, bookmarks, analyses."""

from __future__ import annotations

import dataclasses
import json
import shutil

import pytest

from core.analysis import Engine
from core.errors import CaseFileInvalid, ResultFileInvalid
from core.forensic import atomic, audit
from core.forensic import case as cs
from core.forensic.hashing import sha256_file


@pytest.fixture
def log(tmp_path):
    return audit.AuditLog(tmp_path / "audit" / "audit.jsonl")


@pytest.fixture
def result(tiny_bundle, colour_detector, evidence):
    return Engine(tiny_bundle, detector=colour_detector).analyze(evidence, use_cache=False)


def _case(evidence):
    c = cs.new_case("2025-0042", "A. Analyst", "Exhibit 7")
    return cs.add_evidence(c, evidence)


def test_case_round_trips_with_notes_bookmarks_and_an_embedded_analysis(evidence, result, tmp_path, log):
    c = _case(evidence)
    sha = sha256_file(evidence)
    assert c.evidence[0].sha256 == sha and c.evidence[0].size_bytes == evidence.stat().st_size
    c, whole = cs.add_note(c, sha, "Source: seized phone, item 12.")
    c, frame = cs.add_note(c, sha, "Blink looks odd", 12)
    c, seg = cs.add_note(c, sha, "Mouth flickers", 3, 9, author="B. Reviewer")
    c, bm = cs.add_bookmark(c, sha, 15, "face leaves soon")
    c, ref = cs.add_analysis(c, result)
    assert (whole.target, frame.target, seg.target) == ("whole file", "frame 12", "frames 3-9")
    assert frame.author == "A. Analyst" and seg.author == "B. Reviewer"

    path = tmp_path / "cases" / "case42.dficase"
    file_sha = cs.save_case(c, path, log=log)
    assert file_sha == sha256_file(path)
    opened = cs.open_case(path, log=log)
    assert opened.all_ok and [e.status for e in opened.evidence] == [cs.OK]
    back = opened.case
    assert dataclasses.replace(back, evidence=c.evidence) == c  # only relative_path is added on save
    assert back.evidence[0].relative_path == "../evidence/exhibit7.avi"
    assert cs.load_analysis(back.analyses[0]).to_json() == result.to_json()
    assert back.notes_for(sha) == c.notes and back.bookmarks_for(sha) == (bm,)
    assert ref.result_sha256 == back.analyses[0].result_sha256
    events = [e.event for e in log.entries()]
    assert events == [audit.CASE_SAVED, audit.CASE_OPENED]


def test_the_case_file_holds_paths_and_hashes_not_the_video(evidence, tmp_path, log):
    path = tmp_path / "c.dficase"
    cs.save_case(_case(evidence), path, log=log)
    assert path.stat().st_size < 4000 < evidence.stat().st_size
    doc = json.loads(path.read_text())
    assert doc["schema"] == cs.SCHEMA and doc["evidence"][0]["path"] == str(evidence.resolve())


def test_reopening_warns_when_the_evidence_changed(evidence, tmp_path, log):
    path = tmp_path / "c.dficase"
    cs.save_case(_case(evidence), path, log=log)
    old = sha256_file(evidence)
    with open(evidence, "r+b") as fh:
        fh.seek(100)
        fh.write(b"\x00")
    opened = cs.open_case(path, log=log)
    chk = opened.evidence[0]
    assert chk.status == cs.CHANGED and not opened.all_ok
    assert old in chk.message and sha256_file(evidence) in chk.message
    assert "not the file that was analysed" in chk.message
    assert log.entries()[-1].data["evidence"] == {old: "changed"}


def test_reopening_reports_missing_and_finds_a_moved_folder(evidence, tmp_path, log):
    root = tmp_path / "work"
    root.mkdir()
    shutil.move(evidence.parent, root / "evidence")
    moved_ev = root / "evidence" / "exhibit7.avi"
    c = _case(moved_ev)
    cs.save_case(c, root / "case.dficase", log=log)
    shutil.move(root, tmp_path / "work-copy")  # the whole case folder goes to another place
    opened = cs.open_case(tmp_path / "work-copy" / "case.dficase", log=log)
    chk = opened.evidence[0]
    assert chk.status == cs.MOVED and chk.found_at == str(tmp_path / "work-copy" / "evidence" / "exhibit7.avi")
    assert cs.with_found_paths(opened).evidence[0].path == chk.found_at
    (tmp_path / "work-copy" / "evidence" / "exhibit7.avi").unlink()
    opened = cs.open_case(tmp_path / "work-copy" / "case.dficase", log=log)
    assert opened.evidence[0].status == cs.MISSING and "MISSING" in opened.warnings[0]


def test_referenced_analysis_file_is_checked_by_hash(evidence, result, tmp_path, log):
    out = tmp_path / "exports" / "exhibit7.json"
    atomic.write_json(out, result.to_json())
    c, ref = cs.add_analysis(_case(evidence), result, out)
    assert ref.embedded is None and ref.result_sha256 == sha256_file(out)
    path = tmp_path / "c.dficase"
    cs.save_case(c, path, log=log)
    assert cs.open_case(path, log=log).all_ok
    doc = json.loads(out.read_text())
    doc["verdict"]["label"] = "real"
    out.write_text(json.dumps(doc))
    opened = cs.open_case(path, log=log)
    assert not opened.analyses[0].ok and "changed since it was added" in opened.warnings[0]
    with pytest.raises(ResultFileInvalid):
        cs.load_analysis(opened.case.analyses[0])


def test_notes_and_bookmarks_are_validated_and_editable(evidence):
    c = _case(evidence)
    sha = c.evidence[0].sha256
    with pytest.raises(ValueError, match="add the file first"):
        cs.add_note(c, "f" * 64, "x")
    with pytest.raises(ValueError, match="needs text"):
        cs.add_note(c, sha, "   ")
    with pytest.raises(ValueError, match="bad frame range"):
        cs.add_note(c, sha, "x", 10, 5)
    with pytest.raises(ValueError):
        cs.add_bookmark(c, sha, -1)
    c, n = cs.add_note(c, sha, "first")
    c = cs.edit_note(c, n.id, "second")
    assert c.notes[0].text == "second" and c.notes[0].id == n.id
    c = cs.remove_note(c, n.id)
    assert c.notes == ()
    c, b = cs.add_bookmark(c, sha, 4)
    assert cs.remove_bookmark(c, b.id).bookmarks == ()
    with pytest.raises(KeyError):
        cs.remove_note(c, "nope")


def test_case_values_are_frozen(evidence):
    c = _case(evidence)
    with pytest.raises(dataclasses.FrozenInstanceError):
        c.analyst = "someone else"
    with pytest.raises(dataclasses.FrozenInstanceError):
        c.evidence[0].sha256 = "0" * 64


def test_removing_evidence_removes_what_hangs_on_it(evidence, result):
    c = _case(evidence)
    sha = c.evidence[0].sha256
    c, _ = cs.add_note(c, sha, "x", 1)
    c, _ = cs.add_bookmark(c, sha, 2)
    c, _ = cs.add_analysis(c, result)
    c = cs.remove_evidence(c, sha)
    assert (c.evidence, c.notes, c.bookmarks, c.analyses) == ((), (), (), ())


def test_bad_case_files_are_named(tmp_path):
    p = tmp_path / "x.dficase"
    p.write_text("{not json")
    with pytest.raises(CaseFileInvalid, match="x.dficase"):
        cs.read_case(p)
    p.write_text(json.dumps({"schema": "something/else"}))
    with pytest.raises(CaseFileInvalid, match="not a case file"):
        cs.read_case(p)
    p.write_text(json.dumps({"schema": cs.SCHEMA, "notes": [{"bogus": 1}]}))
    with pytest.raises(CaseFileInvalid, match="unexpected entry"):
        cs.read_case(p)
    with pytest.raises(CaseFileInvalid, match="No case file"):
        cs.read_case(tmp_path / "missing.dficase")


def test_a_case_that_cannot_be_written_is_logged_as_not_saved(tmp_path, log):
    import pytest

    from core.errors import OutputNotWritable

    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the case's folder should be")
    with pytest.raises(OutputNotWritable):
        cs.save_case(cs.new_case("42", "A. Analyst"), blocker / "case42.dficase", log=log)
    saved, failed = log.entries()
    assert (saved.event, failed.event) == (audit.CASE_SAVED, audit.CASE_SAVE_FAILED)
    assert failed.data["sha256"] == saved.data["sha256"] and not (blocker / "case42.dficase").exists()


def test_reopening_a_case_checks_the_audit_log_still_holds_its_history(evidence, tmp_path, log):
    import hashlib

    log.append(audit.FILE_OPENED, path=str(evidence), sha256="x" * 64)
    log.append(audit.ANALYSIS_FINISHED, path=str(evidence), verdict="fake")
    path = tmp_path / "c.dficase"
    cs.save_case(_case(evidence), path, log=log)
    doc = json.loads(path.read_text())
    assert doc["audit_anchor"]["lines"] == 2
    assert cs.open_case(path, log=log).all_ok
    lines = log.path.read_bytes().splitlines()[:1]  # the analysis entry cut, the head rewritten to match
    log.path.write_bytes(b"\n".join(lines) + b"\n")
    log.head_path.write_text(json.dumps({"lines": 1, "last_sha256": hashlib.sha256(lines[0]).hexdigest()}))
    assert log.verify().ok
    opened = cs.open_case(path, log=log)
    assert any(w.startswith("Audit log:") and "line 2" in w for w in opened.warnings)
