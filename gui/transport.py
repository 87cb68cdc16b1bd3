"""The bar under the frame: transport buttons, speed, and the current frame number and time."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import QComboBox, QFrame, QHBoxLayout, QLabel, QToolButton, QWidget

from core.timecode import format_time
from gui import theme
from gui.actions import Actions
from gui.playback import SPEEDS

KIND_WIDTH = 3  # "key"
POSITION_TIP = ("Frame shown (numbered from 0) and its time. Ctrl+G goes to a frame or time.\n"
                "Before it, the frame's picture type from the file's structure: I (coded on its own), P or B "
                "(predicted from other frames), or 'key' where only key frames are known. PgUp / PgDown go "
                "to the previous / next key frame.")


class TransportBar(QWidget):
    speed_chosen = Signal(float)

    def __init__(self, actions: Actions, parent: QWidget | None = None):
        super().__init__(parent)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(4, 2, 4, 2)
        lay.setSpacing(2)
        for name in ("start", "back_1s", "step_back", "play", "step_fwd", "fwd_1s", "end", None,
                     "prev_seg", "next_seg", None, "overlay"):
            if name is None:
                sep = QFrame()
                sep.setFrameShape(QFrame.VLine)
                sep.setStyleSheet("color: #3a3c42;")
                lay.addWidget(sep)
                continue
            b = QToolButton()
            b.setDefaultAction(getattr(actions, name))
            b.setIconSize(QSize(20, 20))
            b.setAutoRaise(True)
            b.setFocusPolicy(Qt.NoFocus)
            lay.addWidget(b)
            if name == "play":
                self.play_button = b
        self.speed = QComboBox()
        self.speed.setFocusPolicy(Qt.NoFocus)
        self.speed.setToolTip("Playback speed ([ slower, ] faster, \\ normal; J/L shuttle)")
        for s in SPEEDS:
            self.speed.addItem(f"{s:g}×", s)
        self.speed.setCurrentIndex(SPEEDS.index(1.0))
        self.speed.activated.connect(lambda i: self.speed_chosen.emit(float(self.speed.itemData(i))))
        lay.addWidget(self.speed)
        lay.addStretch(1)
        self.position = QLabel()
        self.position.setFont(theme.mono_font())
        self.position.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.position.setToolTip(POSITION_TIP)
        lay.addWidget(self.position)
        self.set_position(-1, 0, 25.0)

    def set_position(self, index: int, frames: int, fps: float, kind: str | None = None) -> None:
        """``kind``: the frame's picture type ("I", "P", "B"; "key" when only key frames are known; "" not
        known), shown before "frame"; None when the file's structure is not read (no room kept for it)."""
        if index < 0 or frames <= 0:
            self.position.setText("frame –  ·  --:--:--.---")
            return
        width = len(f"{frames - 1:,}")
        lead = "" if kind is None else f"<b>{kind:>{KIND_WIDTH}}</b> "  # fixed width: the readout does not jump
        self.position.setText(
            (f"{lead}frame <b>{index:>{width},}</b> / {frames - 1:,}  ·  <b>{format_time(index / fps)}</b>"
             f" / {format_time(frames / fps)}").replace(" ", "&nbsp;")
        )

    def set_speed(self, speed: float, direction: int) -> None:
        i = self.speed.findData(speed)
        if i >= 0:
            self.speed.setCurrentIndex(i)
        arrow = "◀ " if direction < 0 else ""
        self.speed.setItemText(self.speed.currentIndex(), f"{arrow}{speed:g}×")
        for j in range(self.speed.count()):
            if j != self.speed.currentIndex():
                self.speed.setItemText(j, f"{SPEEDS[j]:g}×")
