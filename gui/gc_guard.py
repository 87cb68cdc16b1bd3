"""Python's cyclic garbage collector runs on the GUI thread only.

A collection starts in whichever thread happens to allocate. If it frees Qt wrappers (a closed
dialog, an earlier window's widgets) inside a worker thread, Qt objects are destroyed off their
thread, which can deadlock or crash: a test importing MesoNet weights hung that way. So automatic
collection is switched off and a timer on the GUI thread collects instead: the young generation
twice a second, everything every ten seconds.

Once TensorFlow and the models are loaded, :func:`freeze_long_lived` moves the objects alive then
(about 380,000: TensorFlow, Keras, Qt, the model) out of the collector's sight, as they live as long
as the app: a full collection then takes 0.8 ms instead of 138 ms (bench/gc_pause.py), which was a
stall on the GUI thread every ten seconds.

While that warm-up runs, :func:`hold` skips the timer's collections until the freeze: they would only
walk and promote the objects TensorFlow's import is making for good, 27-43 ms each with the GIL held,
which the warm-up thread then waits for (5 of them during a start-up, measured here).
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

INTERVAL_MS = 500
FULL_EVERY = 20
_held = 0  # warm-ups under way (hold/release): the timer collects nothing meanwhile


class GuiThreadCollector(QObject):
    def __init__(self, parent: QObject):
        super().__init__(parent)
        self._ticks = 0
        self._timer = QTimer(self)
        self._timer.setInterval(INTERVAL_MS)
        self._timer.timeout.connect(self.collect)
        self._timer.start()

    def collect(self) -> None:
        if _held:
            return
        self._ticks += 1
        gc.collect(2 if self._ticks % FULL_EVERY == 0 else 0)


def install(app) -> GuiThreadCollector:
    """Switch automatic collection off; one collector per application, owned by the GUI thread."""
    gc.disable()
    existing = app.findChild(GuiThreadCollector)
    return existing if existing is not None else GuiThreadCollector(app)


def hold() -> None:
    """No timed collections until the matching :func:`release` (a warm-up loading what stays)."""
    global _held
    _held += 1


def release() -> None:
    global _held
    _held = max(0, _held - 1)


def freeze_long_lived() -> None:
    """Collect once, then exempt everything still alive from later collections (``gc.freeze``)."""
    gc.collect()
    gc.freeze()
