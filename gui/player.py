"""The frame view: one decoded frame, fit to the widget or at an exact zoom, plus the face overlay.

At 100 % and other whole zoom factors pixels are drawn without interpolation, so the analyst
sees what the decoder produced. Drag pans a zoomed frame; the wheel zooms at the cursor (up to
1600 %); double-click toggles fit / 100 %. The loupe shows the pixels under the cursor at 8x,
nearest neighbour. Brightness, contrast and gamma (:mod:`gui.view_adjust`) change only the
painted copy; ``rgb`` stays the frame as decoded.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QTransform
from PySide6.QtWidgets import QSizePolicy, QWidget

from core.result import FrameResult
from gui import theme
from gui.overlay import paint_faces
from gui.view_adjust import Adjust, apply

ZOOMS = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0)
LOUPE_PIXELS, LOUPE_FACTOR = 24, 8  # a 24 x 24 pixel patch drawn 192 x 192


class FrameView(QWidget):
    zoom_changed = Signal(object)  # None (fit) or the factor
    pixel_hovered = Signal(object)  # (x, y, (r, g, b)) or None

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)
        self.setMinimumSize(320, 180)
        self.setMouseTracking(True)
        self.setAttribute(Qt.WA_OpaquePaintEvent)
        self.shown_index = -1
        self.exact = False
        self.rgb: np.ndarray | None = None
        self._image: QImage | None = None
        self.failed_message = ""
        self.wanted_index = -1
        self.face_frame: FrameResult | None = None
        self.threshold = 0.5  # face boxes are coloured relative to it
        self.overlay_visible = True
        self.zoom: float | None = None  # None: fit
        self._pan = QPointF(0, 0)  # offset of the frame centre from the widget centre, in widget px
        self._drag_from: QPointF | None = None
        self.adjust = Adjust()
        self._shown: np.ndarray | None = None  # what is painted: rgb, or its adjusted copy
        self.loupe = False
        self._cursor: QPointF | None = None
        self.heatmaps: dict = {}  # track -> ((x0, y0, x1, y1) crop square in frame pixels, cam in [0, 1])
        self.heat_opacity = 0.45
        self._heat_images: list = []
        self.empty_text = "Open a video: File > Open (Ctrl+O), or drop a file here."

    # -- content --------------------------------------------------------------------------
    def set_frame(self, index: int, rgb: np.ndarray, exact: bool) -> None:
        rgb = np.ascontiguousarray(rgb)
        self.shown_index, self.exact, self.rgb, self.failed_message = index, exact, rgb, ""
        self._repaint_image()

    def _repaint_image(self) -> None:
        if self.rgb is None:
            return
        self._shown = np.ascontiguousarray(apply(self.rgb, self.adjust))
        h, w = self._shown.shape[:2]
        self._image = QImage(self._shown.data, w, h, self._shown.strides[0], QImage.Format_RGB888)
        self.update()

    def set_adjust(self, adjust: Adjust) -> None:
        """Brightness / contrast / gamma of what is painted (the decoded frame stays as it is)."""
        self.adjust = adjust
        self._repaint_image()
        self.update()

    def set_heatmaps(self, maps: dict, opacity: float = 0.45) -> None:
        """Grad-CAM maps over the faces of the frame on screen (gui/heatmaps.py); {} hides them."""
        from core.explain import colour

        if not maps and not self.heatmaps:
            return  # nothing shown, nothing to show: no work per frame while heatmaps are off
        self.heatmaps, self.heat_opacity, self._heat_images = maps, opacity, []
        for square, cam in maps.values():
            rgba = np.dstack([colour(cam), np.round(cam * 255 * opacity).astype(np.uint8)])
            rgba = np.ascontiguousarray(rgba)
            img = QImage(rgba.data, rgba.shape[1], rgba.shape[0], rgba.strides[0], QImage.Format_RGBA8888).copy()
            self._heat_images.append((square, img))
        self.update()

    def set_loupe(self, on: bool) -> None:
        self.loupe = on
        self.setCursor(Qt.CrossCursor) if on else self.unsetCursor()
        self.update()

    def set_wanted(self, index: int) -> None:
        self.wanted_index = index
        self.update()

    def set_failed(self, index: int, message: str) -> None:
        self.shown_index, self.exact, self.failed_message = index, True, message
        self.rgb, self._image, self._shown = None, None, None
        self.update()

    def clear(self) -> None:
        self.shown_index, self.rgb, self._image, self.face_frame = -1, None, None, None
        self._shown = None
        self.heatmaps, self._heat_images = {}, []
        self.failed_message, self.wanted_index = "", -1
        self.update()

    def set_face_frame(self, frame: FrameResult | None) -> None:
        self.face_frame = frame
        self.update()

    def set_overlay_visible(self, on: bool) -> None:
        self.overlay_visible = on
        self.update()

    # -- zoom -----------------------------------------------------------------------------
    def set_zoom(self, zoom: float | None) -> None:
        self.zoom = zoom
        if zoom is None:
            self._pan = QPointF(0, 0)
        self.update()
        self.zoom_changed.emit(zoom)

    def zoom_step(self, steps: int) -> None:
        current = self.scale()
        if steps > 0:
            bigger = [z for z in ZOOMS if z > current + 1e-6]
            self.set_zoom(bigger[0] if bigger else ZOOMS[-1])
        else:
            smaller = [z for z in ZOOMS if z < current - 1e-6]
            self.set_zoom(smaller[-1] if smaller else ZOOMS[0])

    def scale(self) -> float:
        if self._image is None:
            return 1.0
        if self.zoom is not None:
            return self.zoom
        w, h = self._image.width(), self._image.height()
        return min(self.width() / w, self.height() / h)

    def image_to_widget(self) -> QTransform:
        if self._image is None:
            return QTransform()
        s = self.scale()
        w, h = self._image.width() * s, self._image.height() * s
        x = (self.width() - w) / 2 + (self._pan.x() if self.zoom is not None else 0)
        y = (self.height() - h) / 2 + (self._pan.y() if self.zoom is not None else 0)
        if self.zoom is not None:  # whole device pixels, so 100 % maps pixel to pixel
            x, y = round(x), round(y)
        return QTransform(s, 0, 0, s, x, y)

    # -- painting -------------------------------------------------------------------------
    def paintEvent(self, _event) -> None:  # noqa: N802 - Qt override
        p = QPainter(self)
        p.fillRect(self.rect(), QColor("#0d0d0f"))
        if self._image is not None:
            t = self.image_to_widget()
            smooth = self.zoom is None and t.m11() < 1.0  # never interpolate at a chosen zoom
            p.setRenderHint(QPainter.SmoothPixmapTransform, smooth)
            p.save()
            p.setTransform(t)
            p.drawImage(0, 0, self._image)
            for (x0, y0, x1, y1), heat in self._heat_images:  # over the crop square, never into the picture
                p.drawImage(QRectF(x0, y0, x1 - x0, y1 - y0), heat)
            p.restore()
            p.setRenderHint(QPainter.Antialiasing, True)
            if self.overlay_visible and self.face_frame is not None and self.face_frame.faces:
                paint_faces(p, self.face_frame, t, self.shown_index, self.threshold)
            if self.loupe and self._cursor is not None:
                self._paint_loupe(p, t)
        self._paint_notes(p)
        p.end()

    def loupe_source(self) -> QRectF | None:
        """The image pixels the loupe shows: LOUPE_PIXELS square around the pixel under the cursor."""
        if self._image is None or self._cursor is None:
            return None
        pt = self.image_to_widget().inverted()[0].map(self._cursor)
        half = LOUPE_PIXELS // 2
        x0 = int(min(max(int(pt.x()) - half, 0), max(0, self._image.width() - LOUPE_PIXELS)))
        y0 = int(min(max(int(pt.y()) - half, 0), max(0, self._image.height() - LOUPE_PIXELS)))
        return QRectF(x0, y0, min(LOUPE_PIXELS, self._image.width()), min(LOUPE_PIXELS, self._image.height()))

    def _paint_loupe(self, p: QPainter, _t: QTransform) -> None:
        src = self.loupe_source()
        if src is None:
            return
        side = LOUPE_PIXELS * LOUPE_FACTOR
        x = self._cursor.x() + 24
        y = self._cursor.y() + 24
        if x + side > self.width():
            x = self._cursor.x() - 24 - side
        if y + side > self.height():
            y = self._cursor.y() - 24 - side
        dest = QRectF(x, y, src.width() * LOUPE_FACTOR, src.height() * LOUPE_FACTOR)
        p.save()
        p.resetTransform()
        p.setRenderHint(QPainter.SmoothPixmapTransform, False)  # every pixel a sharp square
        p.drawImage(dest, self._image, src)
        p.setPen(QColor(theme.PLAYHEAD))
        p.drawRect(dest)
        p.restore()

    def _paint_notes(self, p: QPainter) -> None:
        p.setPen(QColor(theme.TEXT))
        if self._image is None and not self.failed_message:
            p.setPen(QColor(theme.MUTED))
            p.drawText(self.rect(), Qt.AlignCenter, self.empty_text if self.shown_index < 0 else "")
            return
        if self.failed_message:
            p.setPen(QColor("#f85149"))
            p.drawText(self.rect(), Qt.AlignCenter, self.failed_message)
            return
        if not self.adjust.neutral:
            text = self.adjust.describe()
            fm = p.fontMetrics()
            r = QRectF(8, self.height() - fm.height() - 16, fm.horizontalAdvance(text) + 16, fm.height() + 8)
            p.fillRect(r, QColor(0, 0, 0, 180))
            p.setPen(QColor(theme.THRESHOLD))
            p.drawText(r, Qt.AlignCenter, text)
            p.setPen(QColor(theme.TEXT))
        if not self.exact:
            text = f"≈ frame {self.shown_index} shown, decoding frame {self.wanted_index}…"
            fm = p.fontMetrics()
            r = QRectF(8, 8, fm.horizontalAdvance(text) + 16, fm.height() + 8)
            p.fillRect(r, QColor(0, 0, 0, 180))
            p.setPen(QColor(theme.PLAYHEAD))
            p.drawText(r, Qt.AlignCenter, text)

    # -- mouse ----------------------------------------------------------------------------
    def mousePressEvent(self, e) -> None:  # noqa: N802
        if e.button() == Qt.LeftButton and self.zoom is not None:
            self._drag_from = e.position()
            self.setCursor(Qt.ClosedHandCursor)

    def mouseMoveEvent(self, e) -> None:  # noqa: N802
        self._cursor = e.position()
        if self.loupe:
            self.update()
        if self._drag_from is not None:
            self._pan += e.position() - self._drag_from
            self._drag_from = e.position()
            self.update()
        self._hover(e.position())

    def mouseReleaseEvent(self, _e) -> None:  # noqa: N802
        self._drag_from = None
        self.unsetCursor()

    def mouseDoubleClickEvent(self, e) -> None:  # noqa: N802
        if e.button() == Qt.LeftButton and self._image is not None:
            self.set_zoom(None if self.zoom is not None else 1.0)

    def wheelEvent(self, e) -> None:  # noqa: N802
        if self._image is None or e.angleDelta().y() == 0:
            e.ignore()
            return
        before = self.image_to_widget().inverted()[0].map(e.position())
        self.zoom_step(1 if e.angleDelta().y() > 0 else -1)
        after = self.image_to_widget().map(before)  # keep the pixel under the cursor in place
        self._pan += e.position() - after
        self.update()

    def leaveEvent(self, _e) -> None:  # noqa: N802
        self._cursor = None
        if self.loupe:
            self.update()
        self.pixel_hovered.emit(None)

    def _hover(self, pos: QPointF) -> None:
        if self.rgb is None:
            return
        pt = self.image_to_widget().inverted()[0].map(pos)
        x, y = int(pt.x()), int(pt.y())
        h, w = self.rgb.shape[:2]
        if 0 <= x < w and 0 <= y < h and pt.x() >= 0 and pt.y() >= 0:
            self.pixel_hovered.emit((x, y, tuple(int(v) for v in self.rgb[y, x])))
        else:
            self.pixel_hovered.emit(None)
