"""The file as evidence: a FileStructure (core.filecheck) shown as sections of a tree, details below.

Sections: Findings, Container, Streams, Tags, Frame types and GOP, Timestamps, Content credentials,
Boxes. Rows are short (name, value); the selected row's full text, and for a finding what it means
and does not mean, wraps in the pane under the tree, so the panel stays readable in a side column of
a 1366x768 window. Only shows a result: reading the file belongs to a worker thread, not to this widget.
"""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QSplitter,
    QTextBrowser,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.filecheck import FileStructure, Finding, StreamInfo
from gui import theme

SECTIONS = ("Findings", "Container", "Streams", "Tags", "Frame types and GOP", "Timestamps", "Content credentials",
            "Boxes")
DETAIL_ROLE = Qt.UserRole + 1
NOTABLE_COLOUR = theme.THRESHOLD
STATUS_WORDS = {
    "none": "No content credentials",
    "trusted": "Valid, signer in the trust list",
    "valid_untrusted": "Signature valid, signer not in the shipped trust list",
    "invalid": "Do not validate",
    "not_checked": "Not checked",
}
KEYFRAMES_SHOWN = 40


def _fmt(value, unit: str = "") -> str:
    if value is None:
        return "not stated"
    if isinstance(value, float):
        return f"{value:,.3f}".rstrip("0").rstrip(".") + unit
    if isinstance(value, bool):
        return "yes" if value else "no"
    return f"{value}{unit}"


def _rate(bps: int | None) -> str:
    return "not stated" if not bps else f"{bps / 1000:,.0f} kbit/s"


def _finding_html(f: Finding) -> str:
    e = html.escape
    level = "worth a look" if f.level == "notable" else "for context"
    where = []
    if f.stream is not None:
        where.append(f"stream {f.stream}")
    if f.frame is not None:
        where.append(f"frame {f.frame}")
    return (f"<p><b>{e(f.title)}</b> <i>({level}{', ' + ', '.join(where) if where else ''})</i></p>"
            f"<p>{e(f.detail)}</p><p><b>What it means:</b> {e(f.means)}</p>"
            f"<p><b>What it does not mean:</b> {e(f.does_not_mean)}</p>")


