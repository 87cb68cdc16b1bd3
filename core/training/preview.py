"""A few face crops per class, to show an analyst what training will actually learn from.

Uses the same cropping as training (so a wrong margin or a folder of non-faces shows at once)
and the same crop cache, on a handful of files only.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from core.errors import Cancelled
from core.training.crops import CropSettings, file_crops
from core.training.dataset import CLASSES, DatasetSummary

PREVIEW_PX = 96


def sample_crops(summary: DatasetSummary, detector: Callable, per_class: int = 4, margin: float = 0.3,
                 images_are_faces: bool = False, should_cancel: Callable[[], bool] | None = None,
                 ) -> dict[str, list[np.ndarray]]:
    """``{"real": [crop, ...], "fake": [...]}``: the first face of up to ``per_class`` files per class.

    Files spread over the class's groups (one per identity or source first), at most three tries
    per wanted crop so a folder of unusable files cannot make this slow.
    """
    cancelled = should_cancel or (lambda: False)
    settings = CropSettings(size=PREVIEW_PX, margin=margin, images_are_faces=images_are_faces,
                            frames_per_video=1)
    out: dict[str, list[np.ndarray]] = {}
    for label, cname in enumerate(CLASSES):
        files = [f for f in summary.files if f.label == label]
        by_group: dict[str, list] = {}
        for f in files:
            by_group.setdefault(f.group, []).append(f)
        spread = [v[i] for i in range(max((len(v) for v in by_group.values()), default=0))
                  for v in by_group.values() if i < len(v)]
        crops: list[np.ndarray] = []
        for f in spread[: 3 * per_class]:
            if len(crops) >= per_class:
                break
            if cancelled():
                raise Cancelled("The preview was cancelled.")
            fc = file_crops(summary.root, f, settings, detector, should_cancel=cancelled)
            if len(fc.crops):
                crops.append(fc.crops[0])
        out[cname] = crops
    return out
