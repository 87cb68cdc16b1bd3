"""Evaluation and training charts as PNG files, drawn with OpenCV (no plotting library needed).

Each function returns the RGB image and writes it atomically when given a path.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

from core.drawing import FONT, put_text
from core.forensic import atomic

WHITE, BLACK, GREY, LIGHT = (255, 255, 255), (20, 20, 20), (120, 120, 120), (225, 225, 225)
COLOURS = [(31, 119, 180), (214, 39, 40), (44, 160, 44), (255, 127, 14), (148, 103, 189)]  # RGB


def _text(img, text: str, org, scale: float = 0.45, colour=BLACK, thickness: int = 1,
          anchor: str = "left") -> None:
    put_text(img, text, org, scale, colour, thickness, anchor)


class Axes:
    """A plot area inside an image with data -> pixel mapping, grid and tick labels."""

    def __init__(self, img, box, xlim, ylim, xlabel="", ylabel="", title="", xticks=None):
        self.img, (self.x0, self.y0, self.x1, self.y1) = img, box
        self.xlim, self.ylim = xlim, ylim
        if xticks is None:
            xticks = [xlim[0] + i * (xlim[1] - xlim[0]) / 5 for i in range(6)]
        for fx in xticks:
            px, _ = self.px(fx, ylim[0])
            cv2.line(img, (px, self.y0), (px, self.y1), LIGHT, 1)
            _text(img, _fmt(fx), (px, self.y1 + 16), 0.38, GREY, anchor="center")
        for i in range(6):
            fy = ylim[0] + i * (ylim[1] - ylim[0]) / 5
            _, py = self.px(xlim[0], fy)
            cv2.line(img, (self.x0, py), (self.x1, py), LIGHT, 1)
            _text(img, _fmt(fy), (self.x0 - 6, py + 4), 0.38, GREY, anchor="right")
        cv2.rectangle(img, (self.x0, self.y0), (self.x1, self.y1), BLACK, 1)
        if xlabel:
            _text(img, xlabel, ((self.x0 + self.x1) // 2, self.y1 + 34), 0.45, anchor="center")
        if ylabel:
            _text(img, ylabel, (self.x0, self.y0 - 8), 0.45)
        if title:
            _text(img, title, ((self.x0 + self.x1) // 2, self.y0 - 26), 0.55, anchor="center", thickness=1)

    def px(self, x, y) -> tuple[int, int]:
        fx = (x - self.xlim[0]) / ((self.xlim[1] - self.xlim[0]) or 1.0)
        fy = (y - self.ylim[0]) / ((self.ylim[1] - self.ylim[0]) or 1.0)
        return int(round(self.x0 + fx * (self.x1 - self.x0))), int(round(self.y1 - fy * (self.y1 - self.y0)))

    def line(self, xs, ys, colour, thickness=2, dashed=False):
        pts = [self.px(x, y) for x, y in zip(xs, ys, strict=True) if y is not None and np.isfinite(y)]
        if len(pts) == 1:
            cv2.circle(self.img, pts[0], 3, colour, -1, cv2.LINE_AA)
        if dashed:
            for (a, b) in zip(pts[:-1], pts[1:], strict=True):
                n = max(1, int(np.hypot(b[0] - a[0], b[1] - a[1]) // 8))
                for k in range(0, n, 2):
                    p = (int(a[0] + (b[0] - a[0]) * k / n), int(a[1] + (b[1] - a[1]) * k / n))
                    q = (int(a[0] + (b[0] - a[0]) * (k + 1) / n), int(a[1] + (b[1] - a[1]) * (k + 1) / n))
                    cv2.line(self.img, p, q, colour, thickness, cv2.LINE_AA)
        elif len(pts) > 1:
            cv2.polylines(self.img, [np.array(pts, np.int32)], False, colour, thickness, cv2.LINE_AA)

    def legend(self, items: Sequence[tuple[str, tuple]], corner="br"):
        h = 18 * len(items) + 6
        w = 12 + max(cv2.getTextSize(t, FONT, 0.42, 1)[0][0] for t, _ in items) + 30
        x = self.x1 - w - 8 if corner.endswith("r") else self.x0 + 8
        y = self.y1 - h - 8 if corner.startswith("b") else self.y0 + 8
        cv2.rectangle(self.img, (x, y), (x + w, y + h), WHITE, -1)
        cv2.rectangle(self.img, (x, y), (x + w, y + h), GREY, 1)
        for i, (t, c) in enumerate(items):
            cy = y + 14 + 18 * i
            cv2.line(self.img, (x + 8, cy - 4), (x + 30, cy - 4), c, 2, cv2.LINE_AA)
            _text(self.img, t, (x + 36, cy), 0.42)


def _fmt(v: float) -> str:
    return f"{v:.0f}" if abs(v - round(v)) < 1e-9 and abs(v) >= 1 else f"{v:.2f}".rstrip("0").rstrip(".") or "0"


def _save(img: np.ndarray, path: str | Path | None) -> np.ndarray:
    if path is not None:
        ok, buf = cv2.imencode(".png", cv2.cvtColor(img, cv2.COLOR_RGB2BGR))
        if not ok:
            raise ValueError("PNG encoding failed")
        atomic.write_bytes(Path(path), buf.tobytes())
    return img


def roc_png(curves: Sequence[tuple[str, np.ndarray, np.ndarray, float | None]], path=None,
            title="ROC curve", size=520) -> np.ndarray:
    """ROC curves ``(label, fpr, tpr, auc)``; the diagonal is chance."""
    img = np.full((size, size, 3), 255, np.uint8)
    ax = Axes(img, (70, 60, size - 30, size - 60), (0.0, 1.0), (0.0, 1.0),
              "false positive rate (real called fake)", "true positive rate (fakes found)", title)
    ax.line([0, 1], [0, 1], GREY, 1, dashed=True)
    items = []
    for i, (label, fpr, tpr, auc) in enumerate(curves):
        c = COLOURS[i % len(COLOURS)]
        ax.line(fpr, tpr, c, 2)
        items.append((f"{label} (AUC {auc:.3f})" if auc is not None else label, c))
    if items:
        ax.legend(items, "br")
    return _save(img, path)


def confusion_png(cm, path=None, title="Confusion matrix", threshold: float | None = None, size=420) -> np.ndarray:
    """2x2 matrix ``[[TN, FP], [FN, TP]]``, cells shaded by the share of their true class."""
    cm = np.asarray(cm, dtype=np.int64)
    img = np.full((size, size, 3), 255, np.uint8)
    x0, y0, cell = 120, 90, (size - 160) // 2
    names = ("real", "fake")
    head = title if threshold is None else f"{title} (threshold {threshold:.3f})"
    _text(img, head, (size // 2, 30), 0.5, anchor="center")
    _text(img, "predicted", (x0 + cell, y0 - 34), 0.45, anchor="center")
    _text(img, "true", (20, y0 + cell), 0.45)
    for r in range(2):
        total = max(int(cm[r].sum()), 1)
        _text(img, names[r], (x0 - 10, y0 + r * cell + cell // 2 + 5), 0.45, anchor="right")
        for c in range(2):
            share = cm[r, c] / total
            good = r == c
            base = np.array((44, 160, 44) if good else (214, 39, 40), np.float64)
            colour = tuple(int(v) for v in (255 - share * (255 - base)))
            p0 = (x0 + c * cell, y0 + r * cell)
            cv2.rectangle(img, p0, (p0[0] + cell, p0[1] + cell), colour, -1)
            cv2.rectangle(img, p0, (p0[0] + cell, p0[1] + cell), BLACK, 1)
            ink = WHITE if share > 0.6 else BLACK
            # baselines inside the cell at any size: the count a little below the middle, the share near the foot
            _text(img, str(int(cm[r, c])), (p0[0] + cell // 2, p0[1] + round(cell * 0.55)), 0.8 if cell >= 80 else 0.6,
                  ink, 2, "center")
            _text(img, f"{100 * share:.1f}%", (p0[0] + cell // 2, p0[1] + cell - max(5, cell // 8)), 0.45 if cell >= 80
                  else 0.4, ink, 1, "center")
    for c in range(2):
        _text(img, names[c], (x0 + c * cell + cell // 2, y0 - 10), 0.45, anchor="center")
    return _save(img, path)


def curves_png(history: Sequence[dict], path=None, title="Training", size=(820, 380)) -> np.ndarray:
    """Per-epoch loss (left) and accuracy / AUC (right) from a training history."""
    w, h = size
    img = np.full((h, w, 3), 255, np.uint8)
    epochs = [int(e["epoch"]) for e in history]
    if not epochs:
        _text(img, "no completed epoch", (w // 2, h // 2), 0.6, anchor="center")
        return _save(img, path)
    xl = (min(epochs) - 0.5, max(epochs) + 0.5) if len(epochs) == 1 else (min(epochs), max(epochs))

    def series(key):
        return [e.get(key) for e in history]

    losses = [v for k in ("loss", "val_loss") for v in series(k) if v is not None]
    ymax = max(losses) * 1.1 if losses else 1.0
    span = max(epochs) - min(epochs)
    ticks = sorted({min(epochs) + round(i * span / 5) for i in range(6)}) if span > 5 else sorted(set(epochs))
    left = Axes(img, (60, 50, w // 2 - 20, h - 60), xl, (0.0, max(ymax, 1e-3)), "epoch", "loss", f"{title}: loss",
                ticks)
    right = Axes(img, (w // 2 + 50, 50, w - 30, h - 60), xl, (0.0, 1.0), "epoch", "score",
                 f"{title}: accuracy / AUC", ticks)
    items_l, items_r = [], []
    for i, (key, label) in enumerate((("loss", "train"), ("val_loss", "validation"))):
        if any(v is not None for v in series(key)):
            left.line(epochs, series(key), COLOURS[i])
            items_l.append((label, COLOURS[i]))
    for i, (key, label) in enumerate((("accuracy", "train accuracy"), ("val_accuracy", "val accuracy"),
                                      ("val_auc", "val AUC"))):
        if any(v is not None for v in series(key)):
            right.line(epochs, series(key), COLOURS[i + 2])
            items_r.append((label, COLOURS[i + 2]))
    if items_l:
        left.legend(items_l, "tr")
    if items_r:
        right.legend(items_r, "br")
    return _save(img, path)


def reliability_bins(y_true, scores, bins: int = 10) -> list[tuple[float, float, int]]:
    """(mean predicted P(fake), observed fake rate, count) per equal-width score bin that holds scores."""
    y, s = np.asarray(y_true, np.float64), np.asarray(scores, np.float64)
    idx = np.clip(np.digitize(s, np.linspace(0, 1, bins + 1)[1:-1]), 0, bins - 1)
    return [(float(s[idx == b].mean()), float(y[idx == b].mean()), int(np.sum(idx == b)))
            for b in range(bins) if np.any(idx == b)]


def reliability_png(curves: Sequence[tuple[str, np.ndarray, np.ndarray, float | None]], path=None,
                    title="Reliability", size=520) -> np.ndarray:
    """Reliability diagram: per score bin, the observed fake rate against the mean score; ``curves``
    are ``(label, y_true, scores, ECE)``. A calibrated model lies on the diagonal."""
    img = np.full((size, size, 3), 255, np.uint8)
    ax = Axes(img, (70, 60, size - 30, size - 60), (0.0, 1.0), (0.0, 1.0),
              "mean P(fake) in the bin", "observed share of fakes", title)
    ax.line([0, 1], [0, 1], GREY, 1, dashed=True)
    items = []
    for i, (label, y, s, ece) in enumerate(curves):
        c = COLOURS[i % len(COLOURS)]
        pts = reliability_bins(y, s)
        ax.line([p for p, _, _ in pts], [o for _, o, _ in pts], c, 2)
        for p, o, _ in pts:
            cv2.circle(img, ax.px(p, o), 4, c, -1, cv2.LINE_AA)
        items.append((f"{label} (ECE {ece:.3f})" if ece is not None else label, c))
    if items:
        ax.legend(items, "br")
    return _save(img, path)
