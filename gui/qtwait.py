"""Waiting for a condition while the Qt event loop runs, for scripts and benchmarks.

Runs a nested QEventLoop and polls with a timer: never ``processEvents()`` in a busy loop
(which also burns a core the analysis needs).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QEventLoop, QTimer


def wait_until(condition: Callable[[], bool], timeout_s: float, poll_ms: int = 20) -> bool:
    """Run the event loop until ``condition()`` is true or ``timeout_s`` passes; returns the condition."""
    deadline = time.monotonic() + timeout_s
    loop = QEventLoop()

    def check() -> None:
        if condition() or time.monotonic() >= deadline:
            loop.quit()
        else:
            QTimer.singleShot(poll_ms, check)

    QTimer.singleShot(0, check)
    loop.exec()
    return bool(condition())


def wait(seconds: float) -> None:
    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()
