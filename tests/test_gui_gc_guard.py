"""Cyclic garbage is collected by a timer on the GUI thread, never by a worker's allocation."""

import gc
import threading
import weakref

from gui import gc_guard


class Cycle:
    def __init__(self):
        self.me = self


def test_cycles_are_freed_on_the_gui_thread(qtbot, qapp):
    gc_guard.install(qapp)
    assert not gc.isenabled()
    freed_on = []
    obj = Cycle()
    weakref.finalize(obj, lambda: freed_on.append(threading.current_thread()))
    del obj
    # a worker that allocates a lot starts no collection now
    worker = threading.Thread(target=lambda: [Cycle() for _ in range(50_000)])
    worker.start()
    worker.join()
    assert freed_on == []
    qtbot.waitUntil(lambda: bool(freed_on), timeout=15_000)
    assert freed_on == [threading.main_thread()]
    assert gc_guard.install(qapp) is qapp.findChild(gc_guard.GuiThreadCollector)  # one per application


def test_after_the_freeze_new_cycles_are_still_freed(qtbot, qapp):
    gc_guard.install(qapp)
    kept = Cycle()
    try:
        gc_guard.freeze_long_lived()
        assert gc.get_freeze_count() > 0
        freed = []
        obj = Cycle()
        weakref.finalize(obj, lambda: freed.append(True))
        del obj
        qtbot.waitUntil(lambda: bool(freed), timeout=15_000)
        assert kept.me is kept
    finally:
        gc.unfreeze()


def test_a_hold_defers_collection_until_released(qtbot, qapp):
    gc_guard.install(qapp)
    gc.collect()
    freed = []
    gc_guard.hold()
    try:
        obj = Cycle()
        weakref.finalize(obj, lambda: freed.append(True))
        del obj
        qtbot.wait(3 * gc_guard.INTERVAL_MS)  # three ticks of the timer, none collecting
        assert freed == []
    finally:
        gc_guard.release()
    qtbot.waitUntil(lambda: bool(freed), timeout=15_000)
