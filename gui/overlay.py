"""Face boxes over the frame: outline coloured by P(fake), label with track id and probability.

Boxes carried by the tracker between detections are drawn thinner; boxes borrowed from the
nearest analysed frame (when analysing every Nth frame) are dashed and say which frame.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QPainter, QPen, QTransform

from core.result import FrameResult
from gui import theme


def face_label(track: int, score: float | None) -> str:
    return f"T{track}  {'small' if score is None else f'{score:.2f}'}"


def paint_faces(p: QPainter, frame: FrameResult, to_widget: QTransform, shown_index: int,
                threshold: float = 0.5) -> None:
    borrowed = frame.index != shown_index
    font = p.font()
    font.setBold(True)
    p.setFont(font)
    fm = QFontMetricsF(font)
    for face in frame.faces:
        x0, y0, x1, y1 = face.box
        rect = to_widget.mapRect(QRectF(x0, y0, x1 - x0, y1 - y0))
        colour = theme.score_colour(face.score, threshold)
        pen = QPen(colour, 2.5 if face.detected else 1.5)
        if borrowed:
            pen.setStyle(Qt.DashLine)
        p.setPen(pen)
        p.setBrush(Qt.NoBrush)
        p.drawRect(rect)

        text = face_label(face.track, face.score)
        if borrowed:
            text += f"  @{frame.index}"
        tw, th = fm.horizontalAdvance(text) + 14, fm.height() + 4
        ty = rect.top() - th if rect.top() - th >= 0 else rect.bottom()
        box = QRectF(rect.left(), ty, tw, th)
        p.fillRect(box, QColor(20, 20, 22, 210))
        p.fillRect(QRectF(box.left(), box.top(), 5, box.height()), QColor(theme.track_colour(face.track)))
        p.setPen(colour)
        p.drawText(QPointF(box.left() + 9, box.top() + 2 + fm.ascent()), text)
