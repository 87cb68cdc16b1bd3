"""Suspicious segments and face tracks as lists beside the timeline; a click seeks there."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem, QTabWidget, QWidget

from core.result import Segment, TrackSummary
from core.timecode import format_short
from gui import theme

START, PEAK = 2, 4  # segment columns holding a frame to go to
FIRST = 2  # track column holding its first frame


def _table(headers: list[str]) -> QTableWidget:
    t = QTableWidget(0, len(headers))
    t.setHorizontalHeaderLabels(headers)
    t.setSelectionBehavior(QAbstractItemView.SelectRows)
    t.setSelectionMode(QAbstractItemView.SingleSelection)
    t.setEditTriggers(QAbstractItemView.NoEditTriggers)
    t.verticalHeader().setVisible(False)
    t.verticalHeader().setDefaultSectionSize(22)
    t.setAlternatingRowColors(True)
    t.setFocusPolicy(Qt.ClickFocus)
    t.setHorizontalScrollBarPolicy(Qt.ScrollBarAsNeeded)  # a narrow panel scrolls; nothing is hidden unreachable
    h = t.horizontalHeader()
    h.setSectionResizeMode(QHeaderView.ResizeToContents)  # numbers are never cut to "0.1…"
    h.setStretchLastSection(False)  # stretched, the last column took 100 px and pushed its numbers out of view
    h.setMinimumSectionSize(28)
    return t


def _item(text: str, data: int | None = None, colour: QColor | None = None) -> QTableWidgetItem:
    it = QTableWidgetItem(text)
    it.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
    if data is not None:
        it.setData(Qt.UserRole, data)
    if colour is not None:
        it.setForeground(colour)
    return it


def _track_item(track: int | None) -> QTableWidgetItem:
    if track is None:
        it = _item("–")
    else:
        it = _item(f"T{track}", None, QColor(theme.track_colour(track)))
    it.setTextAlignment(Qt.AlignLeft | Qt.AlignVCenter)
    return it


class SegmentsPanel(QTabWidget):
    seek_requested = Signal(int)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.segments: tuple[Segment, ...] = ()
        self.threshold = 0.5  # scores are coloured relative to it
        self.segment_table = _table(["#", "Track", "Start", "End", "Peak"])
        self.segment_table.setToolTip("Click: go to the segment's start. Double-click: go to its peak frame.")
        self.track_table = _table(["Track", "Verdict", "Frames", "n", "Mean"])
        self.track_table.horizontalHeaderItem(3).setToolTip("frames scored")
        self.track_table.setToolTip("Click: go to the track's first frame. n: frames scored.")
        self.addTab(self.segment_table, "Segments")
        self.addTab(self.track_table, "Tracks")
        self.segment_table.cellClicked.connect(lambda r, _c: self._seek(self.segment_table, r, START))
        self.segment_table.cellDoubleClicked.connect(lambda r, _c: self._seek(self.segment_table, r, PEAK))
        self.track_table.cellClicked.connect(lambda r, _c: self._seek(self.track_table, r, FIRST))
        self.fps = 25.0

    def _seek(self, table: QTableWidget, row: int, col: int) -> None:
        it = table.item(row, col)
        if it is not None and it.data(Qt.UserRole) is not None:
            self.seek_requested.emit(int(it.data(Qt.UserRole)))

    def set_segments(self, segments: tuple[Segment, ...], fps: float, threshold: float | None = None) -> None:
        self.segments, self.fps = tuple(segments), fps or 25.0
        if threshold is not None:
            self.threshold = threshold
        t = self.segment_table
        t.setRowCount(len(self.segments))
        for r, s in enumerate(self.segments):
            length = (s.end_frame - s.start_frame + 1) / self.fps
            who = "" if s.track is None else f" in track {s.track}"
            tip = (f"Segment {r + 1}{who}: frames {s.start_frame}–{s.end_frame}, "
                   f"{format_short(s.start_s)}–{format_short(s.end_s)} ({length:.2f} s)\n"
                   f"peak {s.peak:.3f} at frame {s.peak_frame}, mean {s.mean:.3f}\n"
                   "Click: go to the start. Double-click: go to the peak.")
            cells = [
                _item(str(r + 1)),
                _track_item(s.track),
                _item(f"{s.start_frame} · {s.start_s:.1f}s", s.start_frame),
                _item(f"{s.end_frame} · {s.end_s:.1f}s", s.end_frame),
                _item(f"{s.peak:.2f}", s.peak_frame, theme.score_colour(s.peak, self.threshold)),
            ]
            for c, it in enumerate(cells):
                it.setToolTip(tip)
                t.setItem(r, c, it)
        self.setTabText(0, f"Segments ({len(self.segments)})")

    def set_robustness(self, report) -> None:
        """Mark each segment stable (✓) or fragile (⚠) from a core.robustness report of these segments."""
        by_number = {p.segment: p for p in report.segments} if report is not None else {}
        for r in range(self.segment_table.rowCount()):
            it = self.segment_table.item(r, 0)
            p = by_number.get(r + 1)
            if it is None:
                continue
            it.setText(str(r + 1) if p is None else f"{r + 1} {'⚠' if p.fragile else '✓'}")
            if p is not None:
                moved = ", ".join(f"{k} {v:.2f}" for k, v in p.degraded.items())
                it.setToolTip(("FRAGILE: " + p.because + " moves it across the threshold" if p.fragile
                               else "Stable under mild re-encoding") + f"\nas analysed {p.original:.2f}; {moved}")
                it.setForeground(QColor("#f85149" if p.fragile else "#3fb950"))
        self.segment_table.resizeColumnToContents(0)

    def set_agreement(self, agreement) -> None:
        """With compared models (core.agreement.Agreement; None: none), each segment's peak cell adds
        how many of the models that scored it flag it ("2/3"), each at its own threshold."""
        spans = {(a.start_frame, a.end_frame, a.track): a for a in agreement.spans if a.first_model} \
            if agreement is not None else {}
        for r, seg in enumerate(self.segments):
            it = self.segment_table.item(r, PEAK)
            if it is None:
                continue
            a = spans.get((seg.start_frame, seg.end_frame, seg.track))
            it.setText(f"{seg.peak:.2f}" if a is None else f"{seg.peak:.2f} {len(a.flagged_by)}/{len(a.scored_by)}")
            if a is not None:
                peaks = ", ".join(f"{m} {'not scored' if v is None else f'{v:.2f}'}" for m, v in a.peaks)
                it.setToolTip(f"Flagged by {a.summary()} (each at its own threshold): {peaks}")
        self.segment_table.resizeColumnToContents(PEAK)

    def set_tracks(self, tracks: tuple[TrackSummary, ...]) -> None:
        t = self.track_table
        t.setRowCount(len(tracks))
        for r, s in enumerate(tracks):
            v = s.verdict
            label = _item("–" if v is None else v.label.replace("_", " "), None,
                          None if v is None else QColor(theme.VERDICT_COLOURS.get(v.label, theme.TEXT)))
            label.setTextAlignment(Qt.AlignLeft | Qt.AlignVCenter)
            cells = [
                _track_item(s.track),
                label,
                _item(f"{s.first_frame}–{s.last_frame}", s.first_frame),
                _item(str(s.frames_scored)),
                _item("–" if s.mean is None else f"{s.mean:.2f}", None, theme.score_colour(s.mean, self.threshold)),
            ]
            tip = (f"Track {s.track}: frames {s.first_frame}–{s.last_frame}, {s.frames_scored} scored, "
                   f"{s.frames_above} at or above the threshold"
                   + ("" if s.peak is None else f", peak {s.peak:.2f}"))
            if v is not None:
                tip += f"\nverdict {v.label}" + (f" ({v.reason})" if v.reason else "")
            for c, it in enumerate(cells):
                it.setToolTip(tip)
                t.setItem(r, c, it)
        self.setTabText(1, f"Tracks ({len(tracks)})")

    def highlight_at(self, index: int) -> None:
        """Select the segment containing frame ``index`` (without seeking), or none."""
        t = self.segment_table
        row = next((r for r, s in enumerate(self.segments) if s.start_frame <= index <= s.end_frame), -1)
        t.blockSignals(True)
        if row < 0:
            t.clearSelection()
        elif t.currentRow() != row or not t.selectionModel().hasSelection():
            t.selectRow(row)
        t.blockSignals(False)
