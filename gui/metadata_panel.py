"""The open video's identity: file, format, timing, and its SHA-256 once the worker has it."""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFormLayout, QGroupBox, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QWidget

from core.timecode import format_time
from core.video import VideoInfo
from gui import theme


def _size(n: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:,} bytes" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


class ElidedLabel(QLabel):
    """One line that shortens itself in the middle to fit (paths); the full text is the tooltip."""

    def __init__(self, text: str = ""):
        super().__init__()
        self.setMinimumWidth(40)
        self.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)
        self.set_full_text(text)

    def set_full_text(self, text: str) -> None:
        self.full_text = text
        self.setToolTip(text if text not in ("", "–") else "")
        self._elide()

    def resizeEvent(self, e) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(e)
        self._elide()

    def _elide(self) -> None:
        super().setText(self.fontMetrics().elidedText(self.full_text, Qt.ElideMiddle, max(10, self.width())))


class MetadataPanel(QGroupBox):
    FIELDS = ("File", "Folder", "Size", "Resolution", "Frame rate", "Frames", "Duration", "Codec", "Rotation")

    def __init__(self, parent: QWidget | None = None):
        super().__init__("Video", parent)
        form = QFormLayout(self)
        form.setLabelAlignment(Qt.AlignRight)
        form.setFieldGrowthPolicy(QFormLayout.AllNonFixedFieldsGrow)
        form.setHorizontalSpacing(10)
        form.setVerticalSpacing(3)
        self.values: dict[str, QLabel] = {}
        for name in self.FIELDS:
            lab = ElidedLabel("–") if name in ("File", "Folder") else QLabel("–")
            if name not in ("File", "Folder"):
                lab.setTextInteractionFlags(Qt.TextSelectableByMouse)
                lab.setWordWrap(True)  # a long value wraps in the side panel, never widens it past its edge
            form.addRow(name, lab)
            self.values[name] = lab
        self.sha_state = QLabel("–")
        self.sha_state.setWordWrap(True)
        self.copy_sha = QPushButton("Copy")
        self.copy_sha.setEnabled(False)
        self.copy_sha.setFocusPolicy(Qt.NoFocus)
        self.copy_sha.setToolTip("Copy the SHA-256 to the clipboard")
        self.copy_sha.clicked.connect(self._copy)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.sha_state, 1)
        row.addWidget(self.copy_sha)
        holder = QWidget()
        holder.setLayout(row)
        form.addRow("SHA-256", holder)
        self.sha = QLabel()
        self.sha.setFont(theme.mono_font(8))
        self.sha.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.sha.setToolTip("SHA-256 of the file as read from disk: the evidence's identity in reports.")
        self.sha.hide()
        form.addRow(self.sha)
        self.sha256: str | None = None

    def set_info(self, info: VideoInfo | None) -> None:
        self.sha256 = None
        if info is None:
            for lab in self.values.values():
                lab.set_full_text("–") if isinstance(lab, ElidedLabel) else lab.setText("–")
            self.set_sha_state("–")
            return
        p = Path(info.path)
        v = self.values
        v["File"].set_full_text(p.name)
        v["Folder"].set_full_text(str(p.parent))
        v["Size"].setText(_size(info.size_bytes))
        v["Resolution"].setText(f"{info.width} × {info.height}")
        v["Frame rate"].setText(f"{info.fps:.3f} fps")
        v["Frames"].setText(f"{info.frames:,} (announced)")
        v["Frames"].setStyleSheet("")
        v["Frames"].setToolTip("")
        v["Duration"].setText(format_time(info.duration_s))
        v["Codec"].setText(info.codec)
        v["Rotation"].setText(f"{info.rotation}°" + (" (applied)" if info.rotation else ""))
        self.set_sha_state("computing…")

    def set_end(self, end: int, announced: int) -> None:
        """The stream holds fewer frames than the container announces."""
        lab = self.values["Frames"]
        lab.setText(f"{end:,} decodable of {announced:,} announced")
        lab.setStyleSheet("color: #f85149")
        lab.setToolTip(f"The file is truncated or damaged: frames {end:,} to {announced - 1:,} are not in it.")

    def set_sha_state(self, text: str) -> None:
        self.sha_state.setText(text)
        self.sha.hide()
        self.copy_sha.setEnabled(False)

    def set_sha(self, sha: str, state: str | None = None) -> None:
        """The file's SHA-256 and where it comes from (default: hashed from the file just now)."""
        self.sha256 = sha
        self.sha_state.setText(state or f"computed from the file at {time.strftime('%H:%M:%S')}")
        self.sha.setText(f"{sha[:32]}\n{sha[32:]}")
        self.sha.show()
        self.copy_sha.setEnabled(True)

    def _copy(self) -> None:
        if self.sha256:
            QGuiApplication.clipboard().setText(self.sha256)
