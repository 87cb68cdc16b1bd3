"""Dense face landmarks for the crops that self-blending will use, computed once per run.

Self-blended masks follow the face mesh's 468 points (:mod:`core.landmarks`) when the landmark
model is installed; a crop whose mesh cannot be found (no face seen in it) keeps MTCNN's five
points. Without the model file every crop keeps its five points and the run says so.
"""

from __future__ import annotations

import time

import numpy as np

from core.errors import BackboneWeightsMismatch, BackboneWeightsMissing, Cancelled
from core.landmarks import N_POINTS
from core.training.config import TrainProgress
from core.training.crops import CropTable

MIN_PRESENCE = 0.5


def add_face_mesh(table: CropTable, rows: np.ndarray, progress=None, should_cancel=None) -> str | None:
    """Fill ``table.mesh`` for ``rows``; returns a warning when the landmark model is missing."""
    from core.landmarks import FaceMesh

    report = progress or (lambda p: None)
    cancelled = should_cancel or (lambda: False)
    try:
        mesh = FaceMesh()
    except (BackboneWeightsMissing, BackboneWeightsMismatch) as exc:
        return f"Self-blend masks follow MTCNN's five points, not the 468-point face mesh: {exc}"
    out = np.full((len(table), N_POINTS, 2), np.nan, np.float32)
    rows = np.unique(np.asarray(rows, np.int64))
    t0 = time.perf_counter()
    found = 0
    for k, r in enumerate(rows):
        if k % 64 == 0:
            if cancelled():
                raise Cancelled("Finding face landmarks was cancelled.")
            el = time.perf_counter() - t0
            report(TrainProgress("landmarks", k, len(rows), el, el / max(k, 1) * (len(rows) - k)))
        lm = mesh.landmarks(np.asarray(table.crops[r]), tuple(float(v) for v in table.boxes[r]))
        if lm.presence >= MIN_PRESENCE:
            out[r] = lm.points
            found += 1
    table.mesh = out
    if rows.size and found < 0.9 * len(rows):
        return (f"The face mesh was found on {found} of {len(rows)} real training crops; the others' self-blend "
                "masks follow MTCNN's five points.")
    return None
