"""One model's share of an analysis pass: crops, scores and frames awaiting their scores.

Decoding, face detection and tracking happen once per pass (:func:`track_chunk`); each model
then cuts its own crops from the same tracked boxes (its card's margin and input size) and
scores them with its own scorer. A sequence model's frames wait until their windows are scored.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.faces import box_side, crop_face
from core.result import DECODE_ERROR, FACE_TOO_SMALL, NO_FACE, SCORED, FaceScore, FrameResult
from core.sequence import TrackWindows
from core.tracking import TrackedFace, Tracker


@dataclass(frozen=True)
class Tracked:
    """One decoded frame after tracking: its faces, and the tracks that ended just before it."""

    index: int
    time_s: float
    rgb: np.ndarray | None  # None: the frame could not be decoded
    faces: tuple[TrackedFace, ...] = ()
    ended: tuple[int, ...] = ()


def track_chunk(chunk, by_pos: dict, tracker: Tracker, max_faces: int) -> list[Tracked]:
    """Track one chunk of ``(index, time_s, rgb)``; ``by_pos`` maps chunk positions to detections."""
    out = []
    for i, (index, time_s, rgb) in enumerate(chunk):
        if rgb is None:
            out.append(Tracked(index, time_s, None))
            continue
        h, w = rgb.shape[:2]
        if i in by_pos:
            faces, ended = tracker.update(index, by_pos[i][:max_faces])
        else:
            faces, ended = tracker.carry(index, (w, h)), ()
        out.append(Tracked(index, time_s, rgb, tuple(faces), tuple(ended)))
    return out


@dataclass
class _Pending:
    index: int
    time_s: float
    status: str
    faces: list  # [TrackedFace, score-or-None, too_small, (windows, position) or None]


class ModelRun:
    """The state of one model in an analysis: per-track windows and frames awaiting scores."""

    def __init__(self, scorer, contract, margin: float, min_face_px: int):
        self.scorer, self.contract = scorer, contract
        self.margin, self.min_face_px = margin, min_face_px
        self.pending: list[_Pending] = []
        self.windows: dict[int, TrackWindows] = {}
        self.warnings: list[str] = []

    # -- per chunk ----------------------------------------------------------------------
    def process(self, tracked: list[Tracked]) -> list[FrameResult]:
        """Crop and score one tracked chunk; returns the frames whose scores are now final."""
        crops, owners = [], []
        for t in tracked:
            if t.ended:
                self._close_tracks(t.ended)
            if t.rgb is None:
                self.pending.append(_Pending(t.index, t.time_s, DECODE_ERROR, []))
                continue
            entry = _Pending(t.index, t.time_s, NO_FACE, [])
            for face in t.faces:
                small = box_side(face.box) < self.min_face_px
                slot = [face, None, small, None]
                entry.faces.append(slot)
                if not small:
                    crops.append(crop_face(t.rgb, face.box, self.margin, self.contract.input_size))
                    owners.append(slot)
            if entry.faces:
                entry.status = SCORED if any(not s[2] for s in entry.faces) else FACE_TOO_SMALL
            self.pending.append(entry)
        if crops:
            self._score(np.stack(crops), owners)
        return self._pop_final()

    def _score(self, crops: np.ndarray, owners: list) -> None:
        if not self.scorer.is_sequence:
            for slot, s in zip(owners, self.scorer.score_crops(crops), strict=True):
                slot[1] = float(s)
            return
        feats = self.scorer.encode_crops(crops)
        c = self.contract
        for slot, f in zip(owners, feats, strict=True):
            track = slot[0].track
            tw = self.windows.get(track)
            if tw is None:
                tw = self.windows[track] = TrackWindows(c.sequence_length, c.sequence_hop or c.sequence_length)
            slot[3] = (tw, tw.add(f))
        self._score_windows([(tw, s) for tw in self.windows.values() for s in tw.due_windows()])

    def _score_windows(self, due: list) -> None:
        if not due:
            return
        scores = self.scorer.score_windows(np.stack([tw.window(s) for tw, s in due]))
        for (tw, s), score in zip(due, scores, strict=True):
            tw.record(s, float(score))

    def _close_tracks(self, ids) -> None:
        due = []
        for track in ids:
            tw = self.windows.pop(track, None)
            if tw is not None:
                start = tw.tail_window()
                if start is not None:
                    due.append((tw, start))
        self._score_windows(due)

    # -- emitting frames ----------------------------------------------------------------
    @staticmethod
    def _slot_final(slot) -> bool:
        return slot[2] or slot[3] is None or slot[3][0].is_final(slot[3][1])

    def _pop_final(self) -> list[FrameResult]:
        out = []
        while self.pending and all(self._slot_final(s) for s in self.pending[0].faces):
            out.append(self._to_result(self.pending.pop(0)))
        return out

    def _to_result(self, e: _Pending) -> FrameResult:
        faces = []
        for face, score, small, seq in e.faces:
            if seq is not None:
                score = seq[0].score(seq[1])
            faces.append(FaceScore(face.track, _int_box(face), None if small else score, face.detected))
        scores = [f.score for f in faces if f.score is not None]
        return FrameResult(e.index, e.time_s, max(scores) if scores else None, e.status, tuple(faces))

    def finish(self) -> list[FrameResult]:
        self._close_tracks(list(self.windows))
        return self._pop_final()

    def drop_pending(self) -> list[FrameResult]:
        """On cancel: frames whose scores are final are kept; the rest are dropped."""
        out = self._pop_final()
        self.pending.clear()
        return out


def _int_box(face: TrackedFace) -> tuple[int, int, int, int]:
    return tuple(int(round(v)) for v in face.box)
