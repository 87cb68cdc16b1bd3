"""The probability timeline under the player (pyqtgraph), sharing its time axis.

Draws one curve per face track and the per-frame maximum (gaps where nothing was scored), a
status strip saying why frames are unscored, the decision threshold as a draggable line,
suspicious segments as bands and the playhead. Click seeks; drag the playhead to scrub;
wheel zooms time, drag pans; double-click shows everything.

After a robustness probe (core/robustness.py) the frames it re-scored carry a shaded band around
their track's curve, from the lowest to the highest score over the degradations (:class:`ProbeBand`,
one per track, under the curves). The window decides when a probe applies (``set_probe``); opening
a video clears it here.

Models compared in the same analysis (Analysis > Compare with) each add a dashed curve of their
per-frame maximum (:meth:`Timeline.set_lanes`), and each flagged span is marked "k/n": how many of
the n models that scored it flag it, each at its own calibrated threshold (:meth:`set_agreement`).
"""

from __future__ import annotations

import html

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsPathItem, QLabel, QSizePolicy, QVBoxLayout, QWidget

from core.result import STATUSES, Segment
from core.timecode import format_time, time_to_frame
from gui import theme
from gui.scores import NOT_ANALYSED, ScoreStore

AXIS_WIDTH = 46
PROBE_WORDS = "range of the scores after JPEG 70/40, half/quarter resolution and blur"
PROBE_TIP = (f"Shaded around a track's curve: the {PROBE_WORDS} (Analysis > Check the segments' robustness), "
             "at the frames the probe re-scored. A band that crosses the threshold: re-encoding can change the "
             "finding there.")


class ProbeBand(QGraphicsPathItem):
    """One track's re-encoding range: a filled polygon per segment through the re-scored frames, the
    highest degraded score along the top and the lowest along the bottom. ``frames``: the frames it spans."""

    def __init__(self, track: int | None, runs: list[list], step: float, fps: float):
        super().__init__()
        colour = QColor(theme.MAX_CURVE if track is None else theme.track_colour(track))
        self.track, self.frames = track, tuple(sorted(f.frame for run in runs for f in run))
        path = QPainterPath()
        for run in runs:
            xs = [f.frame / fps for f in run]
            lows, highs = [f.low for f in run], [f.high for f in run]
            if len(run) == 1:  # one re-scored frame: as wide as a sample, so it can be seen
                xs, lows, highs = [xs[0] - step / 2, xs[0] + step / 2], lows * 2, highs * 2
            path.moveTo(xs[0], highs[0])
            for x, y in zip(xs[1:], highs[1:], strict=True):
                path.lineTo(x, y)
            for x, y in zip(reversed(xs), reversed(lows), strict=True):
                path.lineTo(x, y)
            path.closeSubpath()
        self.setPath(path)
        fill = QColor(colour)
        fill.setAlpha(70)
        self.setBrush(QBrush(fill))
        edge = QColor(colour)
        edge.setAlpha(150)
        pen = QPen(edge, 1)
        pen.setCosmetic(True)  # 1 px on screen whatever the zoom
        self.setPen(pen)
        self.setZValue(-1)  # under every curve (0 and up), over the segment bands (-2)
        self.setToolTip(f"T{track}: {PROBE_TIP}" if track is not None else PROBE_TIP)


class TimeAxis(pg.AxisItem):
    """Seconds shown as [h:]mm:ss, with tenths or hundredths when zoomed in."""

    def tickStrings(self, values, scale, spacing):  # noqa: N802 - pyqtgraph API
        out = []
        for v in values:
            v = max(0.0, float(v))
            h, rem = divmod(v, 3600)
            m, s = divmod(rem, 60)
            head = f"{int(h)}:{int(m):02d}" if h >= 1 else f"{int(m)}"
            if spacing >= 1:
                out.append(f"{head}:{int(round(s)) if s < 59.5 else 59:02d}")
            elif spacing >= 0.1:
                out.append(f"{head}:{s:04.1f}")
            else:
                out.append(f"{head}:{s:05.2f}")
        return out


def _status_lut() -> np.ndarray:
    lut = np.zeros((len(STATUSES) + 1, 4), np.uint8)
    for i, s in enumerate(STATUSES):
        lut[i] = theme.STATUS_COLOURS[s]
    lut[-1] = theme.NOT_ANALYSED  # index -1
    return lut


