"""Stills of the evidence: one decoded frame, or one face cut from it, as a PNG with a JSON sidecar.

The PNG holds the pixels exactly as this app decoded them (OpenCV/FFmpeg, converted to RGB, the
container's rotation applied), losslessly: no face boxes, zoom, brightness or other view adjustment.
Beside it, ``<name>.png.json`` says where the pixels came from: the video's path and SHA-256, the
frame number and time, the MD5 of the frame's decoded bytes (the layout is :data:`PIXEL_LAYOUT`, the
same as :func:`core.forensic.integrity.frame_md5` and ``main.py analyze --framemd5``), the image's size, the app
version and when it was written; a face crop adds its box, track, score and how it was cut.

Each file is written atomically (core/forensic/atomic.py), nothing is written in the evidence file's folder
(:func:`core.forensic.integrity.refuse_beside_evidence`), files already there are only replaced when asked
(their hashes then go in the audit entry), and every export is logged (``frame_exported`` or
``face_exported``) with the SHA-256 of both files written. Qt-free.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import cv2
import numpy as np

from core.errors import OutputExists, OutputNotWritable
from core.faces import crop_face, square_around
from core.forensic import atomic, audit
from core.forensic.integrity import frame_md5, refuse_beside_evidence

FORMAT = "deepfake-inspector/frame-export@1"
PIXEL_LAYOUT = ("RGB24: for each pixel its R, G and B byte, pixels left to right, rows top to bottom, "
                "no padding or header (width x height x 3 bytes), the frame as decoded and after the "
                "container's rotation")
FRAME, FACE = "frame", "face"


@dataclass(frozen=True)
class FrameSource:
    """Which frame of which evidence file the pixels are."""

    video_path: str
    video_sha256: str  # the file's SHA-256 (as hashed when it was opened for viewing)
    frame: int  # from 0, in the order the player shows frames
    fps: float  # the frame rate times are computed with
    rotation: int = 0  # degrees the container's rotation turned the decoded picture

    @property
    def time_s(self) -> float:
        return self.frame / self.fps if self.fps else 0.0


@dataclass(frozen=True)
class FaceBox:
    """The face to cut out: as the analysis found it (core.result.FaceScore) and how to cut it."""

    box: tuple[float, float, float, float]  # x0, y0, x1, y1 in frame pixels
    margin: float  # the analysis' crop margin (its params' "margin")
    track: int | None = None
    score: float | None = None  # the model's P(fake) for the face
    detected: bool = True  # False: the tracker carried the box between detections
    model_id: str = ""
    model_sha256: str = ""


@dataclass(frozen=True)
class Exported:
    png: Path
    sidecar: Path
    png_sha256: str
    sidecar_sha256: str
    record: dict  # the sidecar's content


def sidecar_path(png: str | os.PathLike) -> Path:
    p = Path(png)
    return p.with_name(p.name + ".json")


def png_path(out: str | os.PathLike) -> Path:
    """``out`` with a .png suffix (added when the name typed has another or none)."""
    p = Path(out)
    return p if p.suffix.lower() == ".png" else p.with_name(p.name + ".png")


def existing_outputs(out: str | os.PathLike) -> list[Path]:
    """The files an export to ``out`` would replace."""
    png = png_path(out)
    return [p for p in (png, sidecar_path(png)) if p.exists()]


def encode_png(rgb: np.ndarray) -> bytes:
    """Lossless 8-bit RGB PNG of an (H, W, 3) uint8 RGB image."""
    _check_rgb(rgb)
    ok, buf = cv2.imencode(".png", cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2BGR))
    if not ok:  # pragma: no cover - OpenCV encodes any uint8 image
        raise OutputNotWritable("The image could not be encoded as PNG.")
    return buf.tobytes()


def read_png(path: str | os.PathLike) -> np.ndarray:
    """An exported PNG back as RGB uint8 (for checks)."""
    bgr = cv2.imdecode(np.frombuffer(Path(path).read_bytes(), np.uint8), cv2.IMREAD_UNCHANGED)
    if bgr is None or bgr.ndim != 3 or bgr.shape[2] != 3:
        raise ValueError(f"{path} is not an 8-bit RGB PNG")
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def _check_rgb(rgb: np.ndarray) -> None:
    if not isinstance(rgb, np.ndarray) or rgb.dtype != np.uint8 or rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError("expected an (H, W, 3) uint8 RGB frame")


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _video(source: FrameSource) -> dict:
    return {"path": str(Path(source.video_path).resolve()), "sha256": source.video_sha256}


def _frame(source: FrameSource, rgb: np.ndarray) -> dict:
    h, w = rgb.shape[:2]
    return {
        "index": source.frame,
        "numbering": "from 0, in the order frames are shown (as the player and the analysis number them)",
        "time_s": round(source.time_s, 6),
        "time_basis": f"frame number / {source.fps:g} frames/s (nominal)",
        "width": w,
        "height": h,
        "rotation_applied": source.rotation,
        "md5": frame_md5(rgb),
        "md5_bytes": PIXEL_LAYOUT,
        "decoder": f"OpenCV {cv2.__version__} (FFmpeg), converted to RGB",
    }


def _image(png: Path, data: bytes, rgb: np.ndarray) -> dict:
    h, w = rgb.shape[:2]
    return {"file": png.name, "sha256": _sha(data), "format": "PNG, 8-bit RGB, lossless", "width": w, "height": h,
            "pixels_md5": frame_md5(rgb)}


def _write(png: Path, data: bytes, record: dict, sources: Sequence[str], overwrite: bool,
           event: str, log: audit.AuditLog | None, extra: dict) -> Exported:
    side = sidecar_path(png)
    refuse_beside_evidence(png, sources)
    present = [p for p in (png, side) if p.exists()]
    if present and not overwrite:
        names = " and ".join(p.name for p in present)
        raise OutputExists(f"{names} already exist{'s' if len(present) == 1 else ''} in {png.parent}. Choose another "
                           "name, or replace them (their hashes are then kept in the audit log).",
                           tuple(str(p) for p in present))
    replaced, earlier_png = {}, None
    for p in present:
        try:
            content = p.read_bytes()
        except OSError as exc:
            raise OutputNotWritable(f"Cannot read {p} before replacing it: {exc.strerror}.") from exc
        replaced[p.name] = _sha(content)
        if p == png:
            earlier_png = content
    text = atomic.json_text(record)
    atomic.write_bytes(png, data)
    try:
        atomic.write_text(side, text)
    except OutputNotWritable:
        # never an image beside a sidecar that describes another one: put the earlier image back, or
        # remove the new one when there was none
        if earlier_png is not None:
            atomic.write_bytes(png, earlier_png)
        else:
            png.unlink(missing_ok=True)
        raise
    done = Exported(png.resolve(), side.resolve(), _sha(data), _sha(text.encode("utf-8")), record)
    (log or audit.default_log()).append(
        event, path=str(done.png), sha256=done.png_sha256, sidecar=str(done.sidecar),
        sidecar_sha256=done.sidecar_sha256, evidence_path=record["video"]["path"],
        evidence_sha256=record["video"]["sha256"], frame=record["frame"]["index"],
        frame_md5=record["frame"]["md5"], replaced=replaced, **extra)
    return done


def _record(kind: str, source: FrameSource, rgb: np.ndarray) -> dict:
    from core.version import app_version

    return {"format": FORMAT, "kind": kind, "video": _video(source), "frame": _frame(source, rgb),
            "app": {"name": "Deepfake Inspector", "version": app_version()}, "exported_at": _now()}


def export_frame(out: str | os.PathLike, rgb: np.ndarray, source: FrameSource, *, overwrite: bool = False,
                 log: audit.AuditLog | None = None) -> Exported:
    """Write the decoded frame ``rgb`` as ``out`` (.png added if missing) and its sidecar; log ``frame_exported``.

    Raises OutputBesideEvidence (the evidence's folder), OutputExists (files there and not
    ``overwrite``), OutputNotWritable, AuditLogError (the files are written but could not be logged).
    """
    _check_rgb(rgb)
    png = png_path(out)
    data = encode_png(rgb)
    record = _record(FRAME, source, rgb)
    record["image"] = _image(png, data, rgb)
    record["image"]["is"] = "the whole frame as decoded: no face boxes, zoom or view adjustments"
    return _write(png, data, record, [source.video_path], overwrite, audit.FRAME_EXPORTED, log, {})


def cut_face(rgb: np.ndarray, face: FaceBox, size: int | None = None) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """The crop :func:`core.faces.crop_face` makes (square around the box, ``face.margin``, black outside the
    frame) and its square in frame pixels. ``size`` None: at the square's own size, pixels not resampled."""
    square = square_around(face.box, face.margin)
    side = square[2] - square[0]
    return crop_face(rgb, face.box, face.margin, size or side), square


