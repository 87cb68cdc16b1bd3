"""The audit log: chained lines, tamper detection naming the first bad line, concurrent appends."""

from __future__ import annotations

import hashlib
import json
import threading

import pytest

from cli import run as cli_run
from core.errors import AuditLogError
from core.forensic import audit
from core.forensic.audit import GENESIS, AuditLog


@pytest.fixture
def log(tmp_path):
    lg = AuditLog(tmp_path / "audit.jsonl")
    lg.append(audit.FILE_OPENED, path="/ev/a.avi", sha256="a" * 64)
    lg.append(audit.ANALYSIS_STARTED, path="/ev/a.avi", sha256="a" * 64, params={"every": 1})
    lg.append(audit.ANALYSIS_FINISHED, path="/ev/a.avi", verdict="fake", score=0.91)
    lg.append(audit.REPORT_EXPORTED, path="/out/r.html", files={"r.json": "b" * 64})
    return lg


def _lines(lg: AuditLog) -> list[bytes]:
    return lg.path.read_bytes().splitlines()


def test_each_line_carries_the_sha256_of_the_previous_line(log):
    lines = _lines(log)
    objs = [json.loads(x) for x in lines]
    assert [o["seq"] for o in objs] == [1, 2, 3, 4]
    assert objs[0]["prev"] == GENESIS
    for prev, o in zip(lines, objs[1:], strict=False):
        assert o["prev"] == hashlib.sha256(prev).hexdigest()
    assert objs[2]["event"] == "analysis_finished" and objs[2]["data"] == {"path": "/ev/a.avi", "verdict": "fake",
                                                                          "score": 0.91}
    assert all(o["user"] and o["time"].endswith("+00:00") for o in objs)
    check = log.verify()
    assert check.ok and check.lines == 4 and check.first_bad_line is None
    assert check.head_hash == hashlib.sha256(lines[-1]).hexdigest() == log.head()["last_sha256"]


def test_an_edited_line_is_named(log):
    lines = _lines(log)
    lines[2] = lines[2].replace(b'"verdict":"fake"', b'"verdict":"real"')
    log.path.write_bytes(b"\n".join(lines) + b"\n")
    check = log.verify()
    assert not check.ok and check.first_bad_line == 3 and "changed" in check.problem


def test_an_edit_that_recomputes_its_own_hash_breaks_the_next_line(log):
    lines = _lines(log)
    o = json.loads(lines[1])
    o["data"]["params"] = {"every": 5}
    o.pop("hash")
    o["hash"] = audit._self_hash(o)
    lines[1] = audit._dumps(o).encode()
    log.path.write_bytes(b"\n".join(lines) + b"\n")
    check = log.verify()
    assert not check.ok and check.first_bad_line == 3 and "does not follow line 2" in check.problem


def test_a_deleted_line_is_found(log):
    lines = _lines(log)
    del lines[1]
    log.path.write_bytes(b"\n".join(lines) + b"\n")
    check = log.verify()
    assert not check.ok and check.first_bad_line == 2 and "removed" in check.problem


def test_reordered_lines_are_found(log):
    lines = _lines(log)
    lines[1], lines[2] = lines[2], lines[1]
    log.path.write_bytes(b"\n".join(lines) + b"\n")
    assert log.verify().first_bad_line == 2


def test_lines_cut_off_the_end_are_found_through_the_head_file(log):
    lines = _lines(log)
    log.path.write_bytes(b"\n".join(lines[:3]) + b"\n")
    check = log.verify()
    assert not check.ok and check.first_bad_line == 4 and "removed from the end" in check.problem


def test_a_cut_log_without_its_head_file_is_not_called_intact(log):
    lines = _lines(log)
    log.path.write_bytes(b"\n".join(lines[:3]) + b"\n")
    log.head_path.unlink()
    check = log.verify()
    assert not check.ok and "head file" in check.problem and "missing" in check.problem
    assert "NOT CONFIRMED" in check.summary()


