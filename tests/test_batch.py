"""Batch analysis: whole folders, per-file failures, no overwritten outputs, resume, workers, Ray."""

from __future__ import annotations

import json
import os
import shutil
from functools import partial
from pathlib import Path

import numpy as np
import pytest
from detectors import colour_engine
from media import face_image, moving_face_frames, write_video

from core.analysis import AnalysisParams
from core.batch.inputs import check_output_folder, find_videos
from core.batch.outputs import result_paths
from core.batch.run import BatchRequest, run_batch
from core.errors import NoVideos, OutputBesideEvidence
from core.forensic import audit

UNREADABLE = {"broken/garbage.mp4", "broken/empty.avi", "broken/text.mov"}


def _clip(path: Path, seed: int, n: int = 6) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_video(path, moving_face_frames(n, (96, 72), face_image(40, seed=seed), step=3))


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    """40 videos: 37 readable in nested folders (two named clip.avi), 3 unreadable; plus files to skip."""
    root = tmp_path_factory.mktemp("seized") / "phone"
    for i in range(35):
        _clip(root / f"dcim/{i // 10}/v{i:02d}.avi", seed=i)
    _clip(root / "a/clip.avi", seed=100)
    _clip(root / "b/clip.avi", seed=101, n=8)
    (root / "broken").mkdir()
    (root / "broken/garbage.mp4").write_bytes(np.random.default_rng(0).bytes(5000))
    (root / "broken/empty.avi").write_bytes(b"")
    (root / "broken/text.mov").write_text("not a video")
    _clip(root / ".thumbnails/hidden.avi", seed=7)  # hidden folder: skipped
    (root / "notes.txt").write_text("no video")  # not a video suffix: skipped
    outside = _clip(root.parent / "elsewhere.avi", seed=8)
    (root / "link-out.avi").symlink_to(outside)  # leads out of the input: not followed
    return root


def _req(folder, out, bundle, **kw) -> BatchRequest:
    kw.setdefault("factory", partial(colour_engine, str(bundle.path)))
    return BatchRequest(inputs=(str(folder),), out=str(out), model=str(bundle.path), use_cache=False, **kw)


def _events(log: audit.AuditLog, batch: str) -> list[tuple[str, dict]]:
    return [(e.event, e.data) for e in log.entries() if e.data.get("batch") == batch]


def test_inputs_walk_skips_hidden_links_out_and_other_files(folder):
    rels = {i.rel for i in find_videos([folder])}
    assert len(rels) == 40
    assert {"phone/a/clip.avi", "phone/b/clip.avi"} <= rels and UNREADABLE <= {r[len("phone/"):] for r in rels}
    assert not any("hidden" in r or "link-out" in r or r.endswith(".txt") for r in rels)


def test_output_folder_inside_an_input_is_refused(folder, tmp_path):
    with pytest.raises(OutputBesideEvidence):
        check_output_folder(folder / "dcim" / "results", [folder])
    assert check_output_folder(tmp_path / "out", [folder]) == (tmp_path / "out").resolve()


def test_no_videos_is_an_error_not_an_empty_batch(tmp_path, tiny_bundle, log):
    (tmp_path / "empty").mkdir()
    with pytest.raises(NoVideos):
        run_batch(_req(tmp_path / "empty", tmp_path / "out", tiny_bundle), log=log)


@pytest.fixture(scope="module")
def first_run(folder, tiny_bundle, tmp_path_factory):
    out = tmp_path_factory.mktemp("batch") / "out"
    log = audit.AuditLog(out.parent / "audit.jsonl")
    return out, log, run_batch(_req(folder, out, tiny_bundle), log=log)


