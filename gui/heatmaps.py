"""View > Heatmaps (H): Grad-CAM over each scored face of the frame on screen, computed on demand.

The frame's faces are cropped exactly as the analysis crops them (the card's margin and size),
the analysing model's Grad-CAM (:mod:`core.explain`) is computed in a worker, remembered per
(model, frame, track), and painted over the face's crop square at the chosen opacity. The picture
itself is never altered or interpolated by it. What a heatmap is and is not: :data:`core.explain.NOTE`.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, Signal, Slot

from core.explain import NOTE
from gui.workers import FunctionWorker

MAX_REMEMBERED = 512


class Heatmaps(QObject):
    ready = Signal(int)  # frame index whose maps arrived

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.enabled = False
        self.opacity = 0.45
        # (video SHA-256, model id, frame, track) -> (crop square, map)
        self._cams: dict[tuple[str, str, int, int], tuple[tuple[int, int, int, int], np.ndarray]] = {}
        self._explainers: dict[str, object] = {}  # by model id; used by one worker at a time
        self._running = False
        self.note = NOTE

    def set_opacity(self, opacity: float) -> None:
        self.opacity = min(1.0, max(0.05, float(opacity)))
        self.refresh()

    def set_enabled(self, on: bool) -> None:
        self.enabled = on
        self.refresh()

    def maps_for(self, video: str, model_id: str, index: int) -> dict:
        return {t: v for (s, m, i, t), v in self._cams.items() if (s, m, i) == (video, model_id, index)}

    def refresh(self) -> FunctionWorker | None:
        """Show (or compute) the maps of the frame on screen; returns the worker when one started."""
        w = self.window
        view = w.view
        result = w.current_result()
        frame = view.face_frame
        if not self.enabled or result is None or frame is None or view.rgb is None or not view.exact \
                or frame.index != view.shown_index:
            view.set_heatmaps({}, self.opacity)
            return None
        video, model_id = result.sha256, result.model.id
        known = self.maps_for(video, model_id, frame.index)
        faces = [f for f in frame.faces if f.score is not None and f.track not in known]
        view.set_heatmaps(known, self.opacity)
        if not faces or self._running:  # one at a time; the frame on screen then is done next
            return None
        rgb, where = view.rgb.copy(), (video, model_id, frame.index)
        self._running = True

        def job(_worker):
            from core.explain import GradCam
            from core.faces import crop_face, square_around
            from core.models.bundle import resolve

            cam = self._explainers.get(model_id)
            if cam is None:
                cam = self._explainers[model_id] = GradCam(resolve(model_id))
            card = cam.info.card
            out = {}
            for face in faces:
                crop = crop_face(rgb, face.box, card.face_margin, card.input_size)
                out[face.track] = (square_around(face.box, card.face_margin), cam(crop).cam)
            return where, out

        return w.workers.start(FunctionWorker("heatmaps", job), succeeded=self._arrived, failed=self._failed)

    @Slot(object)
    def _arrived(self, arrived: tuple[tuple[str, str, int], dict]) -> None:
        where, maps = arrived
        self._running = False
        for track, value in maps.items():
            self._cams[(*where, track)] = value
        while len(self._cams) > MAX_REMEMBERED:
            self._cams.pop(next(iter(self._cams)))
        self.refresh()  # this frame's maps, or the next frame on screen
        self.ready.emit(where[2])

    def _failed(self, exc, tb: str) -> None:
        self._running = False
        self.enabled = False
        self.window.acts.heatmaps.setChecked(False)
        self.window.show_error(exc, tb)
