"""Running a batch's tasks on this machine: in this process, or in N worker processes.

Each worker loads the model once (``factory()``, an :class:`~core.analysis.Engine`) and takes
tasks from a shared queue until none are left, so a slow video never holds up the others. A
worker process that dies (a decoder crash on one file) fails only the task it held; another
process takes its place. Cancel reaches a running analysis within a chunk of frames (the
engine polls it); workers whose parent died stop too, so killing a batch leaves no orphans.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import queue
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from core.batch.task import Outcome, Task, run_task


@dataclass(frozen=True)
class Started:
    index: int
    host: str = ""


@dataclass(frozen=True)
class WorkerFailed:
    """The model could not be loaded in a worker: no task can run."""

    error: BaseException


Event = Started | Outcome


@dataclass(frozen=True)
class RunSpec:
    """What every worker needs besides its tasks; picklable."""

    factory: Callable  # () -> Engine
    params: object  # AnalysisParams
    use_cache: bool = True
    analyst: str = ""
    case_number: str = ""

    def run(self, engine, task: Task, should_cancel) -> Outcome:
        return run_task(engine, task, self.params, use_cache=self.use_cache, analyst=self.analyst,
                        case_number=self.case_number, should_cancel=should_cancel)


def run_inline(spec: RunSpec, tasks: list[Task], should_cancel: Callable[[], bool]) -> Iterator[Event]:
    """One task after another in this process (``--workers 1``)."""
    import platform

    engine = spec.factory()
    for task in tasks:
        if should_cancel():
            return
        yield Started(task.index, platform.node())
        yield spec.run(engine, task, should_cancel)


POLL_S = 0.2


def _worker(spec: RunSpec, tasks, results, stop, parent: int, holding, slot: int) -> None:
    import platform

    def orphaned() -> bool:
        return os.getppid() != parent

    def cancelled() -> bool:
        return stop.is_set() or orphaned()

    try:
        engine = spec.factory()
    except BaseException as exc:  # handed to the driver, which raises it
        results.put(WorkerFailed(exc))
        return
    host = platform.node()
    while not cancelled():
        try:
            task = tasks.get(timeout=POLL_S)
        except queue.Empty:
            continue
        if task is None:
            return
        holding[slot] = task.index  # shared memory: still readable if this process dies mid-task
        results.put(Started(task.index, host))
        results.put(spec.run(engine, task, cancelled))
        holding[slot] = -1


def run_processes(spec: RunSpec, tasks: list[Task], workers: int,
                  should_cancel: Callable[[], bool]) -> Iterator[Event]:
    """The tasks on ``workers`` processes (spawned: TensorFlow does not survive a fork)."""
    ctx = mp.get_context("spawn")
    todo, results, stop = ctx.Queue(), ctx.Queue(), ctx.Event()
    for t in tasks:
        todo.put(t)
    workers = max(1, min(workers, len(tasks)))
    for _ in range(workers):
        todo.put(None)
    holding = ctx.Array("l", [-1] * workers, lock=False)
    procs: dict[int, mp.Process] = {}  # slot -> process

    def spawn(slot: int) -> None:
        holding[slot] = -1
        p = ctx.Process(target=_worker, args=(spec, todo, results, stop, os.getpid(), holding, slot),
                        name=f"batch-worker-{slot}", daemon=True)
        p.start()
        procs[slot] = p

    for slot in range(workers):
        spawn(slot)
    settled: set[int] = set()
    gone = False
    try:
        while len(settled) < len(tasks):
            if should_cancel():
                return
            try:
                event = results.get(timeout=POLL_S)
            except queue.Empty:
                for slot, p in list(procs.items()):
                    if p.is_alive():
                        continue
                    del procs[slot]
                    index = holding[slot]
                    if p.exitcode != 0 and index >= 0 and index not in settled:
                        # died on a task: that task fails, a new worker takes the slot
                        settled.add(index)
                        yield Outcome(index, error="WorkerCrashed",
                                      message=f"the worker process ended unexpectedly (exit code {p.exitcode})")
                        spawn(slot)
                if not procs and len(settled) < len(tasks):
                    if gone:  # a whole poll with no worker and nothing left to read
                        raise RuntimeError("every batch worker ended with tasks left") from None
                    gone = True
                continue
            if isinstance(event, WorkerFailed):
                raise event.error
            if isinstance(event, Outcome):
                if event.index in settled:
                    continue
                settled.add(event.index)
            yield event
    finally:
        stop.set()
        for p in procs.values():
            p.join(timeout=3)
            if p.is_alive():
                p.terminate()
                p.join(timeout=2)
        for q in (todo, results):
            q.cancel_join_thread()
            q.close()
