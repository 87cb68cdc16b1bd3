"""Face detectors for tests: the colour detector for generated faces, and a slow one for runs
that must last long enough to cancel or close mid-way. Module-level, so worker processes can
unpickle engines made with them."""
import time

import cv2

from core.faces import Detection


class SlowDetector:
    """Wraps a detector (the colour detector, usually) and sleeps ``delay_s`` before each batch."""

    def __init__(self, inner, delay_s: float):
        self.inner, self.delay_s = inner, delay_s
        self.detect_width, self.min_confidence = inner.detect_width, inner.min_confidence

    def detect(self, frames):
        time.sleep(self.delay_s)
        return self.inner.detect(frames)


class ColourFaceDetector:
    """Finds the generated cartoon faces (skin-coloured blobs): a real detector for synthetic media.

    Lets engine tests run in milliseconds and know exactly where the faces are; the real MTCNN
    is tested on real faces separately.
    """

    detect_width = 640
    min_confidence = 0.9

    def __init__(self):
        self.calls = 0
        self.frames_seen = 0

    def detect(self, frames):
        self.calls += 1
        self.frames_seen += len(frames)
        out = []
        for rgb in frames:
            mask = cv2.inRange(rgb, (200, 145, 110), (245, 200, 170))
            n, _, stats, _ = cv2.connectedComponentsWithStats(mask)
            dets = [
                Detection((float(x), float(y), float(x + w), float(y + h)), 0.99)
                for x, y, w, h, area in stats[1:]
                if area >= 30
            ]
            dets.sort(key=lambda d: -(d.box[2] - d.box[0]) * (d.box[3] - d.box[1]))
            out.append(dets)
        return out


def colour_engine(bundle_path: str, delay_s: float = 0.0):
    """An engine with the colour detector (picklable as ``partial(colour_engine, path)``)."""
    from core.analysis import Engine

    det = ColourFaceDetector()
    return Engine(bundle_path, detector=SlowDetector(det, delay_s) if delay_s else det)
