"""The Batch page's summary table: one row per input video, filled as the batch settles each one.

Rows are :class:`core.batch.outputs.BatchRow` values keyed by their relative path (``rel``), so a
row found again (hashed, then analysed, then the final summary) is updated in place wherever
sorting has moved it. Skipped rows (finished by an earlier run into the same output folder) are
marked as such and greyed; failed ones show their error. Sorting by a column sorts numbers as
numbers, empty cells last.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem

from core.batch.outputs import BatchRow
from gui import theme

COLUMNS = ("Path", "Status", "Verdict", "Score", "Tracks", "Coverage", "Segments", "Time (s)", "Error")
PATH, STATUS, VERDICT, SCORE, TRACKS, COVERAGE, SEGMENTS, TIME, ERROR = range(len(COLUMNS))
STATUS_TEXT = {"pending": "not analysed yet", "done": "analysed", "skipped": "finished before: skipped",
               "failed": "failed", "cancelled": "cancelled"}
KEY = Qt.UserRole + 1  # sort key


class _Item(QTableWidgetItem):
    def __lt__(self, other) -> bool:  # numbers as numbers; empty cells after every value, either way
        a, b = self.data(KEY), other.data(KEY)
        if a is None or b is None:
            table = self.tableWidget()
            descending = table is not None and table.horizontalHeader().sortIndicatorOrder() == Qt.DescendingOrder
            return (a is None) if descending else (a is not None)
        return a < b


def _cells(r: BatchRow) -> list[tuple[str, object]]:
    """(text, sort key) per column."""
    def num(v, fmt):
        return ("", None) if v is None else (fmt.format(v), float(v))

    error = f"{r.error}: {r.message}" if r.error and r.message else (r.error or r.message)
    status = STATUS_TEXT.get(r.status, r.status) + (" · evidence changed" if r.evidence_changed else "")
    return [(r.rel, r.rel), (status, status), (r.verdict.replace("_", " "), r.verdict), num(r.score, "{:.3f}"),
            (r.tracks, r.tracks), num(r.coverage, "{:.0%}"), num(r.segments, "{:d}"), num(r.seconds, "{:.1f}"),
            (error, error)]


class BatchTable(QTableWidget):
    def __init__(self, parent=None):
        super().__init__(0, len(COLUMNS), parent)
        self.rows: dict[str, BatchRow] = {}
        self._paths: dict[str, QTableWidgetItem] = {}  # rel -> its Path cell, which knows its row after sorting
        self.setHorizontalHeaderLabels(COLUMNS)
        self.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.setSelectionMode(QAbstractItemView.SingleSelection)
        self.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.setWordWrap(False)
        self.setAlternatingRowColors(True)
        self.verticalHeader().hide()
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)  # more rows in view
        header = self.horizontalHeader()
        header.setSortIndicator(-1, Qt.AscendingOrder)  # the batch's order until the analyst sorts
        self.setSortingEnabled(True)
        header.setSectionResizeMode(QHeaderView.Interactive)
        for col, width in ((PATH, 330), (STATUS, 170), (VERDICT, 90), (SCORE, 60), (TRACKS, 170), (COVERAGE, 75),
                           (SEGMENTS, 70), (TIME, 65)):
            self.setColumnWidth(col, width)
        header.setStretchLastSection(True)
        self.setToolTip("Double-click an analysed row to open the video in Review with this result.")

    def clear_rows(self) -> None:
        self.rows, self._paths = {}, {}
        self.setRowCount(0)

    def set_rows(self, rows) -> None:
        for r in rows:
            self.put(r)

    def row_of(self, rel: str) -> int:
        item = self._paths.get(rel)
        return -1 if item is None else item.row()

    def put(self, r: BatchRow) -> None:
        """Add the row, or update it in place."""
        self.rows[r.rel] = r
        sorting = self.isSortingEnabled()
        self.setSortingEnabled(False)  # else each setItem may move the row under our feet
        at = self.row_of(r.rel)
        if at < 0:
            at = self.rowCount()
            self.insertRow(at)
        muted = r.status in ("skipped", "pending", "cancelled")
        for col, (text, key) in enumerate(_cells(r)):
            item = _Item(text)
            item.setData(KEY, key)
            if col in (SCORE, COVERAGE, SEGMENTS, TIME):
                item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
            if muted:
                item.setForeground(QBrush(QColor(theme.MUTED)))
            if r.status == "skipped":
                font = QFont(item.font())
                font.setItalic(True)
                item.setFont(font)
            self.setItem(at, col, item)
        path = self.item(at, PATH)
        path.setData(Qt.UserRole, r.rel)
        self._paths[r.rel] = path
        path.setToolTip(f"{r.path}\nSHA-256 {r.sha256 or '(not hashed)'}"
                        + (f"\nresult {r.result}" if r.result else ""))
        if r.verdict in theme.VERDICT_COLOURS:
            self.item(at, VERDICT).setForeground(QBrush(QColor(theme.VERDICT_COLOURS[r.verdict])))
        if r.status == "failed" or r.evidence_changed:
            self.item(at, STATUS).setForeground(QBrush(QColor(theme.VERDICT_COLOURS["fake"])))
        self.item(at, ERROR).setToolTip(r.message)
        self.setSortingEnabled(sorting)

    def row_at(self, index: int) -> BatchRow | None:
        item = self.item(index, PATH)
        return None if item is None else self.rows.get(item.data(Qt.UserRole))

    def status_of(self, rel: str) -> str:
        """The status text shown for ``rel`` ("" when not listed)."""
        at = self.row_of(rel)
        return "" if at < 0 else self.item(at, STATUS).text()
