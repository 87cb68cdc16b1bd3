"""Brightness, contrast and gamma for viewing only: a lookup table applied to the picture on screen.

The decoded frame is never changed: the player keeps it as decoded (the pixel readout, face boxes,
analysis and every export read that one), and only the copy it paints goes through the table.
The view says "adjusted" while any setting is off its neutral value.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QDialog, QFormLayout, QHBoxLayout, QLabel, QPushButton, QSlider, QVBoxLayout


@dataclass(frozen=True)
class Adjust:
    brightness: float = 0.0  # added, -1 .. 1 of the full range
    contrast: float = 1.0  # about mid-grey, 0.2 .. 4
    gamma: float = 1.0  # 0.2 .. 5; above 1 brightens the shadows

    @property
    def neutral(self) -> bool:
        return self == Adjust()

    def describe(self) -> str:
        return (f"viewing adjusted: brightness {self.brightness:+.2f}, contrast {self.contrast:.2f}, "
                f"gamma {self.gamma:.2f}")


def lut(a: Adjust) -> np.ndarray:
    """The 256-entry uint8 table: gamma, then contrast about 0.5, then brightness."""
    x = np.arange(256, dtype=np.float64) / 255.0
    y = np.power(x, 1.0 / a.gamma)
    y = (y - 0.5) * a.contrast + 0.5 + a.brightness
    return np.clip(np.round(y * 255.0), 0, 255).astype(np.uint8)


def apply(rgb: np.ndarray, a: Adjust) -> np.ndarray:
    """A new adjusted copy for painting (the input is not touched); the input itself when neutral."""
    return rgb if a.neutral else lut(a)[rgb]


# slider positions (integers) and the values they mean
_SLIDERS = {
    "brightness": (-100, 100, 0, lambda v: v / 100.0, lambda x: round(x * 100)),
    "contrast": (-100, 100, 0, lambda v: 4.0 ** (v / 100.0), lambda x: round(100 * np.log(x) / np.log(4.0))),
    "gamma": (-100, 100, 0, lambda v: 5.0 ** (v / 100.0), lambda x: round(100 * np.log(x) / np.log(5.0))),
}


class AdjustDialog(QDialog):
    changed = Signal(object)  # Adjust
    heat_opacity_changed = Signal(float)

    def __init__(self, current: Adjust, parent=None, heat_opacity: float = 0.45):
        super().__init__(parent)
        self.setWindowTitle("View adjustments")
        self.sliders: dict[str, QSlider] = {}
        self.values: dict[str, QLabel] = {}
        form = QFormLayout()
        for name, (lo, hi, _mid, _to, back) in _SLIDERS.items():
            s = QSlider(Qt.Horizontal)
            s.setRange(lo, hi)
            s.setValue(back(getattr(current, name)))
            s.valueChanged.connect(self._emit)
            lab = QLabel()
            row = QHBoxLayout()
            row.addWidget(s, 1)
            row.addWidget(lab)
            form.addRow(name.capitalize(), row)
            self.sliders[name], self.values[name] = s, lab
        self.heat = QSlider(Qt.Horizontal)
        self.heat.setRange(5, 100)
        self.heat.setValue(round(heat_opacity * 100))
        self.heat.setToolTip("How strongly heatmaps (View > Heatmaps) cover the face")
        self.heat.valueChanged.connect(lambda v: self.heat_opacity_changed.emit(v / 100.0))
        form.addRow("Heatmap opacity", self.heat)
        note = QLabel("For viewing only: analysis, the pixel readout and every export use the frame as decoded.")
        note.setWordWrap(True)
        reset = QPushButton("Reset")
        reset.clicked.connect(self.reset)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(note)
        lay.addWidget(reset, 0, Qt.AlignRight)
        self._label()

    def adjust(self) -> Adjust:
        return Adjust(**{n: _SLIDERS[n][3](s.value()) for n, s in self.sliders.items()})

    def reset(self) -> None:
        for n, s in self.sliders.items():
            s.setValue(_SLIDERS[n][2])

    def _label(self) -> None:
        a = self.adjust()
        self.values["brightness"].setText(f"{a.brightness:+.2f}")
        self.values["contrast"].setText(f"{a.contrast:.2f}")
        self.values["gamma"].setText(f"{a.gamma:.2f}")

    def _emit(self) -> None:
        self._label()
        self.changed.emit(self.adjust())
