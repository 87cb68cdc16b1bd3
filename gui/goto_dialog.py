"""Go to a frame number or a time, with the result previewed as it is typed."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QLineEdit, QVBoxLayout, QWidget

from core.timecode import format_frame_time, parse_position
from gui import theme


class GotoDialog(QDialog):
    def __init__(self, fps: float, frames: int, current: int, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Go to frame or time")
        self.fps, self.frames = fps, frames
        self.target: int | None = None
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel(f"Frame number (0 – {frames - 1:,}) or time: 12.5s, 01:02.5, 00:01:02:12"))
        self.edit = QLineEdit(str(current))
        self.edit.selectAll()
        self.edit.setFont(theme.mono_font())
        lay.addWidget(self.edit)
        self.preview = QLabel()
        lay.addWidget(self.preview)
        self.buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        lay.addWidget(self.buttons)
        self.edit.textChanged.connect(self._check)
        self._check(self.edit.text())

    def _check(self, text: str) -> None:
        ok = self.buttons.button(QDialogButtonBox.Ok)
        try:
            index = parse_position(text, self.fps)
            if not 0 <= index < self.frames:
                raise ValueError(f"Frame {index:,} is outside the video (0 – {self.frames - 1:,}).")
        except ValueError as exc:
            self.target = None
            self.preview.setStyleSheet("color: #f85149;")
            self.preview.setText(str(exc))
            ok.setEnabled(False)
            return
        self.target = index
        self.preview.setStyleSheet(f"color: {theme.MUTED};")
        self.preview.setText(f"→ frame {index:,} at {format_frame_time(index, self.fps)}")
        ok.setEnabled(True)
