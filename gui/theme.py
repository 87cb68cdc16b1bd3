"""Colours and the dark palette: one place, so the player, timeline and lists agree."""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QColor, QFont, QFontDatabase, QPalette
from PySide6.QtWidgets import QApplication

from core.result import DECODE_ERROR, FACE_TOO_SMALL, NO_FACE, SCORED

BG = "#1e1f22"
PANEL = "#2b2d31"
TEXT = "#e6e6e6"
MUTED = "#9aa0a6"
ACCENT = "#4c8bf5"
PLAYHEAD = "#ffd166"
THRESHOLD = "#ff9f43"
BOOKMARK = "#c792ea"  # bookmarks on the timeline
SEGMENT = (248, 81, 73, 60)  # translucent red bands
MAX_CURVE = "#f0f0f0"

# Track curves: distinct, colour-blind-friendlier hues (Okabe-Ito order, skipping black).
TRACK_COLOURS = ["#56b4e9", "#e69f00", "#009e73", "#cc79a7", "#0072b2", "#d55e00", "#f0e442"]

STATUS_COLOURS = {
    SCORED: (76, 175, 80, 255),
    NO_FACE: (110, 110, 118, 255),
    FACE_TOO_SMALL: (230, 170, 40, 255),
    DECODE_ERROR: (220, 50, 47, 255),
}
NOT_ANALYSED = (62, 64, 70, 255)
STATUS_LABELS = {
    SCORED: "scored",
    NO_FACE: "no face",
    FACE_TOO_SMALL: "face too small",
    DECODE_ERROR: "decode error",
}

VERDICT_COLOURS = {"fake": "#f85149", "real": "#3fb950", "inconclusive": "#e3b341", "no_face": MUTED}


# Compared models' curves (dashed), apart from the track colours and the max curve.
LANE_COLOURS = ["#c3a6ff", "#7fdbff", "#ffb3c6"]


def lane_colour(i: int) -> str:
    return LANE_COLOURS[i % len(LANE_COLOURS)]


def track_colour(track: int) -> str:
    return TRACK_COLOURS[(track - 1) % len(TRACK_COLOURS)] if track >= 1 else TRACK_COLOURS[0]


def score_rgb(p: float | None, threshold: float = 0.5) -> tuple[int, int, int]:
    """Green (0) through amber (at the threshold) to red (1); grey when there is no score.

    Relative to the threshold, so a score the model calls suspicious is never shown green.
    """
    if p is None or not np.isfinite(p):
        return (150, 150, 150)
    p = float(min(1.0, max(0.0, p)))
    t = float(min(0.999, max(0.001, threshold)))
    green, amber, red = np.array([63, 185, 80]), np.array([227, 179, 65]), np.array([248, 81, 73])
    c = green + (amber - green) * (p / t) if p < t else amber + (red - amber) * ((p - t) / (1 - t))
    return tuple(int(v) for v in c)


def score_colour(p: float | None, threshold: float = 0.5) -> QColor:
    return QColor(*score_rgb(p, threshold))


def mono_font(point_size: int | None = None) -> QFont:
    f = QFontDatabase.systemFont(QFontDatabase.FixedFont)
    if point_size:
        f.setPointSize(point_size)
    return f


def apply(app: QApplication) -> None:
    """Fusion style with a dark palette: video and colours read better on dark grey."""
    app.setStyle("Fusion")
    pal = QPalette()
    roles = {
        QPalette.Window: BG, QPalette.WindowText: TEXT, QPalette.Base: "#17181a",
        QPalette.AlternateBase: PANEL, QPalette.ToolTipBase: PANEL, QPalette.ToolTipText: TEXT,
        QPalette.Text: TEXT, QPalette.Button: PANEL, QPalette.ButtonText: TEXT,
        QPalette.BrightText: "#ff6b6b", QPalette.Highlight: ACCENT, QPalette.HighlightedText: "#ffffff",
        QPalette.Link: ACCENT, QPalette.PlaceholderText: MUTED,
    }
    for role, colour in roles.items():
        pal.setColor(role, QColor(colour))
    for role in (QPalette.WindowText, QPalette.Text, QPalette.ButtonText):
        pal.setColor(QPalette.Disabled, role, QColor("#6b6f75"))
    app.setPalette(pal)
    app.setStyleSheet(
        f"QToolTip {{ color: {TEXT}; background: {PANEL}; border: 1px solid #444; padding: 4px; }}"
        f"QDockWidget::title {{ padding: 4px 6px; background: {PANEL}; }}"
        "QGroupBox { font-weight: bold; border: 1px solid #3a3c42; border-radius: 4px; margin-top: 1.1em; "
        "padding-top: 4px; }"
        "QGroupBox::title { subcontrol-origin: margin; left: 8px; padding: 0 4px; }"
    )
