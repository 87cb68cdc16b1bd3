"""Face detectors for tests that need a run to last long enough to cancel or close mid-way."""
import time


class SlowDetector:
    """Wraps a detector (the colour detector, usually) and sleeps ``delay_s`` before each batch."""

    def __init__(self, inner, delay_s: float):
        self.inner, self.delay_s = inner, delay_s
        self.detect_width, self.min_confidence = inner.detect_width, inner.min_confidence

    def detect(self, frames):
        time.sleep(self.delay_s)
        return self.inner.detect(frames)