def test_a_rewritten_head_file_is_caught_by_a_head_recorded_elsewhere(log):
    lines = _lines(log)
    anchor = (len(lines), log.head()["last_sha256"])  # what a report exported now records
    assert log.verify((anchor,)).ok
    log.path.write_bytes(b"\n".join(lines[:3]) + b"\n")
    audit.atomic.write_json(log.head_path, {"lines": 3, "last_sha256": audit._sha(lines[2])})  # forged to match
    assert log.verify().ok  # the head file alone cannot tell
    check = log.verify((anchor,))
    assert not check.ok and "removed from the end" in check.problem and "anchor" in check.problem


def test_a_replaced_last_line_is_found_through_the_head_file(log):
    lines = _lines(log)
    o = json.loads(lines[3])
    o["data"]["path"] = "/elsewhere.html"
    o.pop("hash")
    o["hash"] = audit._self_hash(o)
    lines[3] = audit._dumps(o).encode()
    log.path.write_bytes(b"\n".join(lines) + b"\n")
    check = log.verify()
    assert not check.ok and check.first_bad_line == 4 and "head file" in check.problem


def test_a_torn_last_line_is_reported_and_the_log_goes_on(log):
    with open(log.path, "ab") as fh:
        fh.write(b'{"seq":5,"time":"20')
    check = log.verify()
    assert not check.ok and check.first_bad_line == 5 and "incomplete" in check.problem
    entry = log.append(audit.CASE_SAVED, path="/c.dficase")
    assert entry.line == 6 and entry.seq == 6  # counted, not taken from the damaged line
    check = log.verify()
    assert check.first_bad_line == 5 and "not a valid audit entry" in check.problem


def test_concurrent_appends_from_threads_keep_the_chain(tmp_path):
    lg = AuditLog(tmp_path / "audit.jsonl")
    errors = []

    def worker(n):
        try:
            for i in range(25):
                AuditLog(lg.path).append("test_event", worker=n, i=i)  # separate objects share the lock
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    check = lg.verify()
    assert check.ok and check.lines == 200
    written = sorted((e.data["worker"], e.data["i"]) for e in lg.entries())
    assert written == [(n, i) for n in range(8) for i in range(25)]


def test_unwritable_log_raises_a_typed_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(AuditLogError, match="Cannot write the audit log"):
        AuditLog(blocker / "audit.jsonl").append(audit.FILE_OPENED, path="x")


def test_values_that_are_not_json_are_refused(tmp_path):
    with pytest.raises(AuditLogError, match="not JSON"):
        AuditLog(tmp_path / "audit.jsonl").append("x", when=object())


def test_default_log_lives_in_the_user_data_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("DFI_HOME", str(tmp_path))
    e = audit.log_event(audit.MODEL_USED, id="m")
    assert (tmp_path / "data" / "audit.jsonl").is_file() and (tmp_path / "data" / "audit.head.json").is_file()
    assert e.seq == 1 and audit.verify_chain().ok


def test_audit_command_checks_and_lists(log, capsys):
    assert cli_run(["audit", "--log", str(log.path)]) == 0
    out = capsys.readouterr().out
    assert "analysis_finished" in out and "verdict=fake" in out and "4 entries" in out
    assert cli_run(["audit", "--check", "--log", str(log.path)]) == 0
    assert "intact: 4 entries" in capsys.readouterr().out
    lines = _lines(log)
    lines[1] = lines[1].replace(b'"every":1', b'"every":2')
    log.path.write_bytes(b"\n".join(lines) + b"\n")
    assert cli_run(["audit", "--check", "--log", str(log.path)]) == 1
    assert "DAMAGED at line 2" in capsys.readouterr().out


def test_finding_the_last_line_reads_each_byte_a_bounded_number_of_times():
    """A huge last line (a model card with a 16 MiB name) once made the next append re-read the tail
    from 4 KiB further back at every step: quadratic, hundreds of GB for 64 MiB."""
    import io

    from core.forensic.audit import _tail

    class Counting(io.BytesIO):
        read_bytes = 0

        def read(self, n=-1):
            out = super().read(n)
            Counting.read_bytes += len(out)
            return out

    first = b'{"seq": 1}\n'
    huge = b'{"seq": 2, "name": "' + b"x" * (16 << 20) + b'"}\n'
    fh = Counting(first + huge)
    last, count, needs_newline = _tail(fh)
    assert last == huge[:-1] and count == 2 and not needs_newline
    assert Counting.read_bytes <= 3 * len(first + huge)  # the newline count, then the tail once


