"""The Qt binding itself: a known-bad PySide6 build must fail here, not crash the window later.

PySide6 6.12.0 under Python < 3.12 drops a reference to None on every call of a Qt method that
returns nothing; the window makes thousands of such calls per second and aborts with
"none_dealloc" after a few seconds of playback (measured: ~12 s). pyproject.toml pins below it.
"""

import sys

from PySide6.QtWidgets import QLabel


def test_void_qt_calls_keep_none_alive(qtbot):
    label = QLabel()
    qtbot.addWidget(label)
    before = sys.getrefcount(None)
    for _ in range(2000):
        label.update()
    # A healthy binding leaves the count where it was (a few references either way from
    # unrelated activity); the broken one takes exactly 2000 away.
    assert abs(sys.getrefcount(None) - before) < 200
