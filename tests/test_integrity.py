"""Evidence hashes before/after, change detection, the beside-evidence guard, per-frame MD5s."""

from __future__ import annotations

import hashlib
import os
import shutil
from fractions import Fraction

import numpy as np
import pytest
from media import face_image, moving_face_frames, write_video

from core.errors import Cancelled, FrameHashesInvalid, OutputBesideEvidence
from core.forensic.integrity import (
    EvidenceHashes,
    FrameHash,
    _time_base,
    check_unchanged,
    compare_frame_hashes,
    frame_hashes,
    frame_md5,
    framemd5_text,
    hash_evidence,
    parse_framemd5,
    refuse_beside_evidence,
)
from core.video import iter_frames

ABC = {
    "sha256": "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    "md5": "900150983cd24fb0d6963f7d28e17f72",
    "sha1": "a9993e364706816aba3e25717850c26c9cd0d89d",
}


def test_hashes_match_published_values_for_abc(tmp_path):
    f = tmp_path / "abc.bin"
    f.write_bytes(b"abc")
    h = hash_evidence(f, ["md5", "sha1"])
    assert (h.sha256, h.md5, h.sha1) == (ABC["sha256"], ABC["md5"], ABC["sha1"])
    assert h.size_bytes == 3 and h.mtime_ns == f.stat().st_mtime_ns
    assert list(h.digests()) == ["sha256", "md5", "sha1"]
    assert EvidenceHashes.from_json(h.to_json()) == h


def test_sha256_only_by_default_and_large_file_streams(tmp_path):
    f = tmp_path / "big.bin"
    data = np.random.default_rng(0).integers(0, 256, 9 * 1024 * 1024 + 7, dtype=np.uint8).tobytes()
    f.write_bytes(data)
    seen = []
    h = hash_evidence(f, progress=lambda d, t: seen.append((d, t)))
    assert h.sha256 == hashlib.sha256(data).hexdigest() and h.md5 is None and h.sha1 is None
    assert len(seen) == 3 and seen[-1] == (len(data), len(data))  # three 4 MiB chunks


def test_unknown_algorithm_is_refused(tmp_path):
    f = tmp_path / "a"
    f.write_bytes(b"x")
    with pytest.raises(ValueError, match="crc32"):
        hash_evidence(f, ["crc32"])


def test_hashing_can_be_cancelled(tmp_path):
    f = tmp_path / "a"
    f.write_bytes(b"x" * 100)
    with pytest.raises(Cancelled):
        hash_evidence(f, should_cancel=lambda: True)


def test_unchanged_file_passes_the_check(tmp_path):
    f = tmp_path / "ev.bin"
    f.write_bytes(b"evidence")
    check = check_unchanged(hash_evidence(f, ["md5"]))
    assert check.unchanged and check.content_unchanged and check.changes == ()
    assert check.after.md5 == hashlib.md5(b"evidence").hexdigest()


def test_changed_content_is_reported_with_both_hashes(tmp_path):
    f = tmp_path / "ev.bin"
    f.write_bytes(b"evidence")
    before = hash_evidence(f, ["sha1"])
    f.write_bytes(b"evidencE")
    check = check_unchanged(before)
    assert not check.content_unchanged and not check.unchanged
    text = " ".join(check.changes)
    assert before.sha256 in text and hashlib.sha256(b"evidencE").hexdigest() in text and "SHA-1" in text


def test_touched_file_is_reported_but_content_is_the_same(tmp_path):
    f = tmp_path / "ev.bin"
    f.write_bytes(b"evidence")
    before = hash_evidence(f)
    os.utime(f, ns=(before.mtime_ns + 5_000_000_000, before.mtime_ns + 5_000_000_000))
    check = check_unchanged(before)
    assert check.content_unchanged and not check.unchanged
    assert check.changes[0].startswith("Modification time")


def test_missing_file_is_reported(tmp_path):
    f = tmp_path / "ev.bin"
    f.write_bytes(b"evidence")
    before = hash_evidence(f)
    f.unlink()
    check = check_unchanged(before)
    assert check.after is None and not check.content_unchanged and "no longer exists" in check.changes[0]