def test_forty_clips_forty_rows_failures_recorded_nothing_overwritten(folder, first_run):
    out, log, s = first_run
    rows = {r.rel: r for r in s.rows}
    assert len(rows) == 40 and not s.cancelled
    failed = {r.rel[len("phone/"):] for r in s.rows if r.status == "failed"}
    assert failed == UNREADABLE
    assert all(rows[f"phone/{u}"].error for u in UNREADABLE)
    assert all(r.status == "done" for r in s.rows if r.rel[len("phone/"):] not in UNREADABLE)
    # the two clip.avi: two outputs, each naming its own file's hash and frame count
    for sub, frames in (("a", 6), ("b", 8)):
        doc = json.loads(result_paths(out, f"phone/{sub}/clip.avi")[0].read_text())
        assert doc["video"]["sha256"] == rows[f"phone/{sub}/clip.avi"].sha256
        assert doc["video"]["frames"] == frames
        assert result_paths(out, f"phone/{sub}/clip.avi")[1].read_text().count("\n") > frames
    assert rows["phone/a/clip.avi"].sha256 != rows["phone/b/clip.avi"].sha256
    # the faces were found and scored
    assert all(r.verdict in ("fake", "real", "inconclusive") for r in s.rows if r.status == "done")
    # summary: CSV, JSON and a self-contained HTML with one table row per video
    assert (out / "summary.csv").read_text().count("\n") == 41
    assert json.loads((out / "summary.json").read_text())["counts"]["failed"] == 3
    html = (out / "summary.html").read_text()
    assert html.count("<tr class=") == 40 and "http" not in html
    manifest = json.loads((out / "manifest.json").read_text())
    assert len(manifest["videos"]) == 40 and (out / "manifests" / f"{s.batch_id}.json").is_file()
    # the audit log: the batch, each file hashed, each analysis started and ended
    ev = _events(log, s.batch_id)
    names = [e for e, _ in ev]
    assert names[0] != audit.BATCH_FINISHED and names[-1] == audit.BATCH_FINISHED
    assert names.count(audit.FILE_OPENED) == 40 and names.count(audit.BATCH_STARTED) == 1
    assert names.count(audit.ANALYSIS_FINISHED) == 37 and names.count(audit.ANALYSIS_FAILED) == 3
    finished = {d["path"]: d["result_sha256"] for e, d in ev if e == audit.ANALYSIS_FINISHED}
    from core.forensic.hashing import sha256_file

    assert finished[str(folder / "a/clip.avi")] == sha256_file(result_paths(out, "phone/a/clip.avi")[0])


def test_rerun_skips_finished_and_redoes_damaged_or_different(folder, first_run, tiny_bundle):
    out, log, _ = first_run
    damaged = result_paths(out, "phone/dcim/0/v03.avi")[0]
    kept = result_paths(out, "phone/dcim/1/v12.avi")[0]
    kept_stat = kept.stat()
    damaged.write_text(damaged.read_text()[:200])  # as if cut short by hand
    s = run_batch(_req(folder, out, tiny_bundle), log=log)
    by = {r.rel: r.status for r in s.rows}
    assert by["phone/dcim/0/v03.avi"] == "done"
    assert sum(v == "skipped" for v in by.values()) == 36 and sum(v == "failed" for v in by.values()) == 3
    assert kept.stat().st_mtime_ns == kept_stat.st_mtime_ns
    started = [d["path"] for e, d in _events(log, s.batch_id) if e == audit.ANALYSIS_STARTED]
    assert sorted(started) == sorted([str(folder / "dcim/0/v03.avi"), *(str(folder / u) for u in UNREADABLE)])
    # other parameters: nothing counts as finished
    s2 = run_batch(_req(folder / "a", out.parent / "every2", tiny_bundle, params=AnalysisParams(every=2)), log=log)
    assert [r.status for r in s2.rows] == ["done"]
    s3 = run_batch(_req(folder / "a", out.parent / "every2", tiny_bundle), log=log)
    assert [r.status for r in s3.rows] == ["done"]


def _comparable(doc: dict) -> dict:
    """A result without what differs between runs by nature: timings and where it ran."""
    d = json.loads(json.dumps(doc))
    for k in ("started", "finished", "elapsed_s"):
        d.pop(k)
    d["provenance"].pop("host")
    d["provenance"]["evidence"].pop("computed_at")  # when the manifest hashed the file
    return d


def _docs(out: Path, s) -> dict:
    return {r.rel: _comparable(json.loads(result_paths(out, r.rel)[0].read_text())) for r in s.rows
            if r.status == "done"}


