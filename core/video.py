"""Reading evidence video: probe, stream frames as RGB uint8, read one frame by index.

OpenCV decodes to BGR; :func:`to_rgb` is the one place where that becomes RGB. The file is
only ever opened for reading (by OpenCV and by the hasher).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from core.errors import EmptyFile, FrameNotInFile, NotAFile, UnreadableVideo, VideoNotFound


@dataclass(frozen=True)
class VideoInfo:
    path: str
    frames: int  # as announced by the container; the stream may hold fewer
    fps: float
    width: int  # of the frames as delivered, after rotation
    height: int
    duration_s: float
    codec: str
    rotation: int  # degrees the container asks players to rotate; frames come rotated
    size_bytes: int
    declared_fps: float | None = None  # what the container said, when ``fps`` had to be assumed instead
    declared_frames: int | None = None  # what the container said, when it gave no usable count


ASSUMED_FPS = 25.0
MAX_FPS = 1000.0


def container_warnings(info: VideoInfo) -> list[str]:
    """Container values that cannot be right, in plain words, with what was assumed instead."""
    out = []
    if info.declared_fps is not None:
        out.append(f"The container declares a frame rate of {info.declared_fps:g} frames/s, which cannot be right; "
                   f"times assume {info.fps:g} frames/s and are nominal.")
    if info.declared_frames is not None:
        out.append(f"The container declares {info.declared_frames} frames; the count used is {info.frames}, "
                   "so how much of the file the analysis covers is only known once it has been read.")
    return out


@dataclass(frozen=True)
class Frame:
    index: int
    time_s: float
    rgb: np.ndarray  # (H, W, 3) uint8


def to_rgb(image: np.ndarray) -> np.ndarray:
    """OpenCV's BGR (or gray, or BGRA) image as contiguous RGB uint8."""
    if image.dtype != np.uint8:
        image = cv2.convertScaleAbs(image)
    if image.ndim == 2:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2RGB)
    if image.shape[2] == 4:
        return cv2.cvtColor(image, cv2.COLOR_BGRA2RGB)
    if image.shape[2] == 1:
        return cv2.cvtColor(image[:, :, 0], cv2.COLOR_GRAY2RGB)
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


def check_file(path: str | os.PathLike) -> Path:
    """The path as a regular, non-empty file, or the specific reason it is not one."""
    p = Path(path)
    if not p.exists():
        raise VideoNotFound(f"No such file: {p}")
    if not p.is_file():
        raise NotAFile(f"Not a file: {p} is a folder or a device, not a video.")
    if p.stat().st_size == 0:
        raise EmptyFile(f"The file {p.name} is empty (0 bytes).")
    if not os.access(p, os.R_OK):  # else OpenCV calls it an unknown format
        raise UnreadableVideo(f"{p.name} cannot be read: permission denied (ask for read access to {p.parent}).")
    return p


def _open(path: Path) -> cv2.VideoCapture:
    cap = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG)
    if not cap.isOpened():
        cap.release()
        raise UnreadableVideo(
            f"{path.name} cannot be opened as a video (unknown format, or the file is damaged or truncated)."
        )
    # Frames come upright, as a player shows them; VideoInfo.rotation says what was applied.
    cap.set(cv2.CAP_PROP_ORIENTATION_AUTO, 1)
    return cap


def _fourcc(cap: cv2.VideoCapture) -> str:
    code = int(cap.get(cv2.CAP_PROP_FOURCC))
    text = "".join(chr((code >> (8 * i)) & 0xFF) for i in range(4))
    return text.strip("\x00 ").strip() or "unknown"


def probe(path: str | os.PathLike) -> VideoInfo:
    """Metadata of a video; raises a :class:`VideoError` naming the problem."""
    p = check_file(path)
    cap = _open(p)
    try:
        ok, first = cap.read()
        if not ok or first is None:
            raise UnreadableVideo(f"{p.name} holds no decodable video frame.")
        height, width = first.shape[:2]
        declared = cap.get(cv2.CAP_PROP_FPS)
        fps, declared_fps = float(declared), None
        if not np.isfinite(declared) or declared <= 0 or declared > MAX_FPS:
            fps, declared_fps = ASSUMED_FPS, float(declared)  # players assume this too; timecodes are nominal
        count = cap.get(cv2.CAP_PROP_FRAME_COUNT)
        frames, declared_frames = 1, -1  # no usable count: known once the stream has been read
        if np.isfinite(count):
            frames, declared_frames = (int(count), None) if count >= 1 else (1, int(count))
        rotation = int(cap.get(cv2.CAP_PROP_ORIENTATION_META)) % 360
        return VideoInfo(
            path=str(p),
            frames=frames,
            fps=float(fps),
            width=int(width),
            height=int(height),
            duration_s=frames / fps,
            codec=_fourcc(cap),
            rotation=rotation,
            size_bytes=p.stat().st_size,
            declared_fps=declared_fps,
            declared_frames=declared_frames,
        )
    finally:
        cap.release()


