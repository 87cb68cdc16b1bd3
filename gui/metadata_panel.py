"""The open video's identity: file, format, timing, and its SHA-256 once the worker has it."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFormLayout, QGroupBox, QHBoxLayout, QLabel, QPushButton, QWidget

from core.video import VideoInfo
from gui import theme
from gui.timecode import format_time


def _size(n: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:,} bytes" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


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
            lab = QLabel("–")
            lab.setTextInteractionFlags(Qt.TextSelectableByMouse)
            lab.setWordWrap(name in ("File", "Folder"))
            form.addRow(name, lab)
            self.values[name] = lab
        self.sha = QLabel("–")
        self.sha.setFont(theme.mono_font())
        self.sha.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.sha.setToolTip("SHA-256 of the file as read from disk: the evidence's identity in reports.")
        self.copy_sha = QPushButton("Copy")
        self.copy_sha.setEnabled(False)
        self.copy_sha.setFocusPolicy(Qt.NoFocus)
        self.copy_sha.clicked.connect(self._copy)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.sha, 1)
        row.addWidget(self.copy_sha, 0, Qt.AlignTop)
        holder = QWidget()
        holder.setLayout(row)
        form.addRow("SHA-256", holder)
        self.sha256: str | None = None

    def set_info(self, info: VideoInfo | None) -> None:
        self.sha256 = None
        if info is None:
            for lab in self.values.values():
                lab.setText("–")
            self.set_sha_state("–")
            return
        p = Path(info.path)
        v = self.values
        v["File"].setText(p.name)
        v["File"].setToolTip(str(p))
        v["Folder"].setText(str(p.parent))
        v["Size"].setText(_size(info.size_bytes))
        v["Resolution"].setText(f"{info.width} × {info.height}")
        v["Frame rate"].setText(f"{info.fps:.3f} fps")
        v["Frames"].setText(f"{info.frames:,} (announced)")
        v["Duration"].setText(format_time(info.duration_s))
        v["Codec"].setText(info.codec)
        v["Rotation"].setText(f"{info.rotation}°" + (" (applied)" if info.rotation else ""))
        self.set_sha_state("computing…")

    def set_sha_state(self, text: str) -> None:
        self.sha.setText(text)
        self.copy_sha.setEnabled(False)

    def set_sha(self, sha: str) -> None:
        self.sha256 = sha
        self.sha.setText(f"{sha[:32]}\n{sha[32:]}")
        self.copy_sha.setEnabled(True)

    def _copy(self) -> None:
        if self.sha256:
            QGuiApplication.clipboard().setText(self.sha256)
