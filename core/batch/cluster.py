"""Running a batch's tasks on a Ray cluster: one actor per worker, each loading the model once.

``address``: ``"auto"`` (the cluster this machine belongs to, as ``ray start`` left it), a
``ray://host:10001`` client address, an ``host:6379`` head address, or ``"local"`` for a
throwaway instance on this machine bound to 127.0.0.1 (what the tests use). The videos are
read by the workers from their own paths, so every worker must see the inputs at the same
paths (shared storage); results travel back to the driver, which alone writes the output
folder and the audit log. Ray is an optional extra (``pip install -e ".[cluster]"``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from core.batch.local import Event, RunSpec, Started
from core.batch.task import Outcome, Task
from core.errors import InspectorError

POLL_S = 0.2


class ClusterUnavailable(InspectorError):
    """Ray is not installed, or the cluster cannot be reached."""


def _ray():
    try:
        import ray
    except ImportError as exc:
        raise ClusterUnavailable('Ray is not installed: pip install -e ".[cluster]" (the desktop needs '
                                 "no cluster; leave out --ray to run on this machine).") from exc
    return ray


class _Analyst:
    """The actor: an engine held for the life of the worker."""

    def __init__(self, spec: RunSpec):
        import platform

        self.spec = spec
        self.engine = spec.factory()
        self.host = platform.node()

    def analyse(self, task: Task) -> Outcome:
        return self.spec.run(self.engine, task, lambda: False)

    def where(self) -> str:
        return self.host


def connect(address: str, workers: int):
    """Start or join Ray; returns a function that leaves it as it was."""
    ray = _ray()
    if ray.is_initialized():
        return lambda: None
    try:
        if address == "local":  # workers run this driver's code: give them its import path
            import os
            import sys

            path = os.pathsep.join(p for p in sys.path if p and os.path.isdir(p))
            ray.init(num_cpus=max(1, workers), include_dashboard=False, _node_ip_address="127.0.0.1",
                     log_to_driver=False, configure_logging=False,
                     runtime_env={"env_vars": {"PYTHONPATH": path}})
        else:
            ray.init(address=address, include_dashboard=False, log_to_driver=False, configure_logging=False)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        raise ClusterUnavailable(f"Cannot reach the Ray cluster at {address}: {exc}") from exc
    return ray.shutdown


def _cause(exc: BaseException) -> BaseException:
    """The worker's own exception inside Ray's wrappers (RayTaskError, ActorDiedError)."""
    seen = 0
    while seen < 5 and getattr(exc, "cause", None) is not None and exc.cause is not exc:
        exc, seen = exc.cause, seen + 1
    return exc


def run_ray(spec: RunSpec, tasks: list[Task], workers: int, should_cancel: Callable[[], bool],
            address: str = "auto") -> Iterator[Event]:
    ray = _ray()
    leave = connect(address, workers)
    remote = ray.remote(num_cpus=1)(_Analyst)
    actors: list = []
    try:
        actors = [remote.remote(spec) for _ in range(max(1, min(workers, len(tasks))))]
        try:
            hosts = ray.get([a.where.remote() for a in actors])
        except ray.exceptions.RayError as exc:  # the model could not be loaded on a worker
            cause = _cause(exc)
            if isinstance(cause, InspectorError):
                raise cause from exc
            raise ClusterUnavailable(f"The Ray workers could not load the model: {cause}") from exc
        host_of = {id(a): h for a, h in zip(actors, hosts, strict=True)}
        waiting = list(tasks)
        running: dict = {}  # object ref -> (actor, task)

        def submit(actor) -> Started:
            task = waiting.pop(0)
            running[actor.analyse.remote(task)] = (actor, task)
            return Started(task.index, host_of.get(id(actor), ""))

        for a in actors:
            if waiting:
                yield submit(a)
        while running:
            if should_cancel():
                return
            done, _ = ray.wait(list(running), num_returns=1, timeout=POLL_S)
            for ref in done:
                actor, task = running.pop(ref)
                try:
                    outcome = ray.get(ref)
                except ray.exceptions.RayActorError as exc:  # the worker died on this video: a new one goes on
                    outcome = Outcome(task.index, error="WorkerCrashed", message=f"the Ray worker ended: {exc}")
                    actor = remote.remote(spec)
                    actors.append(actor)
                except ray.exceptions.RayTaskError as exc:
                    cause = _cause(exc)
                    outcome = Outcome(task.index, error=type(cause).__name__, message=str(cause))
                yield outcome
                if waiting:
                    yield submit(actor)
    finally:
        for a in actors:
            ray.kill(a)
        leave()
