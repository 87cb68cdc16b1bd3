"""Text on images drawn with OpenCV (report plots and training plots), anchored left, centre or right."""

from __future__ import annotations

import cv2
import numpy as np

FONT = cv2.FONT_HERSHEY_SIMPLEX


def put_text(img: np.ndarray, text: str, org, scale: float, colour, thickness: int = 1, anchor: str = "left") -> None:
    (w, _h), _ = cv2.getTextSize(text, FONT, scale, thickness)
    x, y = org
    if anchor == "center":
        x -= w // 2
    elif anchor == "right":
        x -= w
    cv2.putText(img, text, (int(x), int(y)), FONT, scale, colour, thickness, cv2.LINE_AA)
