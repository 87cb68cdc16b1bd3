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
import time
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
    """The tasks on ``workers`` processes (spawned: TensorFlow does not survive a fork).

    Each worker has its own result queue, written synchronously (a SimpleQueue: no feeder thread
    whose buffer a dying process would lose), so a crash loses nothing a worker reported before it."""
    ctx = mp.get_context("spawn")
    todo, stop = ctx.Queue(), ctx.Event()
    for t in tasks:
        todo.put(t)
    workers = max(1, min(workers, len(tasks)))
    for _ in range(workers):
        todo.put(None)
    holding = ctx.Array("l", [-1] * workers, lock=False)
    procs: dict[int, tuple] = {}  # slot -> (process, its result queue)

    def spawn(slot: int) -> None:
        holding[slot] = -1
        results = ctx.SimpleQueue()
        p = ctx.Process(target=_worker, args=(spec, todo, results, stop, os.getpid(), holding, slot),
                        name=f"batch-worker-{slot}", daemon=True)
        p.start()
        procs[slot] = (p, results)

    for slot in range(workers):
        spawn(slot)
    settled: set[int] = set()
    retired: list = []
    try:
        while len(settled) < len(tasks):
            if should_cancel():
                return
            got = False
            for slot, (p, results) in list(procs.items()):
                if results.empty():
                    if p.is_alive() or not results.empty():  # alive, or wrote just before it ended
                        continue
                    del procs[slot]
                    retired.append((p, results))
                    index = holding[slot]
                    if p.exitcode != 0 and index >= 0 and index not in settled:
                        # died on a task: that task fails, a new worker takes the slot
                        settled.add(index)
                        yield Outcome(index, error="WorkerCrashed",
                                      message=f"the worker process ended unexpectedly (exit code {p.exitcode})")
                        spawn(slot)
                    continue
                event = results.get()
                got = True
                if isinstance(event, WorkerFailed):
                    raise event.error
                if isinstance(event, Outcome):
                    if event.index in settled:
                        continue
                    settled.add(event.index)
                yield event
            if not procs and len(settled) < len(tasks):  # every worker gone: the rest went with them
                for t in tasks:
                    if t.index not in settled:
                        settled.add(t.index)
                        yield Outcome(t.index, error="WorkerCrashed", message="the worker process ended unexpectedly")
                return
            if not got:
                time.sleep(POLL_S / 4)
    finally:
        stop.set()
        for p, results in [*procs.values(), *retired]:
            p.join(timeout=3)
            if p.is_alive():
                p.terminate()
                p.join(timeout=2)
            results.close()
        todo.cancel_join_thread()
        todo.close()
