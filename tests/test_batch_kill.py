"""A batch killed outright (SIGKILL, as a crash or a pulled plug would) and run again finishes the rest
without redoing any video it had finished: the command line as a subprocess, real MTCNN."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from media import astronaut_face_video

from core.forensic import audit
from core.forensic.hashing import sha256_file

ROOT = Path(__file__).resolve().parents[1]
CLIPS = 8


def _finished(out: Path) -> dict[str, tuple[int, str]]:
    """Result JSONs in ``out`` (not the summary or manifests, not a write in progress): mtime and hash."""
    found = {}
    for p in (out / "cam").rglob("*.json"):
        if not p.name.startswith("."):
            found[p.relative_to(out).as_posix()] = (p.stat().st_mtime_ns, sha256_file(p))
    return found


@pytest.mark.slow
def test_a_killed_batch_run_again_finishes_the_rest_without_redoing_any(tiny_bundle, tmp_path):
    cam = tmp_path / "evidence" / "cam"
    cam.mkdir(parents=True)
    for k in range(CLIPS):
        astronaut_face_video(cam / f"v{k}.avi", n=24 + k)  # each its own hash
    out = tmp_path / "out"
    env = {**os.environ, "DFI_HOME": str(tmp_path / "home")}
    argv = [sys.executable, str(ROOT / "main.py"), "batch", str(cam), "--out", str(out), "--model",
            str(tiny_bundle.path), "--no-cache"]

    p = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT)
    try:
        deadline = time.monotonic() + 240
        while len(_finished(out)) < 2:
            assert p.poll() is None, f"the batch ended before it could be killed:\n{p.stderr.read().decode()[-2000:]}"
            assert time.monotonic() < deadline, "no result after 240 s"
            time.sleep(0.02)
        p.send_signal(signal.SIGKILL)
        p.wait(timeout=30)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    assert p.returncode == -signal.SIGKILL
    first = _finished(out)  # now that nothing writes any more
    assert 2 <= len(first) < CLIPS, f"{len(first)} of {CLIPS} finished before the kill: not half-way"
    for rel in first:  # every result there is whole (the JSON is written last, atomically)
        assert json.loads((out / rel).read_text())["complete"] is True

    again = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert again.returncode == 0, again.stderr[-3000:]
    assert f"{CLIPS - len(first)} analysed, {len(first)} already finished, 0 failed" in again.stdout
    second = _finished(out)
    assert len(second) == CLIPS
    assert {rel: second[rel] for rel in first} == first  # untouched: same bytes, never rewritten
    # the audit log: the second batch skipped exactly those and analysed exactly the rest
    log = audit.AuditLog(tmp_path / "home" / "data" / "audit.jsonl")
    entries = list(log.entries())
    batches = [e.data["batch"] for e in entries if e.event == audit.BATCH_STARTED]
    assert len(batches) == 2
    mine = [e for e in entries if e.data.get("batch") == batches[1]]
    skipped = {Path(e.data["path"]).name for e in mine if e.event == audit.BATCH_VIDEO_SKIPPED}
    started = {Path(e.data["path"]).name for e in mine if e.event == audit.ANALYSIS_STARTED}
    assert skipped == {Path(rel).name[: -len(".json")] for rel in first}
    assert started == {f"v{k}.avi" for k in range(CLIPS)} - skipped
    assert log.verify().ok  # the kill left the hash chain whole
