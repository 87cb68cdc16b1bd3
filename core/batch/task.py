"""One video of a batch, as a worker runs it: the same engine call wherever the worker is.

The worker (in this process, a local process or a Ray actor) gets a :class:`Task`, analyses the
file with its engine and hands back an :class:`Outcome`: the result as JSON and CSV text, or
the error that stopped it. Expected failures (an unreadable file) and unexpected ones alike end
as an outcome, so one bad file never stops the batch; the driver writes and records it.
"""

from __future__ import annotations

import logging
import platform
import traceback
from collections.abc import Callable
from dataclasses import dataclass

from core.errors import Cancelled, InspectorError
from core.forensic.integrity import EvidenceHashes

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Task:
    index: int  # position in the batch
    path: str
    before: EvidenceHashes  # taken by the driver when it made the manifest


@dataclass(frozen=True)
class Outcome:
    index: int
    doc: dict | None = None  # the result JSON (None: failed or cancelled)
    csv: str = ""
    error: str = ""  # exception type name
    message: str = ""
    cancelled: bool = False
    host: str = ""

    @property
    def ok(self) -> bool:
        return self.doc is not None


def run_task(engine, task: Task, params, *, use_cache: bool = True, analyst: str = "", case_number: str = "",
             should_cancel: Callable[[], bool] | None = None) -> Outcome:
    """Analyse one video; never raises for the video's own failures."""
    from dataclasses import replace

    from core.forensic.provenance import annotate
    from core.result import to_csv

    host = platform.node()
    try:
        result = engine.analyze(task.path, params, should_cancel=should_cancel, use_cache=use_cache,
                                video_sha256=task.before.sha256)
    except Cancelled:
        return Outcome(task.index, cancelled=True, host=host)
    except InspectorError as exc:
        return Outcome(task.index, error=type(exc).__name__, message=str(exc), host=host)
    except Exception as exc:  # a bug or a decoder crash on this one file: recorded, the batch goes on
        log.error("analysing %s failed:\n%s", task.path, traceback.format_exc())
        return Outcome(task.index, error=type(exc).__name__, message=f"unexpected: {exc}", host=host)
    if not result.complete:
        return Outcome(task.index, cancelled=True, host=host)
    result = annotate(result, analyst=analyst or None, case_number=case_number or None, evidence=task.before,
                      from_cache=result.from_cache)
    result = replace(result, provenance={**result.provenance, "host": host})
    return Outcome(task.index, doc=result.to_json(), csv=to_csv(result), host=host)
