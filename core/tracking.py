"""Keeping one id per person between face detections.

Detection runs every few sampled frames. At a detection, boxes are matched to live tracks by
IoU (greedy, best overlap first), or, for a face that moved fast, by centre distance relative to
its size; unmatched boxes start new tracks. Between detections each
track's box moves on at the velocity measured between its last two detections. A track not
seen for ``max_missed`` detections in a row ends.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from core.faces import Box, Detection


def centre_distance(a: Box, b: Box) -> float:
    """Distance between box centres in units of the mean box side."""
    ca = np.array([(a[0] + a[2]) / 2, (a[1] + a[3]) / 2])
    cb = np.array([(b[0] + b[2]) / 2, (b[1] + b[3]) / 2])
    side = ((a[2] - a[0]) + (a[3] - a[1]) + (b[2] - b[0]) + (b[3] - b[1])) / 4
    return float(np.linalg.norm(ca - cb) / max(side, 1e-6))


def _similar_size(a: Box, b: Box) -> bool:
    ratio = (a[2] - a[0]) / max(b[2] - b[0], 1e-6)
    return 0.5 <= ratio <= 2.0


def iou(a: Box, b: Box) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


@dataclass
class _Track:
    id: int
    box: np.ndarray  # at last_index
    last_index: int
    confidence: float
    velocity: np.ndarray = field(default_factory=lambda: np.zeros(4))  # per frame index
    missed: int = 0

    def box_at(self, index: int) -> Box:
        return tuple(float(v) for v in self.box + self.velocity * (index - self.last_index))


@dataclass(frozen=True)
class TrackedFace:
    track: int
    box: Box
    confidence: float
    detected: bool  # True at a detection frame, False when carried by the tracker


class Tracker:
    def __init__(self, iou_threshold: float = 0.3, max_missed: int = 1, max_centre_distance: float = 0.8):
        self.iou_threshold = iou_threshold
        self.max_centre_distance = max_centre_distance
        self.max_missed = max_missed
        self._tracks: list[_Track] = []
        self._next_id = 1

    def update(self, index: int, detections: list[Detection]) -> tuple[list[TrackedFace], list[int]]:
        """Match a detection frame's faces; returns the faces seen and the ids of ended tracks."""
        pairs = []
        for ti, track in enumerate(self._tracks):
            predicted = track.box_at(index)
            for di, det in enumerate(detections):
                overlap = iou(predicted, det.box)
                dist = centre_distance(predicted, det.box)
                near = dist <= self.max_centre_distance and _similar_size(predicted, det.box)
                if overlap >= self.iou_threshold or near:
                    pairs.append((overlap, -dist, ti, di))
        pairs.sort(reverse=True)
        used_t, used_d, faces = set(), set(), []
        for _, _, ti, di in pairs:
            if ti in used_t or di in used_d:
                continue
            used_t.add(ti)
            used_d.add(di)
            track, det = self._tracks[ti], detections[di]
            new_box = np.asarray(det.box, dtype=np.float64)
            if index > track.last_index:
                track.velocity = (new_box - track.box) / (index - track.last_index)
            track.box, track.last_index, track.confidence, track.missed = new_box, index, det.confidence, 0
            faces.append(TrackedFace(track.id, det.box, det.confidence, True))
        for di, det in enumerate(detections):
            if di not in used_d:
                track = _Track(self._next_id, np.asarray(det.box, dtype=np.float64), index, det.confidence)
                self._next_id += 1
                self._tracks.append(track)
                faces.append(TrackedFace(track.id, det.box, det.confidence, True))
        ended = []
        for ti, track in enumerate(self._tracks):
            if ti not in used_t and track.last_index != index:
                track.missed += 1
        alive = []
        for track in self._tracks:
            (ended if track.missed > self.max_missed else alive).append(track)
        self._tracks = alive
        faces.sort(key=lambda f: f.track)
        return faces, [t.id for t in ended]

    def carry(self, index: int, frame_size: tuple[int, int]) -> list[TrackedFace]:
        """Faces between detections: tracks seen at the last detection, moved on, kept in frame."""
        w, h = frame_size
        faces = []
        for track in self._tracks:
            if track.missed:
                continue
            x0, y0, x1, y1 = track.box_at(index)
            x0, y0, x1, y1 = max(0.0, x0), max(0.0, y0), min(float(w), x1), min(float(h), y1)
            if x1 - x0 >= 2 and y1 - y0 >= 2:
                faces.append(TrackedFace(track.id, (x0, y0, x1, y1), track.confidence, False))
        return faces

    def live_ids(self) -> list[int]:
        return [t.id for t in self._tracks]

    def predicted(self, track_id: int, index: int) -> Box | None:
        """Where a live track's face is expected at ``index`` (None when the track has ended)."""
        for track in self._tracks:
            if track.id == track_id:
                return track.box_at(index)
        return None
