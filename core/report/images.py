"""Pictures for reports, drawn with OpenCV on RGB arrays and encoded as PNG bytes.

- :func:`timeline_png`: the per-frame score curve with the threshold, suspicious segments,
  unscored frames (by reason) and bookmarks, the same information as the window's timeline; in a
  report comparing models, each further model's curve and threshold in a colour of its own.
- :func:`peak_thumbnails`: each suspicious segment's peak frame, decoded again from the
  evidence, with the face boxes drawn (the most suspicious face in red), plus that face enlarged.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from core.drawing import FONT, put_text
from core.faces import square_around
from core.result import DECODE_ERROR, FACE_TOO_SMALL, NO_FACE, AnalysisResult, FrameResult

# RGB colours
INK = (33, 37, 41)
GRID = (222, 226, 230)
CURVE = (13, 71, 161)
THRESH = (198, 40, 40)
SEGMENT = (255, 205, 210)
BOOKMARK = (0, 121, 107)
STATUS_COLOURS = {NO_FACE: (173, 181, 189), FACE_TOO_SMALL: (255, 179, 0), DECODE_ERROR: (0, 0, 0)}
STATUS_WORDS = {NO_FACE: "no face", FACE_TOO_SMALL: "face too small", DECODE_ERROR: "decode error"}


def encode_png(rgb: np.ndarray) -> bytes:
    """PNG bytes of an RGB uint8 image (lossless: what the decoder delivered, plus drawing)."""
    ok, buf = cv2.imencode(".png", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_PNG_COMPRESSION, 6])
    if not ok:
        raise ValueError("PNG encoding failed")
    return buf.tobytes()


def _text(img, text: str, org, scale: float, colour=INK, thickness: int = 1,
          anchor: str = "left") -> None:
    put_text(img, text, org, scale, colour, thickness, anchor)


def _nice_step(span: float, target_ticks: int = 8) -> float:
    raw = span / max(target_ticks, 1)
    mag = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1
    for m in (1, 2, 5, 10):
        if raw <= m * mag:
            return m * mag
    return 10 * mag


def _time_label(t: float, step: float) -> str:
    if step >= 60:
        return f"{int(t // 60)}:{int(t % 60):02d}"
    if step >= 1:
        return f"{t:.0f}s" if t < 60 else f"{int(t // 60)}:{t % 60:04.1f}".rstrip("0").rstrip(".")
    return f"{t:.1f}s"


# further models' curves (a report comparing models), in this order; distinct from the colours above
COMPARED_CURVES = ((142, 36, 170), (230, 81, 0), (0, 131, 143))
LEGEND_ROW = 36  # the extra legend row naming the models, when several are drawn


def timeline_png(result: AnalysisResult, bookmarks: Iterable[int] = (), width: int = 1280,
                 height: int = 440, compared: Sequence[AnalysisResult] = ()) -> bytes:
    """The score timeline as a PNG (drawn at 2x the size it is shown at, for print).

    ``compared``: further models' analyses of the same video, each drawn as its own curve (in
    :data:`COMPARED_CURVES`) with its own threshold dotted; a legend row under the plot names every
    model. The image is then :data:`LEGEND_ROW` pixels taller, so the plot keeps its size."""
    if len(compared) > len(COMPARED_CURVES):
        raise ValueError(f"the timeline draws at most {len(COMPARED_CURVES)} further models")
    if compared:
        height += LEGEND_ROW
    img = np.full((height, width, 3), 255, np.uint8)
    left, right, top, bottom = 96, 24, 56, 100 + (LEGEND_ROW if compared else 0)
    pw, ph = width - left - right, height - top - bottom
    duration = max(result.video.duration_s, max((f.time_s for f in result.frames), default=0.0), 1e-6)
    fps = result.video.fps or 25.0

    def x_of(t: float) -> int:
        return left + int(round(t / duration * pw))

    def y_of(s: float) -> int:
        return top + int(round((1.0 - s) * ph))

    # suspicious segments, behind everything
    for s in result.segments:
        x0, x1 = x_of(s.start_s), max(x_of(s.end_s + 1.0 / fps), x_of(s.start_s) + 2)
        cv2.rectangle(img, (x0, top), (x1, top + ph), SEGMENT, -1)
    # grid and axes
    for v in (0.0, 0.25, 0.5, 0.75, 1.0):
        y = y_of(v)
        cv2.line(img, (left, y), (left + pw, y), GRID, 2)
        _text(img, f"{v:.2f}", (left - 14, y + 9), 0.8, anchor="right", thickness=2)
    step = _nice_step(duration)
    t = 0.0
    while t <= duration + 1e-9:
        x = x_of(t)
        cv2.line(img, (x, top), (x, top + ph), GRID, 1)
        cv2.line(img, (x, top + ph), (x, top + ph + 10), INK, 2)
        _text(img, _time_label(t, step), (x, top + ph + 58), 0.8, anchor="center", thickness=2)
        t += step
    cv2.rectangle(img, (left, top), (left + pw, top + ph), INK, 2)
    # unscored frames, as a strip under the plot, coloured by reason
    strip_y = top + ph + 14
    frame_w = max(2, int(math.ceil(pw / max(result.video.frames, 1) * _every(result))))
    for f in result.frames:
        if f.score is None and f.status in STATUS_COLOURS:
            x = x_of(f.time_s)
            cv2.rectangle(img, (x, strip_y), (x + frame_w - 1, strip_y + 14), STATUS_COLOURS[f.status], -1)
    # threshold
    thr = result.threshold  # the per-frame threshold (a "majority" verdict compares a share with 0.5)
    y = y_of(thr)
    for x in range(left, left + pw, 24):
        cv2.line(img, (x, y), (min(x + 14, left + pw), y), THRESH, 3, cv2.LINE_AA)
    _text(img, f"threshold {thr:.2f}", (left + pw - 8, y - 10), 0.8, THRESH, 2, anchor="right")
    # the further models' thresholds (dotted) and curves, under the analysing model's curve
    for other, colour in zip(compared, COMPARED_CURVES, strict=False):
        y = y_of(other.threshold)
        for x in range(left, left + pw, 12):
            cv2.line(img, (x, y), (min(x + 4, left + pw), y), colour, 2, cv2.LINE_AA)
        _curve(img, other.frames, colour, 2, x_of, y_of)
    # the curve: runs of consecutive scored frames
    _curve(img, result.frames, CURVE, 3, x_of, y_of)
    # bookmarks: numbered markers on top
    for n, frame in enumerate(sorted(bookmarks), 1):
        x = x_of(frame / fps)
        tri = np.array([[x - 9, top - 16], [x + 9, top - 16], [x, top - 1]], np.int32)
        cv2.fillPoly(img, [tri], BOOKMARK, cv2.LINE_AA)
        cv2.line(img, (x, top), (x, top + ph), BOOKMARK, 1)
        _text(img, str(n), (x + 12, top - 8), 0.6, BOOKMARK, 2)
    # axis titles and legend
    _text(img, "P(fake)", (8, top - 26), 0.8, thickness=2)
    lx = left
    ly = height - 12
    for colour, label in ((CURVE, "frame score"), (SEGMENT, "suspicious segment"),
                          *((STATUS_COLOURS[k], STATUS_WORDS[k]) for k in (NO_FACE, FACE_TOO_SMALL, DECODE_ERROR))):
        cv2.rectangle(img, (lx, ly - 16), (lx + 22, ly - 2), colour, -1)
        lx += 30
        _text(img, label, (lx, ly), 0.7, thickness=2)
        (w, _), _ = cv2.getTextSize(label, FONT, 0.7, 2)
        lx += w + 24
    if compared:  # a row above the legend naming each model's curve and the threshold it is judged against
        entries = [(colour, f"{_short(r.model.id)}, threshold {r.threshold:.2f}")
                   for r, colour in ((result, CURVE), *zip(compared, COMPARED_CURVES, strict=False))]
        scale = 0.7
        wide = sum(54 + cv2.getTextSize(label, FONT, scale, 2)[0][0] for _, label in entries)
        if wide > width - left:  # long model ids: smaller letters rather than a cut-off legend
            scale = max(0.45, scale * (width - left) / wide)
        lx, ly = left, height - 12 - LEGEND_ROW
        for colour, label in entries:
            cv2.line(img, (lx, ly - 7), (lx + 22, ly - 7), colour, 4, cv2.LINE_AA)
            lx += 30
            _text(img, label, (lx, ly), scale, thickness=2)
            lx += cv2.getTextSize(label, FONT, scale, 2)[0][0] + 24
    return encode_png(img)


def _short(name: str, at_most: int = 32) -> str:
    return name if len(name) <= at_most else name[: at_most - 3] + "..."


def _curve(img, frames: Sequence[FrameResult], colour, thickness: int, x_of, y_of) -> None:
    """Runs of consecutive scored frames as lines; dots on each frame when there are few."""
    for run in _scored_runs(frames):
        pts = np.array([[x_of(f.time_s), y_of(float(f.score))] for f in run], np.int32)
        if len(pts) == 1:
            cv2.circle(img, tuple(int(v) for v in pts[0]), 4, colour, -1, cv2.LINE_AA)
        else:
            cv2.polylines(img, [pts], False, colour, thickness, cv2.LINE_AA)
            if len(frames) <= 120:
                for p in pts:
                    cv2.circle(img, (int(p[0]), int(p[1])), 4, colour, -1, cv2.LINE_AA)


def _every(result: AnalysisResult) -> int:
    try:
        return max(1, int(result.params.get("every", 1)))
    except (TypeError, ValueError):
        return 1


def _scored_runs(frames: Sequence[FrameResult]) -> list[list[FrameResult]]:
    runs, cur = [], []
    for f in frames:
        if f.score is None:
            if cur:
                runs.append(cur)
            cur = []
        else:
            cur.append(f)
    if cur:
        runs.append(cur)
    return runs


@dataclass(frozen=True)
class Thumbnail:
    frame: int
    frame_png: bytes  # the whole frame, scaled, with boxes
    face_png: bytes | None  # the most suspicious face, enlarged
    width: int
    height: int
    heat_png: bytes | None = None  # that face's Grad-CAM heatmap over the model's own crop


def draw_boxes(rgb: np.ndarray, fr: FrameResult, line: int = 2) -> np.ndarray:
    """A copy with each face's box; the highest-scored face in red, the others in amber."""
    out = rgb.copy()
    scored = [f for f in fr.faces if f.score is not None]
    top = max(scored, key=lambda f: f.score) if scored else None
    for face in fr.faces:
        colour = THRESH if face is top else (255, 160, 0)
        x0, y0, x1, y1 = face.box
        cv2.rectangle(out, (x0, y0), (x1, y1), colour, line, cv2.LINE_AA)
    return out