def test_a_huge_string_enters_the_log_cut_and_fingerprinted(log):
    import hashlib

    name = "n" * 5_000_000  # a model card's name, a case number: whatever a user can type or a file can hold
    e = log.append("model_used", name=name, nested={"why": ["x" * 10_000]})
    assert len(log.path.read_bytes().splitlines()[-1]) < 20_000
    assert e.data["name"].startswith("n" * audit.MAX_STRING) and "5,000,000 characters" in e.data["name"]
    assert hashlib.sha256(name.encode()).hexdigest() in e.data["name"]
    assert "10,000 characters" in e.data["nested"]["why"][0]
    assert log.verify().ok and log.entries()[-1].data == e.data


def test_a_damaged_log_is_sealed_kept_aside_untouched_and_named_by_a_new_chain(log, capsys):
    with open(log.path, "ab") as fh:
        fh.write(b'{"seq":5,"time":"20')  # a torn write: DAMAGED for ever without a way forward
    damaged = log.path.read_bytes()
    assert cli_run(["audit", "--check", "--log", str(log.path)]) == 1
    assert cli_run(["audit", "--seal", "--log", str(log.path)]) == 0
    out = capsys.readouterr().out
    kept = next(p for p in log.path.parent.iterdir() if ".damaged-" in p.name and p.suffix == ".jsonl")
    assert kept.read_bytes() == damaged and str(kept) in out  # nothing repaired, nothing deleted
    first = log.entries()[0]
    assert first.event == audit.LOG_SEALED and first.seq == 1 and first.prev == GENESIS
    assert first.data["sha256"] == hashlib.sha256(damaged).hexdigest()
    assert first.data["first_bad_line"] == 5 and "incomplete" in first.data["problem"]
    assert log.verify().ok and json.loads(log.head_path.read_text())["log"] == log.path.name
    assert sorted(p.name for p in log.path.parent.iterdir() if p.name.startswith(".")) == []  # no debris
    assert AuditLog(kept).verify().first_bad_line == 5  # the kept file still reports its own damage
    with pytest.raises(AuditLogError, match="intact"):
        log.seal()


def test_a_garbage_head_file_is_reported_as_damage_not_a_read_error(log):
    log.head_path.write_text("not json {")
    check = log.verify()
    assert not check.ok and check.first_bad_line is None and "cannot be read" in check.problem
    assert "NOT CONFIRMED" in check.summary()


def test_anchors_survive_sealing_and_later_damage_and_say_when_they_point_elsewhere(log, tmp_path):
    anchor = log.head()
    assert audit.check_anchor(anchor, log) is None
    log.append(audit.CASE_SAVED, path="/c.dficase")
    with open(log.path, "ab") as fh:
        fh.write(b'{"seq":6')  # a later torn write: the anchored line 4 is still there, unchanged
    assert audit.check_anchor(anchor, log) is None
    log.seal()  # the old chain kept aside, a new one started: the anchor is followed into the kept file
    assert audit.check_anchor(anchor, log) is None
    other = AuditLog(tmp_path / "elsewhere" / "audit.jsonl")
    other.append(audit.FILE_OPENED, path="/x")
    foreign = dict(other.head(), log="/home/someone-else/audit.jsonl")  # another machine's log
    other.path.unlink()
    assert audit.check_anchor(foreign, log) == audit.ELSEWHERE
    cut = dict(anchor, lines=anchor["lines"] + 5)
    assert "no longer holds the entry recorded at line" in audit.check_anchor(cut, log)


def test_a_head_file_with_wrong_types_is_damage_and_can_be_sealed(log):
    log.head_path.write_text('{"lines": null, "last_sha256": 7}')
    check = log.verify()
    assert not check.ok and "does not hold a line count" in check.problem
    kept, entry = log.seal()
    assert entry.event == audit.LOG_SEALED and log.verify().ok