def test_nothing_is_written_beside_evidence(tmp_path):
    ev = tmp_path / "case" / "clip.avi"
    ev.parent.mkdir()
    ev.write_bytes(b"v")
    with pytest.raises(OutputBesideEvidence, match="clip.avi"):
        refuse_beside_evidence(ev.parent / "report.html", [ev])
    with pytest.raises(OutputBesideEvidence):
        refuse_beside_evidence(ev, [ev])
    with pytest.raises(OutputBesideEvidence):  # nor in a folder inside the evidence folder
        refuse_beside_evidence(ev.parent / "sub" / "deeper" / "x.json", [ev])
    (tmp_path / "link").symlink_to(ev.parent)
    with pytest.raises(OutputBesideEvidence):  # nor through a link to it
        refuse_beside_evidence(tmp_path / "link" / "x.json", [ev])
    refuse_beside_evidence(tmp_path / "reports" / "report.html", [ev])  # another folder is fine
    refuse_beside_evidence(tmp_path / "case-reports" / "r.html", [ev])  # a sibling with the same prefix too


# --- per-frame hashes ------------------------------------------------------------------------


def test_frame_hashes_are_md5_of_the_decoded_rgb_pixels(face_video):
    expected = {i: hashlib.md5(rgb.tobytes()).hexdigest() for i, _, rgb in iter_frames(face_video)}
    got = list(frame_hashes(face_video))
    assert [h.index for h in got] == list(range(30))
    assert {h.index: h.md5 for h in got} == expected
    assert all(h.size == 160 * 120 * 3 for h in got)


def test_frame_hashes_cover_the_requested_range(face_video):
    got = list(frame_hashes(face_video, start=4, stop=20, every=3))
    assert [h.index for h in got] == [4, 7, 10, 13, 16, 19]
    full = {h.index: h.md5 for h in frame_hashes(face_video)}
    assert all(full[h.index] == h.md5 for h in got)


def test_frame_md5_rejects_what_is_not_an_rgb_frame():
    with pytest.raises(ValueError):
        frame_md5(np.zeros((4, 4), np.uint8))
    assert frame_md5(np.zeros((2, 2, 3), np.uint8)) == hashlib.md5(bytes(12)).hexdigest()


def test_framemd5_text_round_trips_and_follows_ffmpeg_layout(face_video):
    hashes = list(frame_hashes(face_video, every=2))
    text = framemd5_text(hashes + [FrameHash(31, 0, None)], source="face.avi", source_sha256="ab" * 32, fps=10.0,
                         width=160, height=120, software="test")
    lines = text.splitlines()
    assert lines[0] == "#format: frame checksums" and "#tb 0: 1/10" in lines and "#dimensions 0: 160x120" in lines
    assert lines[lines.index("#stream#, dts,        pts, duration,     size, hash") + 1].startswith("0,          0,")
    assert "#decode_error 0: frame 31" in lines
    parsed = parse_framemd5(text)
    assert parsed == tuple(hashes) + (FrameHash(31, 0, None),)


def test_parse_accepts_ffmpeg_output_and_rejects_garbage():
    ffmpeg = ("#format: frame checksums\n#version: 2\n#hash: MD5\n#tb 0: 1/25\n"
              "#stream#, dts,        pts, duration,     size, hash\n"
              "0,          0,          0,        1,   230400, 5fbfb4b07e2bf3a0f4fb8f8c1cc1a4c3\n")
    assert parse_framemd5(ffmpeg) == (FrameHash(0, 230400, "5fbfb4b07e2bf3a0f4fb8f8c1cc1a4c3"),)
    with pytest.raises(FrameHashesInvalid, match="Line 2"):
        parse_framemd5("#x\nnot a line\n")


def test_one_changed_frame_is_found_by_its_hash(tmp_path):
    frames = moving_face_frames(12, (96, 72), face_image(32))
    a = write_video(tmp_path / "a.avi", frames)
    frames[7] = frames[7].copy()
    frames[7][5:15, 5:15] = 255
    b = write_video(tmp_path / "b.avi", frames)
    assert compare_frame_hashes(frame_hashes(a), frame_hashes(b)) == [7]
    assert compare_frame_hashes(frame_hashes(a), frame_hashes(a, stop=10)) == [10, 11]


