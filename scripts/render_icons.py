"""Render the app's icon (drawn in code by gui/icons.py) to the files installers need.

    python scripts/render_icons.py OUT_DIR [--name NAME]

writes OUT_DIR/hicolor/<n>x<n>/apps/NAME.png for the freedesktop sizes (Linux menus and file managers),
OUT_DIR/NAME.ico (Windows: 16-256 px, PNG entries) and OUT_DIR/NAME.icns (macOS: 16-1024 px, PNG
entries). Runs without a display (Qt's offscreen platform). The window draws the same icon at run time,
so there is one drawing and no icon files in the repository.
"""

from __future__ import annotations

import argparse
import os
import struct
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HICOLOR = (16, 22, 24, 32, 48, 64, 128, 256, 512)
ICO = (16, 24, 32, 48, 64, 128, 256)
# ICNS element types holding PNG data, by pixel size (the @2x types reuse the same pictures)
ICNS = (("icp4", 16), ("icp5", 32), ("icp6", 64), ("ic07", 128), ("ic08", 256), ("ic09", 512),
        ("ic10", 1024), ("ic11", 32), ("ic12", 64), ("ic13", 256), ("ic14", 512))


def render_png(size: int) -> bytes:
    """The 'app' icon at size x size pixels, as PNG bytes."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
    from PySide6.QtGui import QImage, QPainter

    from gui import icons

    img = QImage(size, size, QImage.Format_ARGB32_Premultiplied)
    img.fill(Qt.transparent)
    p = QPainter(img)
    p.setRenderHint(QPainter.Antialiasing)
    p.scale(size / icons.SIZE, size / icons.SIZE)
    p.setPen(Qt.NoPen)
    p.setBrush(icons.FG)
    icons._draw("app", p)
    p.end()
    data = QByteArray()
    buf = QBuffer(data)
    buf.open(QIODevice.WriteOnly)
    if not img.save(buf, "PNG"):
        raise RuntimeError("PNG encoding failed")
    buf.close()
    return bytes(data)


def ico(pngs: dict[int, bytes]) -> bytes:
    """A Windows .ico holding PNG images (Vista and later read PNG entries at every size)."""
    sizes = sorted(pngs)
    head = struct.pack("<HHH", 0, 1, len(sizes))
    offset = len(head) + 16 * len(sizes)
    entries, blobs = b"", b""
    for s in sizes:
        data = pngs[s]
        dim = 0 if s >= 256 else s  # 0 means 256
        entries += struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(data), offset)
        offset += len(data)
        blobs += data
    return head + entries + blobs


def icns(pngs: dict[int, bytes]) -> bytes:
    body = b"".join(t.encode() + struct.pack(">I", 8 + len(pngs[s])) + pngs[s] for t, s in ICNS)
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--name", default="org.deepfakeinspector.DeepfakeInspector")
    args = ap.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.path.insert(0, str(ROOT))
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication.instance() or QGuiApplication([sys.argv[0]])  # noqa: F841 (painting needs one)
    pngs = {s: render_png(s) for s in sorted({*HICOLOR, *ICO, *(s for _, s in ICNS)})}
    for s in HICOLOR:
        path = args.out / "hicolor" / f"{s}x{s}" / "apps" / f"{args.name}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(pngs[s])
    (args.out / f"{args.name}.ico").write_bytes(ico({s: pngs[s] for s in ICO}))
    (args.out / f"{args.name}.icns").write_bytes(icns(pngs))
    print(f"icons in {args.out}: {len(HICOLOR)} PNG sizes, .ico, .icns")
    return 0


if __name__ == "__main__":
    sys.exit(main())