@pytest.fixture(scope="module")
def small(tmp_path_factory, folder):
    d = tmp_path_factory.mktemp("small") / "cam"
    for sub in ("a", "b"):
        shutil.copytree(folder / sub, d / sub)
    shutil.copytree(folder / "dcim" / "0", d / "dcim")
    shutil.copy(folder / "broken/garbage.mp4", d / "garbage.mp4")
    return d  # 13 files, one unreadable


@pytest.mark.slow
def test_two_worker_processes_give_the_same_results(small, tiny_bundle, tmp_path, log):
    one = run_batch(_req(small, tmp_path / "one", tiny_bundle), log=log)
    two = run_batch(_req(small, tmp_path / "two", tiny_bundle, workers=2), log=log)
    assert [r.status for r in one.rows] == [r.status for r in two.rows]
    assert _docs(tmp_path / "one", one) == _docs(tmp_path / "two", two)
    assert len(_docs(tmp_path / "two", two)) == 12


def crashing_engine(bundle_path: str, crash_on: str):
    """An engine whose process dies (as a decoder crash would) on one file."""
    engine = colour_engine(bundle_path)
    analyze = engine.analyze

    def maybe_crash(path, *a, **kw):
        if Path(path).name == crash_on:
            os._exit(9)
        return analyze(path, *a, **kw)

    engine.analyze = maybe_crash
    return engine


@pytest.mark.slow
def test_a_worker_that_dies_fails_only_its_video(small, tiny_bundle, tmp_path, log):
    s = run_batch(_req(small, tmp_path / "out", tiny_bundle, workers=2,
                       factory=partial(crashing_engine, str(tiny_bundle.path), "v04.avi")), log=log)
    by = {r.rel: r for r in s.rows}
    assert by["cam/dcim/v04.avi"].status == "failed" and by["cam/dcim/v04.avi"].error == "WorkerCrashed"
    assert sum(r.status == "done" for r in s.rows) == 11


def test_cancel_keeps_finished_results_and_resume_finishes_the_rest(small, tiny_bundle, tmp_path, log):
    seen = []

    def progress(p):
        if p.stage == "analysing":
            seen.append(p.row.rel)

    s = run_batch(_req(small, tmp_path / "out", tiny_bundle), progress, lambda: len(seen) >= 4, log=log)
    assert s.cancelled and s.counts["done"] + s.counts["failed"] == 4 and s.counts["pending"] == 9
    summary_rows = json.loads((tmp_path / "out" / "summary.json").read_text())["rows"]
    assert sum(r["status"] == "pending" for r in summary_rows) == 9
    again = run_batch(_req(small, tmp_path / "out", tiny_bundle), log=log)
    assert not again.cancelled and again.counts["pending"] == 0
    assert again.counts["skipped"] == s.counts["done"]
    assert again.counts["done"] + again.counts["skipped"] == 12


@pytest.mark.slow
def test_ray_run_matches_the_local_run(small, tiny_bundle, tmp_path, log):
    pytest.importorskip("ray")
    local = run_batch(_req(small, tmp_path / "local", tiny_bundle), log=log)
    on_ray = run_batch(_req(small, tmp_path / "ray", tiny_bundle, workers=2, ray="local"), log=log)
    assert [(r.rel, r.status, r.error) for r in on_ray.rows] == [(r.rel, r.status, r.error) for r in local.rows]
    assert _docs(tmp_path / "ray", on_ray) == _docs(tmp_path / "local", local)


def test_cli_batch_records_failures_in_the_exit_status_and_resumes(small, tiny_bundle, tmp_path, capsys):
    import cli

    argv = ["batch", str(small / "a"), str(small / "garbage.mp4"), "--out", str(tmp_path / "out"),
            "--model", str(tiny_bundle.path), "--no-cache"]
    assert cli.run(argv) == 5  # the garbage file failed; the clip was analysed
    first = capsys.readouterr().out
    assert "1 analysed, 0 already finished, 1 failed" in first
    assert result_paths(tmp_path / "out", "a/clip.avi")[0].is_file()
    assert cli.run(argv) == 5
    assert "0 analysed, 1 already finished, 1 failed" in capsys.readouterr().out