def test_time_base_for_ntsc_rates():
    assert _time_base(30000 / 1001) == Fraction(1001, 30000)
    assert _time_base(25.0) == Fraction(1, 25)


def test_hashing_and_frame_hashing_leave_the_file_untouched(face_video, tmp_path):
    ev = shutil.copy2(face_video, tmp_path / "ev.avi")
    data, st = open(ev, "rb").read(), os.stat(ev)
    hash_evidence(ev, ["md5", "sha1"])
    list(frame_hashes(ev))
    assert open(ev, "rb").read() == data and os.stat(ev).st_mtime_ns == st.st_mtime_ns
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ev.avi"]


# --- around an analysis (core/forensic/record.py, used by the command line and the window) -----------


def test_record_detects_evidence_changed_during_analysis_and_logs_it(tiny_bundle, colour_detector, face_video,
                                                                    tmp_path):
    from core.analysis import Engine
    from core.forensic import audit, record

    log = audit.AuditLog(tmp_path / "audit.jsonl")
    ev = shutil.copy2(face_video, tmp_path / "ev.avi")
    engine = Engine(tiny_bundle, detector=colour_detector)
    before = record.open_evidence(ev, ["md5"], analyst="A", case_number="7", log=log)
    started = record.analysis_started(before, engine.model_ref(), engine_params(), log=log)
    result = engine.analyze(ev, engine_params(), use_cache=False, video_sha256=before.sha256)
    with open(ev, "r+b") as fh:  # altered after the engine's own check, before ours
        fh.seek(300)
        fh.write(b"\x01\x02")
    result = record.analysis_finished(before, result, engine, started, analyst="A", case_number="7", log=log)
    assert result.warnings[-1].startswith("EVIDENCE CHANGED") and before.md5 in result.warnings[-1]
    assert result.evidence_changed  # a typed field, kept through the JSON
    from core.result import AnalysisResult

    assert AnalysisResult.from_json(result.to_json()).evidence_changed
    prov = result.provenance
    assert prov["evidence"]["md5"] == before.md5 and not prov["integrity"]["content_unchanged"]
    assert prov["analyst"] == "A" and prov["case_number"] == "7" and prov["from_cache"] is False
    events = [e.event for e in log.entries()]
    assert events == [audit.FILE_OPENED, audit.ANALYSIS_STARTED, audit.EVIDENCE_CHANGED, audit.ANALYSIS_FINISHED]
    assert log.entries()[-1].data["evidence_unchanged"] is False and log.verify().ok


def test_record_marks_a_cached_result(tiny_bundle, colour_detector, face_video, tmp_path):
    from core.analysis import Engine
    from core.forensic import audit, record

    log = audit.AuditLog(tmp_path / "audit.jsonl")
    engine = Engine(tiny_bundle, detector=colour_detector)
    engine.analyze(face_video, engine_params())  # fills the cache
    before = record.open_evidence(face_video, log=log)
    started = record.analysis_started(before, engine.model_ref(), engine_params(), log=log)
    result = engine.analyze(face_video, engine_params(), video_sha256=before.sha256)
    result = record.analysis_finished(before, result, engine, started, log=log)
    assert result.provenance["from_cache"] is True and result.provenance["integrity"]["unchanged"]
    assert log.entries()[-1].data["from_cache"] is True and not result.evidence_changed
    # the engine says it was a hit; no clock comparison (a stored result 'from the future' is still a hit)
    hit = engine.analyze(face_video, engine_params(), video_sha256=before.sha256)
    assert hit.from_cache and not engine.analyze(face_video, engine_params(), use_cache=False).from_cache
    from dataclasses import replace

    skewed = replace(hit, started="2999-01-01T00:00:00+00:00")
    assert record.analysis_finished(before, skewed, engine, started, log=log).provenance["from_cache"] is True


def engine_params():
    from core.analysis import AnalysisParams

    return AnalysisParams(detect_every=2)
