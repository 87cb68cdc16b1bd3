"""PDF reports printed by Qt from the report's HTML (core/report/html.py): no other service.

:func:`write_pdf` lays the HTML out with QTextDocument at 96 dots per inch (so the HTML's
pixel sizes mean what they mean in a browser), breaks it into A4 pages and paints each page
into a QPdfWriter with a footer (case, file, hash prefix, page n of N). The PDF is PDF/A-1b
(fonts embedded, for archiving). It needs a QGuiApplication; :func:`ensure_app` makes one
for the command line (offscreen when there is no display).

Core stays free of Qt: core.report.export_report takes :func:`write_pdf` as its ``pdf_writer``.
:func:`export_pdf` is that call, for the window and the command line.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from PySide6.QtCore import QMarginsF, QRectF, QSizeF, Qt
from PySide6.QtGui import (
    QFont,
    QGuiApplication,
    QImage,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QTextDocument,
)

LAYOUT_DPI = 96  # CSS pixels
MARGIN_MM = 15.0
FOOTER_PT = 7.5


def ensure_app() -> QGuiApplication:
    """The running Qt application, or a new one (offscreen when there is no display)."""
    app = QGuiApplication.instance()
    if app is None:
        if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
            os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        from PySide6.QtWidgets import QApplication

        # a QApplication, not only a QGuiApplication: a widget made later in the same process (the window,
        # a test) aborts on a QGuiApplication
        app = QApplication([sys.argv[0] if sys.argv else "deepfake-inspector"])
    return app


def _layout_device() -> QImage:
    img = QImage(8, 8, QImage.Format.Format_RGB32)
    dpm = round(LAYOUT_DPI / 0.0254)
    img.setDotsPerMeterX(dpm)
    img.setDotsPerMeterY(dpm)
    return img


def write_pdf(html: str, out: str | os.PathLike, title: str = "", footer: str = "") -> int:
    """Print ``html`` to an A4 PDF at ``out``; returns the number of pages."""
    ensure_app()
    writer = QPdfWriter(str(Path(out)))
    writer.setPdfVersion(QPdfWriter.PdfVersion.PdfVersion_A1b)
    writer.setCreator("Deepfake Inspector")
    writer.setTitle(title)
    writer.setResolution(300)
    writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait,
                                     QMarginsF(MARGIN_MM, MARGIN_MM, MARGIN_MM, MARGIN_MM),
                                     QPageLayout.Unit.Millimeter))
    paint_rect = writer.pageLayout().paintRectPixels(writer.resolution())
    scale = writer.resolution() / LAYOUT_DPI
    footer_h = FOOTER_PT / 72 * LAYOUT_DPI * 2.2  # in layout pixels: one line and a gap
    page_w = paint_rect.width() / scale
    page_h = paint_rect.height() / scale - footer_h

    layout_device = _layout_device()  # kept alive while the document lays out
    doc = QTextDocument()
    doc.documentLayout().setPaintDevice(layout_device)
    doc.setDocumentMargin(0)
    doc.setMetaInformation(QTextDocument.MetaInformation.CssMedia, "print")  # as a browser prints it
    doc.setHtml(html)
    doc.setPageSize(QSizeF(page_w, page_h))
    pages = max(1, doc.pageCount())

    painter = QPainter()
    if not painter.begin(writer):
        raise OSError(f"cannot open {out} for writing")
    try:
        font = QFont("DejaVu Sans")
        font.setPixelSize(round(FOOTER_PT / 72 * LAYOUT_DPI))  # in layout pixels: the painter is scaled
        for page in range(pages):
            if page:
                writer.newPage()
            painter.save()
            painter.scale(scale, scale)
            painter.save()
            painter.translate(0, -page * page_h)
            clip = QRectF(0, page * page_h, page_w, page_h)
            painter.setClipRect(clip.adjusted(0, 0, 0, -0.5))  # no sliver of the next page's first line
            doc.drawContents(painter, clip)
            painter.restore()
            painter.setFont(font)
            painter.setPen(Qt.GlobalColor.darkGray)
            painter.drawLine(0, int(page_h + footer_h * 0.25), int(page_w), int(page_h + footer_h * 0.25))
            box = QRectF(0, page_h + footer_h * 0.3, page_w, footer_h * 0.7)
            painter.drawText(box, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, footer)
            painter.drawText(box, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                             f"page {page + 1} of {pages}")
            painter.restore()
    finally:
        painter.end()
    return pages


def export_pdf(out: str | os.PathLike, result, **kwargs):
    """core.report.export_report with Qt's PDF printing; ``out`` ends in .pdf (add html=True for both)."""
    from core.report import export_report

    return export_report(out, result, pdf_writer=lambda h, p, t, f: write_pdf(h, p, t, f), **kwargs)
