"""Every command of the window as a QAction with its shortcut, so menus, buttons and the
shortcut list stay the same thing."""

from __future__ import annotations

from types import SimpleNamespace

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QHeaderView, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget

from gui.icons import icon

# name: (text, shortcuts, icon, tip)
SPEC = {
    "open": ("&Open video…", ["Ctrl+O"], "open", "Open a video file"),
    "close_video": ("&Close video", ["Ctrl+W"], None, ""),
    "quit": ("&Quit", ["Ctrl+Q"], None, ""),
    "play": ("Play / pause", ["Space"], "play", "Play or pause"),
    "step_back": ("Previous frame", ["Left"], "step_back", "One frame back"),
    "step_fwd": ("Next frame", ["Right"], "step_fwd", "One frame forward"),
    "back_1s": ("Back 1 second", ["Shift+Left"], "jump_back", "Back 1 s"),
    "fwd_1s": ("Forward 1 second", ["Shift+Right"], "jump_fwd", "Forward 1 s"),
    "back_10s": ("Back 10 seconds", ["Ctrl+Left"], None, ""),
    "fwd_10s": ("Forward 10 seconds", ["Ctrl+Right"], None, ""),
    "start": ("First frame", ["Home"], "to_start", "First frame"),
    "end": ("Last frame", ["End"], "to_end", "Last frame"),
    "shuttle_back": ("Play backward (again: faster)", ["J"], None, ""),
    "pause": ("Pause", ["K"], None, ""),
    "shuttle_fwd": ("Play forward (again: faster)", ["L"], None, ""),
    "slower": ("Slower", ["["], None, ""),
    "faster": ("Faster", ["]"], None, ""),
    "normal_speed": ("Normal speed", ["\\"], None, ""),
    "goto": ("&Go to frame or time…", ["Ctrl+G"], None, ""),
    "prev_seg": ("Previous suspicious segment", ["P"], "prev_seg", "Previous suspicious segment"),
    "next_seg": ("Next suspicious segment", ["N"], "next_seg", "Next suspicious segment"),
    "prev_key": ("Previous key frame", ["PgUp"], None,
                 "The key frame before this one (from the file's structure, File panel)"),
    "next_key": ("Next key frame", ["PgDown"], None,
                 "The key frame after this one (from the file's structure, File panel)"),
    "zoom_fit": ("Fit to window", ["Ctrl+0"], None, ""),
    "zoom_100": ("Actual pixels (100 %)", ["Ctrl+1"], None, ""),
    "zoom_200": ("200 %", ["Ctrl+2"], None, ""),
    "zoom_in": ("Zoom in", ["Ctrl+="], None, ""),
    "zoom_out": ("Zoom out", ["Ctrl+-"], None, ""),
    "overlay": ("Face boxes", ["O"], "faces", "Show face boxes with track and probability"),
    "loupe": ("Loupe (8x under the cursor)", ["M"], None, "Magnify the pixels under the cursor, unsmoothed"),
    "heatmaps": ("Heatmaps (where the model looked)", ["H"], None,
                 "Grad-CAM over each scored face of the frame on screen: where the model's features raised "
                 "its fake score, not a map of manipulated pixels"),
    "adjust": ("View &adjustments…", ["Ctrl+Shift+A"], None, "Brightness, contrast, gamma for viewing only"),
    "timeline_all": ("Show whole timeline", ["Shift+Z"], None, ""),
    "timeline_in": ("Zoom timeline in", ["Up"], None, ""),
    "timeline_out": ("Zoom timeline out", ["Down"], None, ""),
    "analyze": ("&Analyze", ["Ctrl+R"], "analyze", "Analyze the video with the chosen model"),
    "reanalyze": ("Analyze &again (ignore stored result)", ["Ctrl+Shift+R"], None, ""),
    "robustness": ("Check the segments' &robustness", ["Ctrl+Shift+B"], None,
                   "Re-score each suspicious segment after JPEG re-encoding, downscaling and blur: stable or fragile"),
    "cancel": ("&Cancel analysis", ["Esc"], "stop", "Cancel; scores so far are kept"),
    "shortcuts": ("&Keyboard shortcuts", ["F1"], None, ""),
    "log_folder": ("Open &log folder", [], None, ""),
    "audit_log": ("&Audit log…", ["Ctrl+Shift+L"], None, "The audit log: entries, integrity check, verify an analysis"),
    "about": ("&About", [], None, ""),
}


class Actions(SimpleNamespace):
    """The actions by name: ``actions.play``; ``vars(actions)`` lists them."""


def build(parent: QWidget) -> Actions:
    out = {}
    for name, (text, keys, icon_name, tip) in SPEC.items():
        a = QAction(text, parent)
        a.setObjectName(name)
        if keys:
            a.setShortcuts([QKeySequence(k) for k in keys])
        if icon_name:
            a.setIcon(icon(icon_name))
        hint = tip or text.replace("&", "").rstrip("…")
        a.setToolTip(f"{hint} ({', '.join(keys)})" if keys else hint)
        parent.addAction(a)  # shortcuts work even where no menu shows the action
        out[name] = a
    out["loupe"].setCheckable(True)
    out["heatmaps"].setCheckable(True)
    out["overlay"].setCheckable(True)
    out["overlay"].setChecked(True)
    return Actions(**out)


def shortcuts_dialog(actions: Actions, parent: QWidget) -> QDialog:
    d = QDialog(parent)
    d.setWindowTitle("Keyboard shortcuts")
    rows = [(a.text().replace("&", "").rstrip("…"), a.shortcuts()) for a in vars(actions).values()]
    rows = [(t, ", ".join(k.toString(QKeySequence.NativeText) for k in ks)) for t, ks in rows if ks]
    table = QTableWidget(len(rows), 2)
    table.setHorizontalHeaderLabels(["Command", "Keys"])
    table.verticalHeader().setVisible(False)
    for r, (text, keys) in enumerate(rows):
        table.setItem(r, 0, QTableWidgetItem(text))
        table.setItem(r, 1, QTableWidgetItem(keys))
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)
    lay = QVBoxLayout(d)
    lay.addWidget(table)
    d.resize(460, 560)
    return d
