"""Dense face landmarks: a face box -> 468 points (MediaPipe's face mesh model, run by TensorFlow Lite).

The model takes a 192x192 RGB crop in [0, 1] and returns 468 (x, y, z) points in crop pixels and a
face-presence logit. It needs context around the face: the crop here is the face box's square
widened by ``margin`` (25 % of the side each way), or the mouth and chin points drift. The
points come back in the caller's image pixels.

The model file is one of the verified backbone files (:mod:`core.backbones`, ``face_landmarks``).
An interpreter is not thread-safe: each thread that needs landmarks makes its own
:class:`FaceMesh`.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

SIZE = 192
N_POINTS = 468
# indices of the mesh's face oval, in order around the face (MediaPipe FACEMESH_FACE_OVAL)
FACE_OVAL = (10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377, 152, 148,
             176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109)
LEFT_EYE, RIGHT_EYE = (33, 133, 159, 145), (362, 263, 386, 374)  # corners and lids (subject's right, left)
MOUTH = (13, 14, 61, 291)
NOSE_TIP = 1


@dataclass(frozen=True)
class FaceLandmarks:
    points: np.ndarray  # (468, 2) float32, x and y in image pixels
    depth: np.ndarray  # (468,) float32, relative z (crop pixels, smaller is nearer)
    presence: float  # the model's probability that a face is in the crop

    def centre(self, idx) -> np.ndarray:
        return self.points[list(idx)].mean(axis=0)

    def hull(self) -> np.ndarray:
        """The convex hull of all 468 points, ``(K, 2)`` int32, for ``cv2.fillConvexPoly``."""
        return cv2.convexHull(np.round(self.points).astype(np.int32)).reshape(-1, 2)


def crop_transform(box, margin: float = 0.25) -> np.ndarray:
    """The 2x3 affine that maps the face box's widened square onto the model's 192x192 input."""
    x0, y0, x1, y1 = (float(v) for v in box)
    side = max(x1 - x0, y1 - y0) * (1.0 + 2.0 * margin)
    cx, cy = (x0 + x1) / 2.0, (y0 + y1) / 2.0
    s = SIZE / max(side, 1.0)
    return np.array([[s, 0.0, SIZE / 2.0 - s * cx], [0.0, s, SIZE / 2.0 - s * cy]], np.float32)


class FaceMesh:
    def __init__(self, model_path: str | None = None, threads: int = 1):
        from core import backbones as bbs
        from core.keras_env import tf

        path = model_path or bbs.locate("face_landmarks").path
        self._interp = tf().lite.Interpreter(model_path=str(path), num_threads=threads)
        self._interp.allocate_tensors()
        self._input = self._interp.get_input_details()[0]["index"]
        outs = self._interp.get_output_details()
        by_size = {int(np.prod(o["shape"])): o["index"] for o in outs}
        self._points, self._flag = by_size[N_POINTS * 3], by_size[1]

    def landmarks(self, image: np.ndarray, box, margin: float = 0.25) -> FaceLandmarks:
        """The 468 points of the face in ``box`` (x0, y0, x1, y1) of an RGB uint8 ``image``."""
        m = crop_transform(box, margin)
        crop = cv2.warpAffine(image, m, (SIZE, SIZE), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        self._interp.set_tensor(self._input, (crop.astype(np.float32) / 255.0)[None])
        self._interp.invoke()
        raw = self._interp.get_tensor(self._points).reshape(N_POINTS, 3)
        logit = float(self._interp.get_tensor(self._flag).reshape(()))
        inv = cv2.invertAffineTransform(m)
        xy = raw[:, :2] @ inv[:, :2].T + inv[:, 2]
        return FaceLandmarks(xy.astype(np.float32), raw[:, 2].astype(np.float32) / m[0, 0],
                             float(1.0 / (1.0 + np.exp(-logit))))
