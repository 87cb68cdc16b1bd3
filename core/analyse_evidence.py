"""One analysis of an evidence file, for the record: the job the window and ``main.py analyze`` both run.

    results = analyse_evidence(path, [engine, *compared], params, analyst=..., case_number=...,
                               progress=..., should_cancel=...)

In order, and nowhere else:
1. the file is probed once (the frame rate resolves the parameters; the engine reuses the probe);
2. ``model_used`` per model, then the evidence is hashed and ``file_opened`` logged;
3. ``analysis_started`` per model, with the parameters resolved once;
4. :func:`core.analysis.analyze_together` decodes, detects, tracks and scores (or takes each model's
   stored result from the cache, which the result then says);
5. the file is hashed once more, whatever the number of models, and each result gets its
   provenance and its ``analysis_finished`` (or ``analysis_cancelled`` for a partial one) entry.

It ends in one of three ways (the job protocol, ARCHITECTURE.md): results (``complete=False`` after a
cancel, with every frame finished so far); :class:`core.errors.Cancelled` before any frame, logged as
``analysis_cancelled``; or the error, logged as ``analysis_failed`` naming every model. An evidence
file that changed during the analysis is ``result.evidence_changed``, with an ``evidence_changed``
event. The engines are loaded by the caller: loading is slow, and the window keeps them between
analyses.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence

from core.analysis import AnalysisParams, ProgressFn, analyze_together, resolved_for
from core.errors import Cancelled
from core.forensic import audit, record
from core.forensic.integrity import IntegrityCheck, check_unchanged
from core.result import AnalysisResult
from core.video import VideoInfo, probe


def analyse_evidence(path: str | os.PathLike, engines: Sequence, params: AnalysisParams, *,
                     analyst: str = "", case_number: str = "", extra_hashes: Iterable[str] = (),
                     log: audit.AuditLog | None = None, progress: ProgressFn | None = None,
                     should_cancel: Callable[[], bool] | None = None, use_cache: bool = True,
                     info: VideoInfo | None = None) -> tuple[AnalysisResult, ...]:
    """Analyse ``path`` with every engine in one pass (the first takes ``params``, the others
    :func:`core.analysis.companion_params`) and record it; one result per engine, in order.
    ``info``: the caller's probe of ``path``, when it has one (the command line probes every file
    before it loads a model), so the file is probed once."""
    engines = list(engines)
    log = log or audit.default_log()
    who = {"analyst": analyst or "", "case_number": case_number or ""}
    info = info or probe(path)
    resolved = resolved_for(engines, params, info.fps)
    for engine in engines:
        record.model_used(engine, log)
    before = record.open_evidence(path, extra_hashes, log=log, should_cancel=should_cancel, **who)
    started = [record.analysis_started(before, e.model_ref(), p, log=log, **who)
               for e, p in zip(engines, resolved, strict=True)]
    checks: list[IntegrityCheck] = []

    def rehash() -> str | None:  # the engine's hash after the pass is this check: the file is read once
        checks.append(check_unchanged(before))
        return checks[-1].after.sha256 if checks[-1].after is not None else None

    try:
        results = analyze_together(path, engines, params, progress=progress, should_cancel=should_cancel,
                                   use_cache=use_cache, video_sha256=before.sha256, rehash=rehash, info=info,
                                   resolved=resolved)
    except KeyboardInterrupt:
        record.analysis_cancelled(before, "interrupted", log, engines=engines)
        raise
    except Cancelled:
        record.analysis_cancelled(before, "cancelled", log, engines=engines)
        raise
    except Exception as exc:  # expected (InspectorError) or not: a start never stays without an end
        record.analysis_failed(before, exc, log, engines=engines)  # one entry ends every model's start
        raise
    check = checks[-1] if checks else check_unchanged(before)  # all stored: the engine read nothing
    return tuple(record.analysis_finished(before, r, e, t, check=check, log=log, **who)
                 for r, e, t in zip(results, engines, started, strict=True))