def export_face(out: str | os.PathLike, rgb: np.ndarray, source: FrameSource, face: FaceBox, *,
                size: int | None = None, overwrite: bool = False, log: audit.AuditLog | None = None) -> Exported:
    """Write the face crop of the decoded frame ``rgb`` as a PNG with its sidecar; log ``face_exported``.

    The crop is :func:`cut_face`'s: by default at its own size (no resampling), else ``size`` x ``size``
    as a model would take it. The sidecar holds the frame's record (its MD5 is of the whole frame) and
    the face's: box, square, margin, track, score, model. Raises as :func:`export_frame`.
    """
    _check_rgb(rgb)
    crop, square = cut_face(rgb, face, size)
    png = png_path(out)
    data = encode_png(crop)
    record = _record(FACE, source, rgb)
    record["image"] = _image(png, data, crop)
    h, w = rgb.shape[:2]
    record["image"]["is"] = ("a square cut around the face box, black where the square leaves the frame"
                             + ("" if size else "; pixels as decoded, not resampled")
                             + (f"; resized to {size} x {size} as a model input" if size else ""))
    record["face"] = {
        "box": [round(float(v), 3) for v in face.box],
        "box_is": "x0, y0, x1, y1 in frame pixels, as the analysis found (or tracked) the face",
        "square": list(square),
        "inside_frame": square[0] >= 0 and square[1] >= 0 and square[2] <= w and square[3] <= h,
        "margin": face.margin,
        "crop_size": crop.shape[0],
        "resampled": crop.shape[0] != square[2] - square[0],
        "track": face.track,
        "score": face.score,
        "detected": face.detected,
        "model": {"id": face.model_id, "sha256": face.model_sha256},
    }
    return _write(png, data, record, [source.video_path], overwrite, audit.FACE_EXPORTED, log,
                  {"track": face.track, "box": record["face"]["box"], "score": face.score})
