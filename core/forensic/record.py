"""The steps around an analysis that make it a record, run in this order by
:func:`core.analyse_evidence.analyse_evidence` (the command line and the window call that).

    record.model_used(engine)                                                    # once per model
    before = record.open_evidence(path, ["md5"], analyst=..., case_number=...)   # hash + file_opened
    started = record.analysis_started(before, engine.model_ref(), resolved)       # analysis_started
    result = engine.analyze(path, params, ..., video_sha256=before.sha256)
    result = record.analysis_finished(before, result, engine, started)            # hash again, provenance,
                                                                                 # analysis_finished/cancelled
    # on an exception: record.analysis_failed(before, exc) or record.analysis_cancelled(before)

Every step appends to the audit log (the user's, or ``log``) and raises AuditLogError when it
cannot: an analysis that cannot be recorded is not started. A batch, whose analyses run in other
processes or on other hosts, writes the same entries through the same functions, with its id and
the host as further fields (:func:`result_written` for an outcome that arrives as a document).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import UTC, datetime

from core.forensic import audit
from core.forensic.integrity import EvidenceHashes, IntegrityCheck, check_unchanged, hash_evidence
from core.forensic.provenance import annotate
from core.result import EVIDENCE_CHANGED_WARNING


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def open_evidence(path: str | os.PathLike, extra_hashes: Iterable[str] = (), *, analyst: str = "",
                  case_number: str = "", log: audit.AuditLog | None = None,
                  progress: Callable[[int, int], None] | None = None,
                  should_cancel: Callable[[], bool] | None = None, purpose: str = "analysis") -> EvidenceHashes:
    """Hash the evidence (SHA-256 and ``extra_hashes``: md5, sha1) and log ``file_opened``;
    ``purpose``: "analysis", or "view" for a file opened in the player (looked at is on record too)."""
    before = hash_evidence(path, ["sha256", *extra_hashes], progress, should_cancel)
    file_opened(before, analyst=analyst, case_number=case_number, purpose=purpose, log=log)
    return before


def file_opened(before: EvidenceHashes, *, analyst: str = "", case_number: str = "", purpose: str = "analysis",
                log: audit.AuditLog | None = None, **context) -> None:
    """Log ``file_opened`` for evidence hashed as ``before``; ``context``: further fields (a batch's id)."""
    (log or audit.default_log()).append(audit.FILE_OPENED, **before.to_json(), analyst=analyst or "",
                                        case_number=case_number or "", purpose=purpose, **context)


def stored_result_viewed(path: str, result, *, log: audit.AuditLog | None = None) -> None:
    """A stored analysis was shown for the file (no new analysis ran): which one, of which model."""
    (log or audit.default_log()).append(
        audit.STORED_RESULT_VIEWED, path=path, sha256=result.sha256, model_id=result.model.id,
        model_sha256=result.model.sha256, verdict=result.verdict.label, score=result.verdict.score,
        finished=result.finished, frames=len(result.frames))


def model_used(engine, log: audit.AuditLog | None = None) -> None:
    m = engine.model_ref()
    (log or audit.default_log()).append(audit.MODEL_USED, id=m.id, name=m.name, architecture=m.architecture,
                                        sha256=m.sha256, path=str(engine.bundle.path))


def analysis_started(before: EvidenceHashes, model, params, *, analyst: str = "", case_number: str = "",
                     log: audit.AuditLog | None = None, **context) -> str:
    """Log ``analysis_started`` of ``model`` (a :class:`core.result.ModelRef`) with ``params``: the
    parameters the engine will use (:meth:`AnalysisParams.resolved`; a batch, which has not probed
    the file, logs them as asked). Returns the start time to pass to :func:`analysis_finished`."""
    started = _now()
    (log or audit.default_log()).append(
        audit.ANALYSIS_STARTED, path=before.path, sha256=before.sha256, model_id=model.id, model_sha256=model.sha256,
        params=params.to_json(), analyst=analyst or "", case_number=case_number or "", **context)
    return started


def _models(engines) -> dict:
    """``model_ids`` for an entry that ends the analyses of these engines (each had its start logged)."""
    return {"model_ids": [e.model_ref().id for e in engines]} if engines else {}


def analysis_cancelled(before: EvidenceHashes, reason: str = "cancelled", log: audit.AuditLog | None = None,
                       engines=(), **context) -> None:
    """For a cancel that raised (a finished-but-incomplete result goes to :func:`analysis_finished`);
    ``engines``: every model whose ``analysis_started`` this one entry ends."""
    (log or audit.default_log()).append(audit.ANALYSIS_CANCELLED, path=before.path, sha256=before.sha256,
                                        reason=reason, **_models(engines), **context)


def analysis_failed(before: EvidenceHashes, exc: BaseException | str, log: audit.AuditLog | None = None,
                    engines=(), message: str | None = None, **context) -> None:
    """The analysis (of every model in ``engines``, when given) failed with ``exc``: the exception, or
    its type's name and ``message`` when it was raised elsewhere (a batch worker's process or host)."""
    error = exc if isinstance(exc, str) else type(exc).__name__
    text = str(exc) if message is None else message
    (log or audit.default_log()).append(audit.ANALYSIS_FAILED, path=before.path, sha256=before.sha256,
                                        error=error, message=_bounded(text), **_models(engines), **context)


MAX_MESSAGE = 2000  # characters of an error message kept in the log (a message can quote a whole input)


def _bounded(text: str) -> str:
    return text if len(text) <= MAX_MESSAGE else text[:MAX_MESSAGE] + f"… ({len(text):,} characters)"


def analysis_finished(before: EvidenceHashes, result, engine, started: str, *, analyst: str = "",
                      case_number: str = "", log: audit.AuditLog | None = None,
                      progress: Callable[[int, int], None] | None = None, check: IntegrityCheck | None = None):
    """Hash the evidence again, add the record to the result's provenance and log the outcome.

    ``check``: the evidence already hashed again after this analysis (several models analysed in
    one pass share one check: the file is hashed once, not once per model).

    Returns the annotated result. A content change sets ``evidence_changed``, adds a warning saying
    so (when the engine did not already) and logs an ``evidence_changed`` event. A result the engine
    took from its cache is marked ``from_cache`` in the provenance. A cancelled (incomplete) result
    logs ``analysis_cancelled`` with the frames kept.
    """
    log = log or audit.default_log()
    check = check if check is not None else check_unchanged(before, progress)
    warnings = list(result.warnings)
    if not check.content_unchanged and not result.evidence_changed:
        warnings.append(EVIDENCE_CHANGED_WARNING + " ".join(check.changes))
    from_cache = result.from_cache
    changed = result.evidence_changed or not check.content_unchanged
    result = annotate(replace(result, warnings=tuple(warnings), evidence_changed=changed), card=engine.bundle.card,
                      analyst=analyst or None,
                      case_number=case_number or None, evidence=before, integrity=check, from_cache=from_cache)
    if not check.content_unchanged:
        log.append(audit.EVIDENCE_CHANGED, path=before.path, changes=list(check.changes))
    v = result.verdict
    _ended(log, before, result.model.sha256, v.label, v.score, len(result.frames), len(result.segments),
           result.complete, from_cache, check.unchanged, started=started)
    # the log's head just after this analysis's entry: verify later checks the log still holds it
    return replace(result, provenance={**result.provenance, "audit_anchor": log.head()})


def result_written(before: EvidenceHashes, doc: dict, log: audit.AuditLog, **context) -> None:
    """The outcome of an analysis run elsewhere (a batch worker), logged once its result document
    ``doc`` is written: an evidence change the engine found, then ``analysis_finished``;
    ``context``: the batch, host, result file and its hash."""
    if doc.get("evidence_changed"):
        log.append(audit.EVIDENCE_CHANGED, path=before.path, batch=context.get("batch"),
                   changes=[w for w in doc["warnings"] if w.startswith(EVIDENCE_CHANGED_WARNING)])
    v = doc["verdict"]
    _ended(log, before, doc["model"]["sha256"], v["label"], v["score"], len(doc["frames"]), len(doc["segments"]),
           doc.get("complete", True), bool(doc["provenance"].get("from_cache")), not doc.get("evidence_changed"),
           **context)


def _ended(log: audit.AuditLog, before: EvidenceHashes, model_sha256: str, verdict: str, score, frames: int,
           segments: int, complete: bool, from_cache: bool, evidence_unchanged: bool, **context) -> None:
    event = audit.ANALYSIS_FINISHED if complete else audit.ANALYSIS_CANCELLED
    log.append(event, path=before.path, sha256=before.sha256, model_sha256=model_sha256, verdict=verdict,
               score=score, frames=frames, segments=segments, complete=complete, from_cache=from_cache,
               evidence_unchanged=evidence_unchanged, **context)