def envelope(values: np.ndarray, i0: int, i1: int, bins: int) -> tuple[np.ndarray, np.ndarray]:
    """Slots ``i0:i1`` as (slot positions, values), or as a max/min pair per bin when there are
    more slots than ``2 * bins``. NaN (no score) is ignored inside a bin; a bin is a gap only
    when none of its slots has a score, so a short gap at a coarse zoom shows in the strip only."""
    seg = values[i0:i1]
    if len(seg) <= 2 * bins:
        return np.arange(i0, i0 + len(seg), dtype=np.float64), seg
    k = -(-len(seg) // bins)
    padded = np.full(-(-len(seg) // k) * k, np.nan)
    padded[: len(seg)] = seg
    blocks = padded.reshape(-1, k)
    centre = i0 + np.arange(len(blocks)) * k + (k - 1) / 2
    y = np.empty(2 * len(blocks))
    y[0::2] = np.fmax.reduce(blocks, axis=1)
    y[1::2] = np.fmin.reduce(blocks, axis=1)
    return np.repeat(centre, 2), y


STRIP_COLUMNS = 8192  # pyqtgraph cannot draw images wider than 32767 columns


def strip_columns(status: np.ndarray) -> tuple[np.ndarray, int]:
    """Status codes binned to at most STRIP_COLUMNS columns, and slots per column.

    A column shows its most telling status: decode error > face too small > no face > scored >
    not analysed (codes + 1 are exactly these priorities)."""
    if len(status) == 0:
        return np.full(1, NOT_ANALYSED, np.int8), 1
    k = -(-len(status) // STRIP_COLUMNS)
    if k == 1:
        return status, 1
    padded = np.full(-(-len(status) // k) * k, NOT_ANALYSED, np.int8)
    padded[: len(status)] = status
    return (padded.reshape(-1, k) + 1).max(axis=1) - 1, k


class Timeline(QWidget):
    seek_requested = Signal(int)
    threshold_changed = Signal(float)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.store: ScoreStore | None = None
        self.fps, self.frames = 25.0, 0
        self.segments: tuple[Segment, ...] = ()
        self._drawn_version = -1
        self._curves: dict[int, pg.PlotDataItem] = {}
        self.lanes: list = []  # gui.review_state.Lane: compared models, a dashed curve each
        self._lane_curves: list[pg.PlotDataItem] = []
        self._lane_lines: list[pg.InfiniteLine] = []
        self._lane_versions: tuple = ()
        self._agreement_marks: list[pg.TextItem] = []
        self.probe_bands: dict[int | None, ProbeBand] = {}
        self._probed: dict[tuple[int, int | None], object] = {}  # (frame, track) -> core.robustness.FrameProbe
        self._probe_frames: tuple = ()
        self._lut = _status_lut()
        self._build()

    # -- construction ---------------------------------------------------------------------
    def _build(self) -> None:
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        self.threshold = 0.5
        self.readout = QLabel(" ")
        self.readout.setFont(theme.mono_font())
        self.readout.setTextFormat(Qt.RichText)
        lay.addWidget(self.readout)

        self.view = pg.GraphicsLayoutWidget()
        self.view.setBackground(theme.BG)
        self.view.ci.setContentsMargins(0, 4, 8, 0)
        self.view.ci.setSpacing(0)
        lay.addWidget(self.view, 1)

        self.plot = self.view.addPlot(row=0, col=0, axisItems={"bottom": TimeAxis("bottom")})
        self.strip = self.view.addPlot(row=1, col=0, axisItems={"bottom": TimeAxis("bottom")})
        self.view.ci.layout.setRowStretchFactor(0, 10)
        self.view.ci.layout.setRowStretchFactor(1, 1)
        self.strip.setMaximumHeight(36)
        self.strip.setMinimumHeight(36)
        for plot in (self.plot, self.strip):
            plot.setMenuEnabled(False)
            plot.hideButtons()
            plot.setMouseEnabled(x=True, y=False)
            plot.getAxis("left").setWidth(AXIS_WIDTH)
        self.strip.setXLink(self.plot)
        self.plot.getAxis("bottom").setStyle(showValues=False)
        self.plot.showGrid(x=True, y=True, alpha=0.15)
        self.plot.setLabel("left", "P(fake)")
        self.plot.getAxis("left").setTicks([[(0, "0"), (0.5, "0.5"), (1, "1")], [(0.25, ""), (0.75, "")]])
        self.plot.setYRange(-0.06, 1.06, padding=0)
        self.strip.getAxis("left").setTicks([[]])
        self.strip.getAxis("left").setStyle(showValues=False)
        self.strip.setYRange(0, 1, padding=0)
        self.plot.getViewBox().setDefaultPadding(0)

        self.bands = pg.BarGraphItem(x0=[], x1=[], y0=-0.05, y1=1.05, brush=pg.mkBrush(*theme.SEGMENT), pen=None)
        self.bands.setZValue(-2)
        self.plot.addItem(self.bands)
        self.max_curve = pg.PlotDataItem(pen=pg.mkPen(theme.MAX_CURVE, width=2), connect="finite", name="max")
        self._tune(self.max_curve, 2)
        self.max_curve.setZValue(10)
        self.plot.addItem(self.max_curve)

        self.threshold_line = pg.InfiniteLine(
            pos=0.5, angle=0, movable=True, bounds=(0.01, 0.99),
            pen=pg.mkPen(theme.THRESHOLD, width=1.5, style=Qt.DashLine),
            hoverPen=pg.mkPen(theme.THRESHOLD, width=3),
        )
        self.threshold_line.setZValue(20)
        pg.InfLineLabel(self.threshold_line, text="threshold {value:.2f}", position=0.995,
                        anchors=[(1, 1), (1, 1)], color=theme.THRESHOLD, fill=(30, 31, 34, 200))
        self.threshold_line.sigPositionChanged.connect(self._threshold_moved)
        self.plot.addItem(self.threshold_line)

        self.playhead = pg.InfiniteLine(pos=0, angle=90, movable=True, pen=pg.mkPen(theme.PLAYHEAD, width=2),
                                        hoverPen=pg.mkPen(theme.PLAYHEAD, width=4))
        self.playhead.setZValue(30)
        self.playhead.sigDragged.connect(self._playhead_dragged)
        self.plot.addItem(self.playhead)
        self.strip_head = pg.InfiniteLine(pos=0, angle=90, movable=False, pen=pg.mkPen(theme.PLAYHEAD, width=2))
        self.strip.addItem(self.strip_head)

        self.status_image = pg.ImageItem()
        self.strip.addItem(self.status_image)
        self.bookmark_lines: list[pg.InfiniteLine] = []

        self.legend = QLabel()
        self.legend.setTextFormat(Qt.RichText)
        self.legend.setStyleSheet(f"color: {theme.MUTED};")
        self.legend.setWordWrap(True)  # compared models lengthen it: wrap, never widen the window
        self.legend.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)
        lay.addWidget(self.legend)

        self._envelope_timer = QTimer(self)
        self._envelope_timer.setSingleShot(True)
        self._envelope_timer.timeout.connect(self._draw_curves)
        self.plot.getViewBox().sigXRangeChanged.connect(lambda *_: self._envelope_timer.start(0))
        self.plot.getViewBox().sigResized.connect(lambda *_: self._envelope_timer.start(0))

        scene = self.view.scene()
        scene.sigMouseClicked.connect(self._clicked)
        self._hover_proxy = pg.SignalProxy(scene.sigMouseMoved, rateLimit=30, slot=self._hovered)
        self._setting_threshold = False
        self._update_legend()
        self.set_video(0, 25.0, None)

    @staticmethod
    def _tune(curve: pg.PlotDataItem, width: float) -> None:
        # Wide antialiased polylines are pathological in Qt's raster engine (0.25 s for 450 points
        # at 2 px); drawn as separate segments they take 17 ms. The cache turns playhead moves
        # (which repaint the region under the line) into a blit instead of a re-stroke.
        if width > 1:
            curve.curve.setSegmentedLineMode("on")
        curve.curve.setCacheMode(QGraphicsItem.DeviceCoordinateCache)

    # -- video and data -------------------------------------------------------------------
    def set_video(self, frames: int, fps: float, store: ScoreStore | None) -> None:
        self.frames, self.fps, self.store = frames, fps or 25.0, store
        self.readout.setText(" ")  # nothing of the previous file's frame or score stays
        for c in self._curves.values():
            self.plot.removeItem(c)
        self._curves.clear()
        self.max_curve.setData([], [])
        self.set_segments(())
        self.set_bookmarks([])
        self.set_probe(())  # another file: no probe of it yet
        self.set_lanes([])
        self.set_agreement(None)
        self._drawn_version = -1
        duration = frames / self.fps if frames > 0 else 10.0  # an empty 10 s axis until a video opens
        self.playhead.setVisible(frames > 0)
        self.strip_head.setVisible(frames > 0)
        for plot in (self.plot, self.strip):
            plot.getViewBox().setLimits(xMin=0, xMax=duration, minXRange=min(duration, 5 / self.fps))
        self.plot.setXRange(0, duration, padding=0)
        self.set_playhead(0)
        self.refresh(force=True)

    def refresh(self, force: bool = False) -> None:
        """Redraw from the store (and the lanes' stores) if they changed since the last redraw."""
        s = self.store
        lanes = tuple(lane.store.version for lane in self.lanes)
        if s is None or (not force and s.version == self._drawn_version and lanes == self._lane_versions):
            return
        self._drawn_version, self._lane_versions = s.version, lanes
        self._draw_curves()
        codes, per_column = strip_columns(s.status)
        rgba = self._lut[codes.astype(np.int16) % len(self._lut)]
        self.status_image.setImage(rgba[:, None, :], autoLevels=False)
        width = len(codes) * per_column * s.every / s.fps
        self.status_image.setRect(QRectF(0, 0, width, 1))
        self._update_legend()

    def _draw_curves(self) -> None:
        """The visible part of every curve, reduced to a min/max envelope of about one bin per pixel."""
        s = self.store
        if s is None:
            return
        vb = self.plot.getViewBox()
        (lo, hi), _ = vb.viewRange()
        step = s.every / s.fps
        i0 = max(0, int(np.floor(lo / step)) - 1)
        i1 = min(len(s.max), int(np.ceil(hi / step)) + 2)
        bins = max(100, int(vb.width()))
        x, y = envelope(s.max, i0, i1, bins)
        self.max_curve.setData(x * step, y, connect="finite")
        for track, values in s.tracks.items():
            curve = self._curves.get(track)
            if curve is None:
                curve = self._curves[track] = pg.PlotDataItem(
                    pen=pg.mkPen(theme.track_colour(track), width=1), connect="finite")
                self._tune(curve, 1)
                self.plot.addItem(curve)
            x, y = envelope(values, i0, i1, bins)
            curve.setData(x * step, y, connect="finite")
        for lane, curve in zip(self.lanes, self._lane_curves, strict=True):
            ls = lane.store
            lstep = ls.every / ls.fps
            j0 = max(0, int(np.floor(lo / lstep)) - 1)
            j1 = min(len(ls.max), int(np.ceil(hi / lstep)) + 2)
            x, y = envelope(ls.max, j0, j1, bins)
            curve.setData(x * lstep, y, connect="finite")

    def set_lanes(self, lanes) -> None:
        """Compared models (``gui.review_state.Lane``): each model's per-frame maximum as a dashed
        curve in its colour, named in the legend and in the hover readout."""
        for item in (*self._lane_curves, *self._lane_lines):
            self.plot.removeItem(item)
        self.lanes = list(lanes)
        self._lane_curves, self._lane_lines = [], []
        for lane in self.lanes:
            curve = pg.PlotDataItem(pen=pg.mkPen(lane.colour, width=1.5, style=Qt.DashLine), connect="finite")
            self._tune(curve, 1)
            curve.setZValue(9)
            self.plot.addItem(curve)
            self._lane_curves.append(curve)
            # its own calibrated threshold: the review threshold line is the chosen model's only
            if lane.threshold is not None:
                line = pg.InfiniteLine(pos=lane.threshold, angle=0, movable=False,
                                       pen=pg.mkPen(lane.colour, width=1, style=Qt.DotLine))
                line.setToolTip(f"{lane.name}: its threshold {lane.threshold:.2f}")
                line.setZValue(8)
                self.plot.addItem(line)
                self._lane_lines.append(line)
        self._lane_versions = ()
        self.refresh(force=True)

    def set_agreement(self, agreement) -> None:
        """Over each flagged span, how many of the scoring models flag it ("2/3"), from
        ``core.agreement.Agreement``; None clears the marks."""
        for m in self._agreement_marks:
            self.plot.removeItem(m)
        self._agreement_marks = []
        if agreement is None:
            return
        for span in agreement.spans:
            whole = span.unanimous
            colour = theme.VERDICT_COLOURS["fake"] if whole else theme.THRESHOLD
            mark = pg.TextItem(f"{len(span.flagged_by)}/{len(span.scored_by)}", color=colour, anchor=(0, 0))
            mark.setToolTip(f"flagged by {span.summary()}: " + ", ".join(span.flagged_by))
            mark.setPos(span.start_s, 1.06)
            mark.setZValue(25)
            self.plot.addItem(mark, ignoreBounds=True)
            self._agreement_marks.append(mark)

    def set_segments(self, segments: tuple[Segment, ...]) -> None:
        self.segments = tuple(segments)
        step = (self.store.every if self.store else 1) / self.fps
        x0 = [s.start_s for s in self.segments]
        x1 = [s.end_s + step for s in self.segments]
        self.bands.setOpts(x0=x0, x1=x1, y0=-0.05, y1=1.05)

    def set_probe(self, frames) -> None:
        """The robustness probe's re-scored faces (``core.robustness.FrameProbe``; empty or None: none)
        as a band per track around its curve. The same report again (every derivation asks) is a no-op."""
        frames = tuple(frames or ())
        if frames == self._probe_frames:
            return
        self._probe_frames = frames
        for band in self.probe_bands.values():
            self.plot.removeItem(band)
        self.probe_bands.clear()
        self._probed = {(f.frame, f.track): f for f in frames}
        runs: dict[int | None, dict[int, list]] = {}
        for f in sorted(frames, key=lambda f: (f.segment, f.frame)):
            runs.setdefault(f.track, {}).setdefault(f.segment, []).append(f)
        step = (self.store.every if self.store else 1) / self.fps
        for track, by_segment in runs.items():
            band = self.probe_bands[track] = ProbeBand(track, list(by_segment.values()), step, self.fps)
            self.plot.addItem(band, ignoreBounds=True)
        self._update_legend()

    def set_bookmarks(self, marks) -> None:
        """The case's bookmarks on this video as labelled markers: ``(frame, label)`` pairs; a click on
        one's label goes to its frame like any click on the timeline."""
        for line in self.bookmark_lines:
            self.plot.removeItem(line)
        self.bookmark_lines = []
        for frame, label in sorted(marks):
            line = pg.InfiniteLine(pos=frame / self.fps, angle=90, movable=False,
                                   pen=pg.mkPen(theme.BOOKMARK, width=1, style=Qt.DotLine))
            line.setZValue(25)
            line.frame = int(frame)
            text = f"★ {label}" if label else "★"
            line.label = pg.InfLineLabel(line, text=text[:24] + ("…" if len(text) > 24 else ""), position=0.06,
                                         anchors=[(0, 1), (0, 1)], color=theme.BOOKMARK, fill=(30, 31, 34, 200))
            line.setToolTip(f"Bookmark, frame {frame}: {label}" if label else f"Bookmark, frame {frame}")
            self.plot.addItem(line)
            self.bookmark_lines.append(line)

    def set_threshold(self, value: float) -> None:
        self.threshold = value
        self._setting_threshold = True
        try:
            self.threshold_line.setValue(value)
        finally:
            self._setting_threshold = False

    def threshold(self) -> float:
        return float(self.threshold_line.value())

    def set_playhead(self, index: int, follow: bool = True) -> None:
        t = index / self.fps
        if not self.playhead.moving:
            self.playhead.setValue(t)
        self.strip_head.setValue(t)
        if follow and not self.playhead.moving:
            lo, hi = self.plot.getViewBox().viewRange()[0]
            if t < lo or t > hi:  # page along with playback, keep the zoom
                width = hi - lo
                self.plot.setXRange(max(0.0, t - width * 0.1), max(0.0, t - width * 0.1) + width, padding=0)

    def show_all(self) -> None:
        self.plot.setXRange(0, self.frames / self.fps if self.frames > 0 else 10.0, padding=0)

    def zoom_time(self, factor: float) -> None:
        vb = self.plot.getViewBox()
        vb.scaleBy(x=factor, center=(self.playhead.value(), 0.5))

    # -- interaction ----------------------------------------------------------------------
    def x_to_frame(self, x: float) -> int:
        return int(min(max(time_to_frame(x, self.fps), 0), max(self.frames - 1, 0)))

    def _scene_to_x(self, pos) -> float | None:
        for plot in (self.plot, self.strip):
            vb = plot.getViewBox()
            if vb.sceneBoundingRect().contains(pos):
                return vb.mapSceneToView(pos).x()
        return None

    def _clicked(self, ev) -> None:
        if self.frames <= 0 or ev.button() != Qt.LeftButton:
            return
        x = self._scene_to_x(ev.scenePos())
        if x is None:
            return
        if ev.double():
            self.show_all()
            return
        self.seek_requested.emit(self.x_to_frame(x))

    def _playhead_dragged(self, line) -> None:
        self.seek_requested.emit(self.x_to_frame(line.value()))

    def _threshold_moved(self, line) -> None:
        if not self._setting_threshold:
            self.threshold_changed.emit(float(line.value()))

    def _hovered(self, args) -> None:
        pos = args[0]
        x = self._scene_to_x(pos)
        if x is None or self.store is None or self.frames <= 0:
            return
        self.readout.setText(self.describe_frame(self.x_to_frame(x), hover=True))

    def describe_frame(self, index: int, hover: bool = False) -> str:
        s = self.store
        head = f"{'→' if hover else '▶'} frame <b>{index}</b>  {format_time(index / self.fps)}"
        if s is None or not len(s.status):
            return head
        slot = min(index // s.every, len(s.status) - 1)
        code = int(s.status[slot])
        if code == NOT_ANALYSED:
            return f"{head}  <span style='color:{theme.MUTED}'>not analysed</span>"
        status = STATUSES[code]
        parts = [head]
        if not np.isnan(s.max[slot]):
            colour = theme.score_colour(s.max[slot], self.threshold).name()
            parts.append(f"max <b style='color:{colour}'>{s.max[slot]:.3f}</b>")
        for track, y in sorted(s.tracks.items()):
            if not np.isnan(y[slot]):
                probed = self._probed.get((slot * s.every, track))
                moved = "" if probed is None else (f" <span style='color:{theme.MUTED}'>re-encoded "
                                                   f"{probed.low:.3f}–{probed.high:.3f}</span>")
                parts.append(f"<span style='color:{theme.track_colour(track)}'>T{track}</span> {y[slot]:.3f}{moved}")
        for lane in self.lanes:
            ls = lane.store
            j = index // ls.every
            if j < len(ls.max) and not np.isnan(ls.max[j]):
                parts.append(f"<span style='color:{lane.colour}'>{html.escape(lane.model_id)}</span> {ls.max[j]:.3f}")
        if status != "scored":
            parts.append(f"<span style='color:{theme.MUTED}'>{theme.STATUS_LABELS[status]}</span>")
        if s.every > 1 and index % s.every:
            parts.append(f"<span style='color:{theme.MUTED}'>(sample at {slot * s.every})</span>")
        return "  ·  ".join(parts)

    def _update_legend(self) -> None:
        items = [f"<span style='color:{theme.MAX_CURVE}'>━</span> max"]
        tracks = sorted(self.store.tracks) if self.store else []
        for t in tracks[:8]:
            items.append(f"<span style='color:{theme.track_colour(t)}'>━</span> T{t}")
        if len(tracks) > 8:
            items.append(f"+{len(tracks) - 8} tracks")
        for lane in self.lanes:
            threshold = "" if lane.threshold is None else f" (┈ its threshold {lane.threshold:.2f})"
            items.append(f"<span style='color:{lane.colour}'>╌</span> {html.escape(lane.model_id)}{threshold}")
        items.append(f"<span style='color:rgb{theme.SEGMENT[:3]}'>▮</span> suspicious")
        if self.probe_bands:  # the glyph in the (first) band's colour: each track's band is in its curve's
            first = min(self.probe_bands, key=lambda t: -1 if t is None else t)
            glyph = theme.MAX_CURVE if first is None else theme.track_colour(first)
            items.append(f"<span style='color:{glyph}'>▒</span> re-encoded range")
        self.legend.setToolTip(PROBE_TIP if self.probe_bands else "")
        items.append(f"<span style='color:{theme.BOOKMARK}'>★</span> bookmark")
        strip = []
        for s in STATUSES:
            strip.append(f"<span style='color:rgb{theme.STATUS_COLOURS[s][:3]}'>■</span> {theme.STATUS_LABELS[s]}")
        strip.append(f"<span style='color:rgb{theme.NOT_ANALYSED[:3]}'>■</span> not analysed")
        gap = "&nbsp;&nbsp;"
        self.legend.setText(gap.join(items) + f"{gap}&nbsp;|{gap}strip: " + gap.join(strip))
