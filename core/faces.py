"""Finding faces with MTCNN and cutting square crops around them.

MTCNN 1.0 returns nothing when ``min_face_size`` is raised much above 20, so instead of
raising it we run it on a copy of the frame downscaled to ``detect_width`` and map the boxes
back. Frames go in as one Python list per call: batched detection is several times faster.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

Box = tuple[float, float, float, float]  # x0, y0, x1, y1 in frame pixels
Points = tuple[tuple[float, float], ...]  # (x, y) in frame pixels


@dataclass(frozen=True)
class Detection:
    box: Box
    confidence: float
    # MTCNN's five landmarks: left eye, right eye, nose, mouth left, mouth right (None if unknown)
    landmarks: Points | None = None


class FaceDetector:
    def __init__(self, detect_width: int = 640, min_confidence: float = 0.9):
        from core.keras_env import tf

        tf()  # before MTCNN imports TensorFlow itself: keras_env sets the backend, log level and KERAS_HOME
        from mtcnn import MTCNN

        self.detect_width = detect_width
        self.min_confidence = min_confidence
        device = "GPU:0" if tf().config.list_physical_devices("GPU") else "CPU:0"
        self._mtcnn = MTCNN(device=device)

    def _scale(self, width: int) -> float:
        return min(1.0, self.detect_width / float(width))

    def detect(self, frames: list[np.ndarray]) -> list[list[Detection]]:
        """Faces in each RGB frame, largest first, boxes in the frame's own pixels."""
        if not frames:
            return []
        small, scales = [], []
        for frame in frames:
            s = self._scale(frame.shape[1])
            scales.append(s)
            if s < 1.0:
                size = (round(frame.shape[1] * s), round(frame.shape[0] * s))
                frame = cv2.resize(frame, size, interpolation=cv2.INTER_AREA)
            small.append(np.ascontiguousarray(frame))
        rows = self._mtcnn.detect_faces(small, box_format="xyxy", output_type="numpy")
        out: list[list[Detection]] = [[] for _ in frames]
        for row in np.asarray(rows).reshape(-1, 16):
            i, conf = int(row[0]), float(row[5])
            if conf < self.min_confidence:
                continue
            x0, y0, x1, y1 = (float(v) / scales[i] for v in row[1:5])
            if x1 - x0 < 2 or y1 - y0 < 2:
                continue
            marks = tuple((float(row[6 + j]) / scales[i], float(row[11 + j]) / scales[i]) for j in range(5))
            out[i].append(Detection((x0, y0, x1, y1), conf, marks))
        for dets in out:
            dets.sort(key=lambda d: (d.box[2] - d.box[0]) * (d.box[3] - d.box[1]), reverse=True)
        return out


def box_side(box: Box) -> float:
    return min(box[2] - box[0], box[3] - box[1])


def square_around(box: Box, margin: float) -> tuple[int, int, int, int]:
    """Integer square (x0, y0, x1, y1) centred on the box, side = longest side * (1 + margin)."""
    cx, cy = (box[0] + box[2]) / 2.0, (box[1] + box[3]) / 2.0
    side = max(box[2] - box[0], box[3] - box[1]) * (1.0 + margin)
    half = side / 2.0
    x0, y0 = int(round(cx - half)), int(round(cy - half))
    s = max(1, int(round(side)))
    return x0, y0, x0 + s, y0 + s


def crop_face(frame: np.ndarray, box: Box, margin: float, size: int) -> np.ndarray:
    """A ``size`` x ``size`` RGB crop around the box; parts outside the frame are black."""
    h, w = frame.shape[:2]
    x0, y0, x1, y1 = square_around(box, margin)
    cx0, cy0, cx1, cy1 = max(x0, 0), max(y0, 0), min(x1, w), min(y1, h)
    if cx1 <= cx0 or cy1 <= cy0:
        return np.zeros((size, size, 3), np.uint8)
    patch = frame[cy0:cy1, cx0:cx1]
    if (cx0, cy0, cx1, cy1) != (x0, y0, x1, y1):
        patch = cv2.copyMakeBorder(
            patch, cy0 - y0, y1 - cy1, cx0 - x0, x1 - cx1, cv2.BORDER_CONSTANT, value=(0, 0, 0)
        )
    interp = cv2.INTER_AREA if patch.shape[0] > size else cv2.INTER_LINEAR
    return cv2.resize(patch, (size, size), interpolation=interp)
