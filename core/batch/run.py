"""The batch job: every video under some folders, analysed, recorded and summarised, resumably.

    summary = run_batch(BatchRequest(inputs=("/evidence/phone",), out="/cases/42/batch"), progress, cancel)

In order: find the videos (:mod:`core.batch.inputs`); hash each one and write the manifest
(``manifest.json``, and a copy per run under ``manifests/``) before any analysis; skip the
videos whose results are already there for the same hash, model and parameters
(:mod:`core.batch.outputs`); analyse the rest on the chosen executor (this process, N local
processes, or a Ray cluster), writing each result as it arrives and the summary every few
seconds and at the end. Every step is in the audit log under one batch id: ``batch_started``,
per video ``file_opened`` (purpose "batch"), ``analysis_started`` and ``analysis_finished``
(with the result file's SHA-256) / ``analysis_failed`` / ``analysis_cancelled`` or
``batch_video_skipped``, then ``batch_finished``. Only this process (the driver) writes the
output folder and the log; the evidence is only read.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import partial

from core.analysis import AnalysisParams
from core.batch import summary
from core.batch.inputs import BatchInput, check_output_folder, find_videos
from core.batch.local import RunSpec, Started, run_inline, run_processes
from core.batch.outputs import BatchRow, result_paths, row_from_doc
from core.batch.outputs import finished_doc as _finished
from core.batch.task import Outcome, Task
from core.errors import Cancelled, InspectorError, NoVideos
from core.forensic import atomic, audit, record
from core.forensic.hashing import sha256_text
from core.forensic.integrity import hash_evidence
from core.jobs import JobProgress
from core.result import ModelRef

MANIFEST_SCHEMA = "deepfake-inspector/batch-manifest@1"
DEFAULT_WORKERS = 1  # measured: README, "Batch" (bench/batch_speed.py)
SUMMARY_EVERY_S = 5.0


@dataclass(frozen=True)
class BatchRequest:
    inputs: tuple[str, ...]
    out: str
    model: str | None = None  # id or bundle folder; None: the default model
    params: AnalysisParams = field(default_factory=AnalysisParams)
    workers: int = DEFAULT_WORKERS
    ray: str | None = None  # a Ray address, "auto" or "local"; None: run on this machine
    use_cache: bool = True
    analyst: str = ""
    case_number: str = ""
    factory: Callable | None = None  # () -> Engine, picklable; None: the model with MTCNN

    def describe(self) -> dict:
        return {"inputs": list(self.inputs), "out": str(self.out), "model": self.model, "workers": self.workers,
                "ray": self.ray, "params": self.params.to_json(), "use_cache": self.use_cache}


@dataclass(frozen=True)
class BatchProgress(JobProgress):
    """``stage``: hashing, skipping (finished by an earlier run), analysing, done; ``done``: videos
    settled (finished, skipped or failed) of ``total``; ``row``: the partial result."""

    row: BatchRow | None = None  # the row that just changed


@dataclass(frozen=True)
class BatchSummary:
    batch_id: str
    out: str
    rows: tuple[BatchRow, ...]
    cancelled: bool
    elapsed_s: float

    @property
    def counts(self) -> dict[str, int]:
        return summary.counts(list(self.rows))


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


class _Batch:
    def __init__(self, req: BatchRequest, progress, should_cancel, log):
        from core.models.bundle import resolve

        if req.workers < 1:
            raise ValueError("workers must be at least 1")
        self.req = req
        self.report = progress or (lambda p: None)
        self.cancelled = should_cancel or (lambda: False)
        self.log = log or audit.default_log()
        self.items: list[BatchInput] = find_videos(list(req.inputs))
        if not self.items:
            raise NoVideos(f"No video files under {', '.join(map(str, req.inputs))}.")
        self.out = check_output_folder(req.out, list(req.inputs))
        self.bundle = resolve(req.model)  # the card only: the weights load in the workers
        self.model_sha = self.bundle.weights_sha256()
        self.id = uuid.uuid4().hex[:12]
        self.t0 = time.perf_counter()
        self.rows = [BatchRow(rel=i.rel, path=i.path) for i in self.items]
        self.befores: dict[int, object] = {}
        self.last_summary = 0.0
        self.settled = 0

    # -- steps ------------------------------------------------------------------------------
    def hash_all(self) -> None:
        n = len(self.items)
        for k, item in enumerate(self.items):
            if self.cancelled():
                raise Cancelled("The batch was cancelled while hashing.")
            try:
                before = hash_evidence(item.path, ["sha256"], should_cancel=self.cancelled)
            except OSError as exc:
                self.rows[k] = replace(self.rows[k], status="failed", error=type(exc).__name__,
                                       message=f"cannot read the file: {exc.strerror or exc}")
                self.settled += 1
            else:
                self.befores[k] = before
                self.rows[k] = replace(self.rows[k], sha256=before.sha256)
                record.file_opened(before, analyst=self.req.analyst, case_number=self.req.case_number,
                                   purpose="batch", log=self.log, batch=self.id)
            self.report(BatchProgress("hashing", k + 1, n, self._elapsed(), None, self.rows[k]))

    def write_manifest(self) -> str:
        doc = {"schema": MANIFEST_SCHEMA, "batch": self.id, "created": _now(), "request": self.req.describe(),
               "model": {"id": self.bundle.id, "sha256": self.model_sha, "path": str(self.bundle.path)},
               "videos": [{"rel": item.rel, **(self.befores[k].to_json() if k in self.befores else
                                               {"path": item.path, "error": self.rows[k].message})}
                          for k, item in enumerate(self.items)]}
        text = atomic.json_text(doc)
        atomic.write_text(self.out / "manifests" / f"{self.id}.json", text)
        atomic.write_text(self.out / "manifest.json", text)
        return sha256_text(text)

    def skip_finished(self) -> list[Task]:
        tasks = []
        for k, before in self.befores.items():
            json_path, _ = result_paths(self.out, self.items[k].rel)
            found = _finished(json_path, before.sha256, self.model_sha, self.req.params, self.bundle)
            if found is None:
                tasks.append(Task(k, self.items[k].path, before))
                continue
            doc, text = found
            self.rows[k] = row_from_doc(self.items[k].rel, self.items[k].path, doc, text, "skipped")
            self.settled += 1
            self.log.append(audit.BATCH_VIDEO_SKIPPED, batch=self.id, path=before.path, sha256=before.sha256,
                            result=str(json_path), result_sha256=self.rows[k].result_sha256)
            self.report(BatchProgress("skipping", self.settled, len(self.items), self._elapsed(), None, self.rows[k]))
        return tasks

    def events(self, tasks: list[Task]):
        req = self.req
        factory = req.factory or partial(_engine, str(self.bundle.path))
        spec = RunSpec(factory, req.params, req.use_cache, req.analyst, req.case_number)
        if req.ray:
            from core.batch.cluster import run_ray

            return run_ray(spec, tasks, req.workers, self.cancelled, req.ray)
        if req.workers > 1 and len(tasks) > 1:
            return run_processes(spec, tasks, req.workers, self.cancelled)
        return run_inline(spec, tasks, self.cancelled)

    def started(self, ev: Started) -> None:
        before = self.befores[ev.index]
        record.analysis_started(before, ModelRef.of(self.bundle, self.model_sha), self.req.params,
                                analyst=self.req.analyst, case_number=self.req.case_number, log=self.log,
                                batch=self.id, host=ev.host)

    def settle(self, o: Outcome) -> None:
        item, before = self.items[o.index], self.befores[o.index]
        if o.ok:
            json_path, csv_path = result_paths(self.out, item.rel)
            text = atomic.json_text(o.doc)
            atomic.write_text(csv_path, o.csv)
            atomic.write_text(json_path, text)  # last: its presence is what "finished" means
            row = self.rows[o.index] = row_from_doc(item.rel, item.path, o.doc, text, "done")
            record.result_written(before, o.doc, self.log, batch=self.id, result=str(json_path),
                                  result_sha256=row.result_sha256, host=o.host)
        elif o.cancelled:
            self.rows[o.index] = replace(self.rows[o.index], status="cancelled", host=o.host)
            record.analysis_cancelled(before, "cancelled", self.log, batch=self.id)
            return
        else:
            self.rows[o.index] = replace(self.rows[o.index], status="failed", error=o.error, message=o.message,
                                         host=o.host)
            record.analysis_failed(before, o.error, self.log, message=o.message, batch=self.id)
        self.settled += 1

    def write_summary(self, force: bool = False) -> str | None:
        """Write the summary (every few seconds, or now with ``force``); returns its CSV text when written."""
        now = time.perf_counter()
        if force or now - self.last_summary >= SUMMARY_EVERY_S:
            self.last_summary = now
            return summary.write(self.out, self.rows, self.info())
        return None

    def info(self) -> dict:
        return {"batch": self.id, "model": self.bundle.id, "model_sha256": self.model_sha,
                "every": self.req.params.every, "workers": self.req.workers, "ray": self.req.ray or "",
                "updated": _now()}

    def _elapsed(self) -> float:
        return time.perf_counter() - self.t0


def _engine(bundle_path: str):
    from core.analysis import Engine

    return Engine(bundle_path)


def run_batch(req: BatchRequest, progress: Callable[[BatchProgress], None] | None = None,
              should_cancel: Callable[[], bool] | None = None, log: audit.AuditLog | None = None) -> BatchSummary:
    """Run (or resume) the batch; returns its rows. Cancelling leaves every finished result in place
    and the summary written; the same request later goes on from there."""
    b = _Batch(req, progress, should_cancel, log)
    b.out.mkdir(parents=True, exist_ok=True)
    cancelled = False
    try:
        b.hash_all()
    except Cancelled:
        cancelled = True
    manifest_sha = b.write_manifest()
    tasks = [] if cancelled else b.skip_finished()
    b.log.append(audit.BATCH_STARTED, batch=b.id, **b.req.describe(), model_id=b.bundle.id,
                 model_sha256=b.model_sha, videos=len(b.items), to_analyse=len(tasks),
                 skipped=sum(r.status == "skipped" for r in b.rows), manifest_sha256=manifest_sha)
    started: set[int] = set()
    error = ""
    analysed_s: list[float] = []
    t_run = time.perf_counter()
    try:
        if tasks:
            for ev in b.events(tasks):
                if isinstance(ev, Started):
                    started.add(ev.index)
                    b.started(ev)
                    continue
                started.discard(ev.index)
                b.settle(ev)
                if ev.ok:
                    analysed_s.append(time.perf_counter() - t_run)
                left = len(b.items) - b.settled
                eta = (analysed_s[-1] / len(analysed_s)) * left if analysed_s else None
                b.report(BatchProgress("analysing", b.settled, len(b.items), b._elapsed(), eta, b.rows[ev.index]))
                b.write_summary()
        cancelled = cancelled or b.cancelled()
    except InspectorError as exc:  # the model could not be loaded: no video can run
        error = type(exc).__name__
        raise
    finally:
        for k in started:  # in flight when the batch stopped
            b.settle(Outcome(k, cancelled=True))
        table = b.write_summary(force=True)
        b.log.append(audit.BATCH_FINISHED, batch=b.id, stopped=cancelled, error=error,
                     elapsed_s=round(b._elapsed(), 3), **summary.counts(b.rows), summary_sha256=sha256_text(table))
    b.report(BatchProgress("done", b.settled, len(b.items), b._elapsed(), 0.0))
    return BatchSummary(b.id, str(b.out), tuple(b.rows), cancelled, b._elapsed())
