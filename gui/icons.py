"""Toolbar and window icons, drawn in code: crisp at any scale, nothing to ship or find on disk."""

from __future__ import annotations

from functools import cache

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPainterPath, QPen, QPixmap, QPolygonF

SIZE = 64
FG = QColor("#e6e6e6")


def _tri(p: QPainter, x: float, right: bool, w: float = 18, h: float = 28) -> None:
    y = SIZE / 2
    pts = [QPointF(x, y - h / 2), QPointF(x, y + h / 2), QPointF(x + w, y)] if right else \
        [QPointF(x + w, y - h / 2), QPointF(x + w, y + h / 2), QPointF(x, y)]
    p.drawPolygon(QPolygonF(pts))


def _bar(p: QPainter, x: float, w: float = 6, h: float = 28) -> None:
    p.drawRect(QRectF(x, SIZE / 2 - h / 2, w, h))


def _diamond(p: QPainter, cx: float, r: float = 9) -> None:
    y = SIZE / 2
    p.drawPolygon(QPolygonF([QPointF(cx, y - r), QPointF(cx + r, y), QPointF(cx, y + r), QPointF(cx - r, y)]))


def _draw(name: str, p: QPainter) -> None:
    if name == "play":
        _tri(p, 20, True, 28, 36)
    elif name == "pause":
        _bar(p, 19, 9, 32)
        _bar(p, 36, 9, 32)
    elif name == "step_fwd":
        _tri(p, 18, True)
        _bar(p, 40)
    elif name == "step_back":
        _bar(p, 18)
        _tri(p, 28, False)
    elif name == "jump_fwd":
        _tri(p, 12, True)
        _tri(p, 32, True)
    elif name == "jump_back":
        _tri(p, 14, False)
        _tri(p, 34, False)
    elif name == "to_start":
        _bar(p, 12)
        _tri(p, 20, False)
        _tri(p, 36, False)
    elif name == "to_end":
        _tri(p, 10, True)
        _tri(p, 26, True)
        _bar(p, 46)
    elif name == "next_seg":
        _tri(p, 12, True, 16, 24)
        p.setBrush(QColor("#f85149"))
        _diamond(p, 44)
    elif name == "prev_seg":
        p.save()
        p.setBrush(QColor("#f85149"))
        _diamond(p, 20)
        p.restore()
        _tri(p, 36, False, 16, 24)
    elif name == "analyze":
        pen = QPen(FG, 5)
        p.setPen(pen)
        p.setBrush(Qt.NoBrush)
        p.drawEllipse(QRectF(12, 12, 28, 28))
        p.drawLine(QPointF(36, 36), QPointF(52, 52))
    elif name == "stop":
        p.drawRect(QRectF(18, 18, 28, 28))
    elif name == "open":
        path = QPainterPath()
        path.moveTo(8, 18)
        path.lineTo(26, 18)
        path.lineTo(30, 24)
        path.lineTo(56, 24)
        path.lineTo(56, 50)
        path.lineTo(8, 50)
        path.closeSubpath()
        p.drawPath(path)
    elif name == "faces":
        pen = QPen(QColor("#3fb950"), 4)
        p.setPen(pen)
        p.setBrush(Qt.NoBrush)
        p.drawRect(QRectF(10, 14, 26, 30))
        pen.setColor(QColor("#f85149"))
        p.setPen(pen)
        p.drawRect(QRectF(30, 22, 24, 28))
    elif name == "app":
        p.setBrush(QColor("#2b2d31"))
        p.drawRoundedRect(QRectF(2, 2, 60, 60), 12, 12)
        p.setBrush(QColor("#e3b341"))
        p.drawEllipse(QRectF(18, 10, 28, 34))
        pen = QPen(QColor("#f85149"), 5)
        p.setPen(pen)
        p.drawLine(QPointF(8, 50), QPointF(22, 38))
        p.drawLine(QPointF(22, 38), QPointF(34, 46))
        p.drawLine(QPointF(34, 46), QPointF(56, 24))
    else:
        raise KeyError(name)


@cache
def icon(name: str) -> QIcon:
    pm = QPixmap(SIZE, SIZE)
    pm.fill(Qt.transparent)
    p = QPainter(pm)
    p.setRenderHint(QPainter.Antialiasing)
    p.setPen(Qt.NoPen)
    p.setBrush(FG)
    _draw(name, p)
    p.end()
    return QIcon(pm)