class FilePanel(QWidget):
    """Shows one FileStructure; ``set_structure(None)`` empties it."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.structure: FileStructure | None = None
        self.summary = QLabel("No file read.")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.tree = QTreeWidget()
        self.tree.setColumnCount(2)
        self.tree.setHeaderLabels(["Item", "Value"])
        self.tree.setUniformRowHeights(True)
        self.tree.setTextElideMode(Qt.ElideRight)
        self.tree.setSelectionMode(QAbstractItemView.SingleSelection)
        header = self.tree.header()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(0, QHeaderView.Interactive)
        header.resizeSection(0, 170)
        self.tree.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)  # long values elide; the pane below wraps
        self.details = QTextBrowser()
        self.details.setOpenLinks(False)
        self.details.setLineWrapMode(QTextBrowser.WidgetWidth)
        self.details.setPlaceholderText("Select a row to read it in full.")
        split = QSplitter(Qt.Vertical)
        split.addWidget(self.tree)
        split.addWidget(self.details)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        split.setChildrenCollapsible(False)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(self.summary)
        lay.addWidget(split, 1)
        self.tree.currentItemChanged.connect(self._show_details)
        self.sections: dict[str, QTreeWidgetItem] = {}

    # --- filling --------------------------------------------------------------------------------

    def set_structure(self, fs: FileStructure | None) -> None:
        self.structure = fs
        self.tree.clear()
        self.sections = {}
        self.details.clear()
        if fs is None:
            self.summary.setText("No file read.")
            return
        notable = sum(1 for f in fs.findings if f.level == "notable")
        creds = STATUS_WORDS.get(fs.credentials.status, fs.credentials.status) if fs.credentials else "not checked"
        kinds = ", ".join(f"{s.kind} {s.codec}" for s in fs.streams)
        self.summary.setText(f"<b>{html.escape(Path(fs.path).name)}</b>: {html.escape(fs.container.format_long_name)}; "
                             f"{html.escape(kinds)}. {len(fs.findings)} findings, {notable} worth a look. "
                             f"Content credentials: {html.escape(creds)}.")
        for name in SECTIONS:
            item = QTreeWidgetItem(self.tree, [name, ""])
            font = item.font(0)
            font.setBold(True)
            item.setFont(0, font)
            item.setFirstColumnSpanned(True)
            self.sections[name] = item
        self._findings(fs)
        self._container(fs)
        self._streams(fs)
        self._tags(fs)
        self._gop(fs)
        self._timing(fs)
        self._credentials(fs)
        self._boxes(fs)
        for name in ("Findings", "Container", "Streams", "Content credentials"):
            self.sections[name].setExpanded(True)

    def _row(self, parent: QTreeWidgetItem, name: str, value: str = "", detail: str | None = None,
             colour: str | None = None) -> QTreeWidgetItem:
        item = QTreeWidgetItem(parent, [name, value])
        full = detail if detail is not None else html.escape(f"{name}: {value}" if value else name)
        item.setData(0, DETAIL_ROLE, full)
        item.setToolTip(0, name)
        if value:
            item.setToolTip(1, value)
        if colour:
            item.setForeground(0, QBrush(QColor(colour)))
        return item

    def _findings(self, fs: FileStructure) -> None:
        sec = self.sections["Findings"]
        ordered = sorted(fs.findings, key=lambda f: f.level != "notable")  # worth a look first, order kept
        for f in ordered:  # the title spans both columns; "worth a look" shows as colour, bold and tooltip
            colour = NOTABLE_COLOUR if f.level == "notable" else None
            item = self._row(sec, f.title, "", _finding_html(f), colour=colour)
            item.setFirstColumnSpanned(True)
            item.setToolTip(0, f"{f.title} ({'worth a look' if f.level == 'notable' else 'context'})")
            if f.level == "notable":
                font = item.font(0)
                font.setBold(True)
                item.setFont(0, font)
        sec.setText(1, f"{len(fs.findings)}")

    def _container(self, fs: FileStructure) -> None:
        c = fs.container
        sec = self.sections["Container"]
        self._row(sec, "File", Path(fs.path).name, html.escape(fs.path))
        self._row(sec, "Size", f"{fs.size_bytes:,} bytes")
        self._row(sec, "Format", c.format_long_name)
        brands = " ".join(c.compatible_brands)
        self._row(sec, "Brand", f"{c.major_brand or 'none'} (minor {c.minor_version or '-'})"
                  + (f"; compatible {brands}" if brands else ""))
        self._row(sec, "Duration", _fmt(c.duration_s, " s"))
        self._row(sec, "Bit rate", _rate(c.bit_rate))
        self._row(sec, "Encoder tag", c.encoder or "none")
        self._row(sec, "Creation time", c.creation_time or "none")
        self._row(sec, "Location", c.location or "none")
        if c.make or c.model:
            self._row(sec, "Device", " ".join(v for v in (c.make, c.model) if v))
        self._row(sec, "Read by", "; ".join(f"{k} {v}" for k, v in fs.reader))
        self._row(sec, "Reading took", f"{fs.read_s:.3f} s")

    def _stream_rows(self, parent: QTreeWidgetItem, s: StreamInfo) -> None:
        self._row(parent, "Codec", f"{s.codec} ({s.codec_long_name})")
        self._row(parent, "Profile / level", f"{s.profile or '-'} / {s.level or '-'}")
        self._row(parent, "Duration", _fmt(s.duration_s, " s"))
        self._row(parent, "Bit rate", f"declared {_rate(s.bit_rate)}, measured {_rate(s.timing.measured_bit_rate)}")
        self._row(parent, "Handler", s.handler_name or "none")
        if s.language:
            self._row(parent, "Language", s.language)
        if s.video is not None:
            v = s.video
            self._row(parent, "Size", f"{v.width} × {v.height}")
            self._row(parent, "Pixel format", f"{v.pixel_format or '-'}, {_fmt(v.bit_depth)} bit")
            self._row(parent, "Frame rate",
                      f"declared {_fmt(v.declared_fps)}, measured {_fmt(s.timing.measured_fps)} frames/s")
            self._row(parent, "Frames", f"declared {_fmt(s.frames_declared)}, found {s.timing.packets}")
            rot = (f"{v.rotation}° clockwise" if v.rotation else "none") + (", mirrored" if v.mirrored else "")
            self._row(parent, "Rotation", f"{rot} ({v.rotation_source})",
                      html.escape(f"Rotation: {rot}, from the {v.rotation_source}. Display matrix: "
                                  f"{list(v.display_matrix) or 'none'}"))
            self._row(parent, "Colour", f"{v.color_primaries}, {v.color_transfer}, {v.color_space}, {v.color_range}")
            self._row(parent, "Scan", v.field_order)
            for text in v.encoder_sei:
                self._row(parent, "Encoder note", text, html.escape(f"Encoder note in the bitstream: {text}"))
        if s.audio is not None:
            a = s.audio
            self._row(parent, "Sampling", f"{a.sample_rate:,} Hz, {a.channels} ch ({a.channel_layout}), "
                                          f"{a.sample_format}")

    def _streams(self, fs: FileStructure) -> None:
        sec = self.sections["Streams"]
        for s in fs.streams:
            item = self._row(sec, f"#{s.index} {s.kind}", s.codec)
            self._stream_rows(item, s)
            item.setExpanded(s.kind == "video")
        sec.setText(1, f"{len(fs.streams)}")

    def _tags(self, fs: FileStructure) -> None:
        sec = self.sections["Tags"]
        box = self._row(sec, "Container", f"{len(fs.container.tags)} tags")
        for k, v in fs.container.tags:
            self._row(box, k, v)
        for s in fs.streams:
            item = self._row(sec, f"Stream #{s.index}", f"{len(s.tags)} tags")
            for k, v in s.tags:
                self._row(item, k, v)

    def _gop(self, fs: FileStructure) -> None:
        sec = self.sections["Frame types and GOP"]
        for s in fs.stream("video"):
            g = s.video.gop
            item = self._row(sec, f"Stream #{s.index}", s.codec)
            types = ", ".join(f"{k} {n:,}" for k, n in g.picture_types) if g.picture_types else "not read"
            self._row(item, "Picture types", types, html.escape(f"Picture types: {types}. How: {g.picture_type_method}."
                                                                + (f" {g.picture_types_unread} packets unread."
                                                                   if g.picture_types_unread else "")))
            self._row(item, "Key frames", f"{g.keyframe_count:,}")
            shown = ", ".join(str(k) for k in g.keyframes[:KEYFRAMES_SHOWN])
            more = ", ..." if g.keyframe_count > KEYFRAMES_SHOWN else ""
            self._row(item, "Key frames at", shown + more,
                      html.escape("Key frames at frames " + ", ".join(str(k) for k in g.keyframes)))
            self._row(item, "GOP length (typical)", _fmt(g.gop_typical, " frames"))
            if g.gop_lengths:
                self._row(item, "GOP lengths", f"{min(g.gop_lengths)} to {max(g.gop_lengths)} frames",
                          html.escape("GOP lengths: " + ", ".join(str(n) for n in g.gop_lengths)))
            irregular = ", ".join(str(k) for k in g.irregular_at) or "none"
            self._row(item, "Irregular GOPs end at", irregular,
                      colour=NOTABLE_COLOUR if g.irregular_at else None)
            if g.pattern:
                self._row(item, "First frames", g.pattern, html.escape(f"Picture types of the first frames, in the "
                                                                      f"order shown: {g.pattern}"))
            item.setExpanded(True)

    def _timing(self, fs: FileStructure) -> None:
        sec = self.sections["Timestamps"]
        for s in fs.streams:
            t = s.timing
            item = self._row(sec, f"Stream #{s.index} {s.kind}", f"{t.packets:,} packets")
            self._row(item, "Timestamps used", t.timestamps)
            self._row(item, "First / last", f"{_fmt(t.first_s, ' s')} / {_fmt(t.last_s, ' s')}")
            if t.interval_median_s is not None:
                self._row(item, "Interval (usual, min, max)",
                          f"{t.interval_median_s * 1000:.2f}, {t.interval_min_s * 1000:.2f}, "
                          f"{t.interval_max_s * 1000:.2f} ms")
            self._row(item, "Irregular intervals", f"{t.irregular_intervals:,}")
            if s.kind == "video":
                self._row(item, "Variable frame rate", _fmt(t.variable_rate),
                          colour=NOTABLE_COLOUR if t.variable_rate else None)
            gaps = f"{t.gap_count:,}"
            gap_text = "; ".join(f"at {g.frame} ({g.time_s:.3f} s): {g.interval_s * 1000:.1f} ms" for g in t.gaps)
            self._row(item, "Gaps", gaps, html.escape(f"Gaps: {gaps}. {gap_text}"),
                      colour=NOTABLE_COLOUR if t.gap_count else None)
            if t.duplicate_pts or t.dts_out_of_order:
                self._row(item, "Repeated / backward", f"{t.duplicate_pts} / {t.dts_out_of_order}",
                          colour=NOTABLE_COLOUR)

    def _credentials(self, fs: FileStructure) -> None:
        sec = self.sections["Content credentials"]
        c = fs.credentials
        if c is None:
            self._row(sec, "Status", "not checked")
            return
        status = STATUS_WORDS.get(c.status, c.status)
        sec.setText(1, status)
        self._row(sec, "Status", status, html.escape(c.summary),
                  colour=NOTABLE_COLOUR if c.status in ("invalid", "valid_untrusted") else None)
        tl = c.trust_list
        self._row(sec, "Trust list", f"{tl.name}, {tl.date}",
                  html.escape(f"Trust list: {tl.name}, dated {tl.date}, {tl.anchors} anchors. Source: {tl.source}. "
                              f"File {tl.path}, SHA-256 {tl.sha256}."))
        if c.status in ("none", "not_checked"):
            return
        self._row(sec, "Signer", f"{c.signer or 'not named'} ({c.issuer or 'issuer not named'})")
        if c.signed_at:
            self._row(sec, "Signed at", c.signed_at)
        self._row(sec, "Claim generator", c.claim_generator or "not named")
        for a in c.actions:
            extra = ", ".join(x for x in (a.software_agent, a.digital_source_type, a.when) if x)
            self._row(sec, "Action", a.action + (f" ({extra})" if extra else ""))
        for i in c.ingredients:
            self._row(sec, "Ingredient", f"{i.title or 'untitled'} ({i.relationship or '-'})")
        for f in c.failures:
            self._row(sec, "Validation failure", f.code, html.escape(f"{f.code}: {f.explanation}"),
                      colour=NOTABLE_COLOUR)
        sec.setExpanded(True)

    def _boxes(self, fs: FileStructure) -> None:
        sec = self.sections["Boxes"]
        a = fs.atoms
        if a is None:
            self._row(sec, "Not an MP4/MOV file", "no boxes to show")
            return
        self._row(sec, "Order", " ".join(b.type for b in a.boxes),
                  html.escape("; ".join(f"{b.type} at {b.offset:,} ({b.size:,} bytes){' - ' + b.note if b.note else ''}"
                                        for b in a.boxes)))
        self._row(sec, "Movie created / modified", f"{a.created or 'not set'} / {a.modified or 'not set'}")
        for t in a.tracks:
            item = self._row(sec, f"Track {t.track_id} ({t.handler_type})", t.handler_name)
            self._row(item, "Created / modified", f"{t.created or 'not set'} / {t.modified or 'not set'}")
            edits = "; ".join(f"{e.segment_duration} from {e.media_time} at {e.rate:g}" for e in t.edit_list) or "none"
            self._row(item, "Edit list", edits)
        if a.udta_boxes:
            self._row(sec, "User data boxes", " ".join(a.udta_boxes))

    # --- details --------------------------------------------------------------------------------

    def _show_details(self, current: QTreeWidgetItem | None, _previous=None) -> None:
        if current is None:
            self.details.clear()
            return
        text = current.data(0, DETAIL_ROLE)
        self.details.setHtml(text if text else f"<b>{html.escape(current.text(0))}</b>")

    def select_finding(self, code: str) -> bool:
        """Select the first finding with this code (its details show below); False when there is none."""
        if self.structure is None:
            return False
        sec = self.sections["Findings"]
        ordered = sorted(self.structure.findings, key=lambda f: f.level != "notable")
        for row, f in enumerate(ordered):
            if f.code == code:
                self.tree.setCurrentItem(sec.child(row))
                return True
        return False