def iter_frames(
    path: str | os.PathLike, every: int = 1, start: int = 0, stop: int | None = None, fps: float | None = None
) -> Iterator[tuple[int, float, np.ndarray | None]]:
    """Yield ``(index, time_s, rgb or None)`` for every ``every``-th frame from ``start``.

    Frames in between are grabbed (demuxed and decoded just enough) but not converted, which
    is far cheaper than seeking. ``None`` means the frame was announced but could not be
    decoded. Iteration ends where the stream ends, which may be before the announced count (or
    before ``start``).
    """
    if every < 1:
        raise ValueError("every must be >= 1")
    p = check_file(path)
    cap = _open(p)
    try:
        rate = fps or cap.get(cv2.CAP_PROP_FPS) or ASSUMED_FPS
        if start > 0:
            cap.set(cv2.CAP_PROP_POS_FRAMES, start)
        index = start
        while stop is None or index < stop:
            if not cap.grab():
                return
            if index == start > 0 and int(round(cap.get(cv2.CAP_PROP_POS_FRAMES))) - 1 != start:
                return  # the seek landed elsewhere (the stream ends before ``start``): no frame under another number
            if (index - start) % every == 0:
                ok, bgr = cap.retrieve()
                yield index, index / rate, (to_rgb(bgr) if ok and bgr is not None else None)
            index += 1
    finally:
        cap.release()


def past_end_text(index: int, end: int, announced: int) -> str:
    return (f"Frame {index} is not in the file: its stream ends after frame {end - 1} of the {announced} "
            "the container announces (the file is truncated or damaged).")


class FrameReader:
    """Random access to frames for the player: sequential reads are cheap, jumps seek.

    Every frame returned is the one asked for: after a seek, OpenCV's own position says which
    frame it decoded, and a file cut short with its index intact (a seek past the data lands on
    the last frame that is there) gives :class:`FrameNotInFile`, never a picture under another
    number. :attr:`end` is the decodable frame count once known (:meth:`find_end` looks at once).

    Not thread-safe; the GUI owns one per decode thread.
    """

    def __init__(self, path: str | os.PathLike):
        self.info = probe(path)
        self._cap = _open(Path(self.info.path))
        self._next = 0  # index the capture will deliver on the next read
        self.end: int | None = None  # frames 0 .. end - 1 decode; None: not known to end early

    def _reaches_last(self) -> bool:
        """Whether a seek to the last announced frame delivers exactly it (the stream is not cut short)."""
        last = self.info.frames - 1
        self._cap.set(cv2.CAP_PROP_POS_FRAMES, last)
        ok, _ = self._cap.read()
        delivered = int(round(self._cap.get(cv2.CAP_PROP_POS_FRAMES))) - 1
        self._next = max(0, delivered + 1)
        return bool(ok) and delivered == last

    def _failed_at(self, index: int, end: int) -> UnreadableVideo:
        """A read of ``index`` failed as if the stream ended at ``end``: the end only when a seek to the
        last announced frame cannot reach it either, else damage in the middle (later frames still
        read), which must not hide the rest of the file."""
        if self.end is not None and end >= self.end:
            return FrameNotInFile(past_end_text(index, self.end, self.info.frames), self.end)
        if self._reaches_last():
            return UnreadableVideo(f"Frame {index} of {Path(self.info.path).name} cannot be decoded "
                                   "(damaged; the frames after it are there).")
        self.end = max(1, end)
        return FrameNotInFile(past_end_text(index, self.end, self.info.frames), self.end)

    def read(self, index: int) -> np.ndarray:
        if not 0 <= index < self.info.frames:
            raise IndexError(index)
        if self.end is not None and index >= self.end:
            raise FrameNotInFile(past_end_text(index, self.end, self.info.frames), self.end)
        if index < self._next or index > self._next + 30:
            self._cap.set(cv2.CAP_PROP_POS_FRAMES, index)
            self._next = index
        while self._next < index:  # short hops forward: decode through, faster than a seek
            if not self._cap.grab():
                raise self._failed_at(index, self._next)
            self._next += 1
        ok, bgr = self._cap.read()
        delivered = int(round(self._cap.get(cv2.CAP_PROP_POS_FRAMES))) - 1  # what OpenCV decoded
        self._next = index + 1
        if not ok or bgr is None:
            if delivered < index:  # as if the stream ended before it
                self._next = max(0, delivered + 1)
                raise self._failed_at(index, index if delivered < 0 else delivered + 1)
            raise UnreadableVideo(f"Frame {index} of {Path(self.info.path).name} cannot be decoded.")
        if delivered != index:
            self._next = delivered + 1
            if delivered < index:
                raise self._failed_at(index, delivered + 1)
            raise UnreadableVideo(f"Frame {index} of {Path(self.info.path).name} cannot be told apart: "
                                  f"seeking to it gave frame {delivered}.")
        return to_rgb(bgr)

    def find_end(self) -> int | None:
        """Read the last announced frame: returns :attr:`end` (None when the stream is whole)."""
        try:
            self.read(self.info.frames - 1)
        except UnreadableVideo:
            pass
        return self.end

    def close(self) -> None:
        self._cap.release()

    def __enter__(self) -> FrameReader:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