def _label_boxes(img: np.ndarray, fr: FrameResult, scale: float) -> None:
    fs = max(0.35, 0.8 * img.shape[1] / 720)  # the label keeps its size relative to the picture
    th = 2 if fs >= 0.6 else 1
    pad = max(2, int(round(6 * fs)))
    for face in fr.faces:
        x0, y0 = int(face.box[0] * scale), int(face.box[1] * scale)
        label = f"#{face.track} " + ("n/a" if face.score is None else f"{face.score:.2f}")
        (w, h), _ = cv2.getTextSize(label, FONT, fs, th)
        y = max(y0 - pad, h + pad)
        cv2.rectangle(img, (x0, y - h - pad), (x0 + w + 2 * pad, y + pad // 2), (255, 255, 255), -1)
        _text(img, label, (x0 + pad, y - 1), fs, thickness=th)


def peak_thumbnails(
    video_path: str | os.PathLike,
    result: AnalysisResult,
    frames: Iterable[int],
    max_width: int = 720,
    face_size: int = 160,
    should_cancel: Callable[[], bool] | None = None,
    explain: Callable[[np.ndarray, tuple], np.ndarray] | None = None,
) -> dict[int, Thumbnail]:
    """Thumbnails for the given frame numbers, decoded from ``video_path`` (which the caller
    has checked is the analysed file, by hash). Frames that cannot be decoded are left out.
    ``explain(frame_rgb, box)``: the face's heatmap picture (uint8 RGB), drawn beside its crop."""
    from core.errors import Cancelled, UnreadableVideo
    from core.video import FrameReader

    by_index = {f.index: f for f in result.frames}
    out: dict[int, Thumbnail] = {}
    with FrameReader(video_path) as reader:
        for index in sorted(set(frames)):
            if should_cancel and should_cancel():
                raise Cancelled("Report export was cancelled.")
            fr = by_index.get(index)
            if fr is None:
                continue
            try:
                rgb = reader.read(index)
            except (UnreadableVideo, IndexError):
                continue
            h, w = rgb.shape[:2]
            scale = min(1.0, max_width / w)
            boxed = draw_boxes(rgb, fr, line=max(3, int(round(3 / scale))))
            small = cv2.resize(boxed, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA) \
                if scale < 1.0 else boxed
            _label_boxes(small, fr, scale)
            face_png = heat_png = None
            scored = [f for f in fr.faces if f.score is not None]
            if scored:
                top = max(scored, key=lambda f: f.score)
                face_png = encode_png(_face_crop(rgb, top.box, face_size))
                if explain is not None:
                    heat = explain(rgb, top.box)
                    heat_png = encode_png(cv2.resize(heat, (face_size, face_size), interpolation=cv2.INTER_NEAREST))
            out[index] = Thumbnail(index, encode_png(small), face_png, small.shape[1], small.shape[0], heat_png)
    return out


def _face_crop(rgb: np.ndarray, box, size: int) -> np.ndarray:
    """The face with some context, enlarged without smoothing so pixels stay visible."""
    x0, y0, x1, y1 = square_around(box, 0.3)
    h, w = rgb.shape[:2]
    pad = max(0, -x0, -y0, x1 - w, y1 - h)
    src = cv2.copyMakeBorder(rgb, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=(0, 0, 0)) if pad else rgb
    crop = src[y0 + pad : y1 + pad, x0 + pad : x1 + pad]
    interp = cv2.INTER_AREA if crop.shape[0] > size else cv2.INTER_NEAREST
    return cv2.resize(crop, (size, size), interpolation=interp)
