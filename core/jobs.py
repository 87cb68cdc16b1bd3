"""The job protocol: how every long piece of core work reports, is cancelled and ends.

A job is a core function called with ``progress`` (a callable taking a :class:`JobProgress` or a
subclass of it that adds the job's partial results) and ``should_cancel`` (polled between chunks
of work, so a cancel takes effect within about a second). It ends in one of three ways:

- it returns its result: complete, or partial (``complete=False``) when cancelled mid-way with
  something worth keeping;
- it raises :class:`core.errors.Cancelled` when cancelled with nothing to keep;
- it raises the typed error (:mod:`core.errors`) that stopped it.

The window runs any job in one generic worker (``gui.workers.Worker``), which turns these three
endings into its ``succeeded``, ``cancelled_signal`` and ``failed`` signals.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class JobProgress:
    """Where a job stands: ``done`` of ``total`` units (frames, files, batches) of ``stage``."""

    stage: str
    done: int
    total: int
    elapsed_s: float = 0.0
    eta_s: float | None = None  # None: not known yet

    @property
    def fraction(self) -> float:
        """Share of the stage done, 0 to 1 (1 for a stage with nothing to do)."""
        return 1.0 if self.total <= 0 else min(max(self.done / self.total, 0.0), 1.0)


ProgressFn = Callable[[JobProgress], None]
CancelFn = Callable[[], bool]
