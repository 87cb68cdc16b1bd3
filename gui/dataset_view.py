"""What a data folder holds, before training: counts per class and split, groups kept apart,
files that cannot be used, warnings, and a few face crops per class."""

from __future__ import annotations

import html

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QGridLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.training.dataset import CLASSES, DatasetSummary
from core.training.splits import SPLITS
from core.wording import plural
from gui.pixmaps import rgb_pixmap

COLUMNS = ("real images", "real videos", "fake images", "fake videos", "groups")
MAX_SKIPPED_SHOWN = 8
CROP_PX = 72


class DatasetView(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.summary: DatasetSummary | None = None
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.header = QLabel("Choose a data folder and press Scan to see what it holds.")
        self.header.setWordWrap(True)
        self.header.setTextInteractionFlags(Qt.TextSelectableByMouse)
        lay.addWidget(self.header)
        self.table = QTableWidget(len(SPLITS), len(COLUMNS))
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setVerticalHeaderLabels(list(SPLITS))
        self.table.setEditTriggers(QTableWidget.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.Stretch)
        self.table.setFixedHeight(self.table.verticalHeader().length() + self.table.horizontalHeader().height() + 6)
        lay.addWidget(self.table)
        self.notes = QLabel()
        self.notes.setWordWrap(True)
        self.notes.setTextFormat(Qt.RichText)
        self.notes.setTextInteractionFlags(Qt.TextSelectableByMouse)
        lay.addWidget(self.notes)
        self.crops = QWidget()
        self.crop_grid = QGridLayout(self.crops)
        self.crop_grid.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.crops)
        self.crop_note = QLabel()
        self.crop_note.setObjectName("hint")
        lay.addWidget(self.crop_note)
        lay.addStretch(1)

    def clear(self, text: str = "") -> None:
        self.summary = None
        if text:
            self.header.setText(text)
        for r in range(self.table.rowCount()):
            for c in range(self.table.columnCount()):
                self.table.setItem(r, c, QTableWidgetItem(""))
        self.notes.setText("")
        self.set_crops({})

    def set_summary(self, s: DatasetSummary) -> None:
        self.summary = s
        self.header.setText(f"<b>{html.escape(s.root)}</b> — {html.escape(s.layout)}; {plural(len(s.files), 'file')}."
                            f"<br>Split: {html.escape(s.split_rule)}.<br>Groups kept on one side: "
                            f"{html.escape(s.group_source)}.")
        for r, split in enumerate(SPLITS):
            values = [s.count(split, label, kind) for label in range(len(CLASSES)) for kind in ("image", "video")]
            values.append(s.groups(split))
            for c, v in enumerate(values):
                item = QTableWidgetItem(f"{v:,}")
                item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
                self.table.setItem(r, c, item)
        self.notes.setText(_notes(s))

    def cell(self, split: str, column: str) -> int:
        """The number shown (for tests and scripts)."""
        item = self.table.item(SPLITS.index(split), COLUMNS.index(column))
        return int(item.text().replace(",", "")) if item and item.text() else 0

    def set_crops(self, crops: dict[str, list[np.ndarray]], note: str = "") -> None:
        while self.crop_grid.count():
            w = self.crop_grid.takeAt(0).widget()
            if w is not None:
                w.deleteLater()
        self.crop_count = {c: len(crops.get(c, [])) for c in CLASSES}
        if crops:
            for r, cname in enumerate(CLASSES):
                self.crop_grid.addWidget(QLabel(cname), r, 0)
                faces = crops.get(cname, [])
                if not faces:
                    self.crop_grid.addWidget(QLabel("no face found in the files tried"), r, 1)
                for i, crop in enumerate(faces):
                    label = QLabel()
                    label.setPixmap(rgb_pixmap(crop).scaled(CROP_PX, CROP_PX, Qt.KeepAspectRatio,
                                                            Qt.SmoothTransformation))
                    self.crop_grid.addWidget(label, r, i + 1)
            self.crop_grid.setColumnStretch(self.crop_grid.columnCount(), 1)
        self.crop_note.setText(note)


def _notes(s: DatasetSummary) -> str:
    parts = []
    if s.warnings:
        parts.append("<b>Warnings</b><ul>" + "".join(f"<li>{html.escape(w)}</li>" for w in s.warnings) + "</ul>")
    if s.skipped:
        shown = "".join(f"<li>{html.escape(k.path)}: {html.escape(k.reason)}</li>"
                        for k in s.skipped[:MAX_SKIPPED_SHOWN])
        more = f"<li>… and {len(s.skipped) - MAX_SKIPPED_SHOWN} more</li>" if len(s.skipped) > MAX_SKIPPED_SHOWN else ""
        parts.append(f"<b>{plural(len(s.skipped), 'file')} cannot be used</b><ul>{shown}{more}</ul>")
    if s.ignored:
        parts.append(f"{s.ignored} files are neither images nor videos and are ignored.")
    return "".join(parts) or "No problems found."
