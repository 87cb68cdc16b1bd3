"""Keys go to the input that has focus; the player's keys only work on the Review page.

The window's shortcuts are window-wide, and Qt lets a shortcut win over a focused widget unless
the widget claims the key (a ShortcutOverride it accepts). Line edits claim typing keys, but spin
boxes, combo boxes and lists do not claim Up/Down, so Up in the Training tab's learning-rate field
zoomed the hidden timeline. This filter claims the player's keys for such inputs, and for every
widget while another page than the Review page is shown.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from PySide6.QtCore import QEvent, QKeyCombination, QObject, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractSlider,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

TYPING = (QAbstractSpinBox, QLineEdit, QTextEdit, QPlainTextEdit, QComboBox)  # every player key is theirs
NAVIGATING = (QAbstractItemView, QAbstractSlider)  # lists, tables and sliders move with these
NAVIGATION_KEYS = {Qt.Key_Up, Qt.Key_Down, Qt.Key_PageUp, Qt.Key_PageDown, Qt.Key_Home, Qt.Key_End,
                   Qt.Key_Left, Qt.Key_Right}


def _owner(widget: QWidget | None, kinds) -> bool:
    """The focused widget, or the spin box / combo box whose inner line edit has focus, is one of ``kinds``."""
    while widget is not None:
        if isinstance(widget, kinds):
            return True
        if widget.isWindow():
            return False
        widget = widget.parentWidget()
    return False


class KeyGuard(QObject):
    def __init__(self, window: QWidget, player_keys: Iterable[QKeySequence], on_review: Callable[[], bool]):
        super().__init__(window)
        self.window = window
        self.player_keys = {QKeySequence(k).toString() for k in player_keys if not QKeySequence(k).isEmpty()}
        self.on_review = on_review
        QApplication.instance().installEventFilter(self)

    def claims(self, key: int, modifiers, focus: QWidget | None) -> bool:
        """Whether the key goes to ``focus`` instead of triggering a player shortcut."""
        combo = QKeySequence(QKeyCombination(modifiers, Qt.Key(key))).toString()
        if combo not in self.player_keys:
            return False
        if not self.on_review():
            return True
        if _owner(focus, TYPING):
            return True
        return _owner(focus, NAVIGATING) and key in NAVIGATION_KEYS and modifiers == Qt.NoModifier

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt override
        if event.type() == QEvent.ShortcutOverride and isinstance(obj, QWidget) and obj.window() is self.window:
            mods = event.modifiers() & ~Qt.KeypadModifier
            if self.claims(event.key(), mods, QApplication.focusWidget()):
                event.accept()  # an accepted override: the key press goes to the widget, no shortcut
                return True
        return False
