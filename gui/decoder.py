"""Frames for the player: a decode thread around :class:`core.video.FrameReader` and a frame cache.

The GUI thread never decodes. It asks for a frame: if it is cached it comes back at once;
otherwise the thread decodes it (a random seek on H.264 takes ~0.2 s) while the player shows
the nearest cached frame, marked as such. Only the latest request matters: requests made while
the thread is busy replace each other, so scrubbing never queues up seeks. When idle, the thread
prefetches around the position, in the direction of playback (backward in blocks, decoding
forward from one seek, because stepping back one frame at a time would seek every frame).
"""

from __future__ import annotations

import bisect
import logging
import threading
import traceback
from collections import OrderedDict

import numpy as np
from PySide6.QtCore import QObject, QThread, Signal, Slot

from core.errors import FrameNotInFile, UnreadableVideo

log = logging.getLogger(__name__)

FORWARD, IDLE, BACKWARD = 1, 0, -1


class FrameCache:
    """Decoded frames by index, least recently used evicted first, bounded in bytes. Thread-safe."""

    def __init__(self, max_bytes: int = 384 * 1024 * 1024):
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._frames: OrderedDict[int, np.ndarray] = OrderedDict()
        self._keys: list[int] = []
        self._bytes = 0

    def get(self, index: int) -> np.ndarray | None:
        with self._lock:
            a = self._frames.get(index)
            if a is not None:
                self._frames.move_to_end(index)
            return a

    def __contains__(self, index: int) -> bool:
        with self._lock:
            return index in self._frames

    def put(self, index: int, frame: np.ndarray) -> None:
        with self._lock:
            if index in self._frames:
                self._frames.move_to_end(index)
                return
            self._frames[index] = frame
            bisect.insort(self._keys, index)
            self._bytes += frame.nbytes
            while self._bytes > self.max_bytes and len(self._frames) > 1:
                old, a = self._frames.popitem(last=False)
                self._keys.pop(bisect.bisect_left(self._keys, old))
                self._bytes -= a.nbytes

    def nearest(self, index: int) -> tuple[int, np.ndarray] | None:
        with self._lock:
            if not self._keys:
                return None
            i = bisect.bisect_left(self._keys, index)
            best = min((k for k in self._keys[max(0, i - 1): i + 1]), key=lambda k: (abs(k - index), k))
            return best, self._frames[best]

    def capacity_frames(self, frame_bytes: int) -> int:
        return max(2, self.max_bytes // max(1, frame_bytes))

    def clear(self) -> None:
        with self._lock:
            self._frames.clear()
            self._keys.clear()
            self._bytes = 0

    def __len__(self) -> int:
        with self._lock:
            return len(self._frames)


class _DecodeThread(QThread):
    """The loop that owns the FrameReader. Talks to the GUI only through queued signals."""

    opened = Signal(int, object)  # generation, VideoInfo
    open_failed = Signal(int, object, str)  # generation, exception, traceback
    decoded = Signal(int, int, object)  # generation, index, rgb
    decode_failed = Signal(int, int, str)  # generation, index, message
    stream_end = Signal(int, int)  # generation, frames the stream holds (fewer than announced)

    def __init__(self, cache: FrameCache):
        super().__init__()
        self.setObjectName("decode")
        self.cache = cache
        self._cv = threading.Condition()
        self._stop = False
        self._open: tuple[int, str] | None = None
        self._want: int | None = None
        self._anchor = 0
        self._mode = IDLE
        self._ahead = 8
        self._generation = 0
        self._reader = None
        self._bad: set[int] = set()
        self._end: int | None = None  # decodable frames, once the stream is known to end early
        self._failure: dict[int, str] = {}
        self.decodes = 0  # frames decoded, for tests and benchmarks

    # -- called from the GUI thread -------------------------------------------------------
    def open(self, generation: int, path: str) -> None:
        with self._cv:
            self._open = (generation, path)
            self._cv.notify()

    def want(self, index: int | None, anchor: int, mode: int, ahead: int) -> None:
        with self._cv:
            self._want, self._anchor, self._mode, self._ahead = index, anchor, mode, ahead
            self._cv.notify()

    def stop(self) -> None:
        with self._cv:
            self._stop = True
            self._cv.notify()

    # -- the thread -----------------------------------------------------------------------
    def run(self) -> None:
        try:
            while True:
                with self._cv:
                    while not (self._stop or self._open or self._want is not None or self._prefetch_target()):
                        self._cv.wait()
                    if self._stop:
                        return
                    job_open, self._open = self._open, None
                    want, self._want = self._want, None
                    gen = self._generation
                if job_open is not None:
                    self._do_open(*job_open)
                elif want is not None:
                    self._serve(gen, want)
                else:
                    with self._cv:
                        target = self._prefetch_target()
                    if target is not None:
                        self._decode(target)
        finally:
            if self._reader is not None:
                self._reader.close()

    def _do_open(self, generation: int, path: str) -> None:
        """Open the new file first: if it fails, the video already open stays usable."""
        from core.video import FrameReader

        try:
            reader = FrameReader(path)
        except Exception as exc:  # typed VideoErrors and anything OpenCV raises go to the GUI
            self.open_failed.emit(generation, exc, traceback.format_exc())
            return
        if self._reader is not None:
            self._reader.close()
        self._reader = reader
        self.cache.clear()
        self._bad.clear()
        self._failure.clear()
        self._end = None
        with self._cv:
            self._generation, self._want, self._anchor, self._mode = generation, None, 0, IDLE
        self.opened.emit(generation, reader.info)
        # Does the stream reach its last announced frame? One seek with an index, but a whole decode without
        # one (minutes on a long export): asked on a reader of its own, in a thread of its own, so the first
        # frame shows at once and opening or closing never waits for it.
        threading.Thread(target=self._probe_end, args=(generation, path), name="decode-end", daemon=True).start()

    def _probe_end(self, generation: int, path: str) -> None:
        from core.video import FrameReader

        try:
            with FrameReader(path) as probe:
                end = probe.find_end()
        except Exception:  # a probe that fails tells nothing; the player still reads frame by frame
            log.exception("looking for the end of %s failed", path)
            return
        with self._cv:
            current = generation == self._generation and not self._stop
        if current:
            self._learn_end(end, generation)

    def _learn_end(self, end: int | None, generation: int | None = None) -> None:
        gen = self._generation if generation is None else generation
        with self._cv:
            if end is None or (self._end is not None and end >= self._end):
                return
            self._end = end
        self.stream_end.emit(gen, end)

    def _decode(self, index: int) -> np.ndarray | None:
        if self._reader is None:
            return None
        end = self._end
        if end is not None and index >= end:  # known from the probe: no read, no seek
            from core.video import past_end_text

            self._bad.add(index)
            self._failure[index] = past_end_text(index, end, self._reader.info.frames)
            return None
        try:
            rgb = self._reader.read(index)
        except FrameNotInFile as exc:
            self._bad.add(index)
            self._failure[index] = str(exc)
            self._learn_end(exc.end)
            return None
        except UnreadableVideo as exc:
            self._bad.add(index)
            self._failure[index] = str(exc)
            return None
        except IndexError:
            self._bad.add(index)
            return None
        except Exception:  # an OpenCV failure must not end the thread; the frame is shown as failed
            log.exception("decoding frame %d failed", index)
            self._bad.add(index)
            return None
        self.decodes += 1
        self.cache.put(index, rgb)
        return rgb

    def _serve(self, gen: int, index: int) -> None:
        rgb = self.cache.get(index)
        if rgb is None:
            rgb = self._decode(index)
        if rgb is None:
            if self._reader is not None:
                self.decode_failed.emit(gen, index, self._failure.get(index, f"Frame {index} cannot be decoded."))
            return
        self.decoded.emit(gen, index, rgb)

    def _prefetch_target(self) -> int | None:
        """The next frame worth decoding while nobody waits (called with the lock held)."""
        r = self._reader
        if r is None:
            return None
        n, a = (self._end if self._end is not None else r.info.frames), self._anchor
        frame_bytes = r.info.width * r.info.height * 3
        room = self.cache.capacity_frames(frame_bytes) // 3
        ahead = min(self._ahead, room)
        behind = min(24 if self._mode == BACKWARD else 12, room) if self._mode != FORWARD else 0
        ranges = []
        if self._mode != BACKWARD:
            ranges.append(range(a + 1, min(n, a + 1 + ahead)))
        if behind:
            # Ascending from the block's start: one seek, then cheap sequential decodes.
            ranges.append(range(max(0, a - behind), a))
        for rng in ranges:
            for i in rng:
                if i not in self.cache and i not in self._bad:
                    return i
        return None


class Decoder(QObject):
    """The GUI thread's handle on the decode thread."""

    opened = Signal(object)  # VideoInfo
    open_failed = Signal(object, str)  # exception, traceback
    frame_ready = Signal(int, object)  # index, rgb
    frame_failed = Signal(int, str)
    stream_end = Signal(int)  # the stream holds only this many of the announced frames

    def __init__(self, cache_bytes: int = 384 * 1024 * 1024, parent: QObject | None = None):
        super().__init__(parent)
        self.cache = FrameCache(cache_bytes)
        self._generation = 0  # the latest open asked for
        self._active = 0  # the open that succeeded last; frames of others are stale
        self._thread = _DecodeThread(self.cache)
        self._thread.opened.connect(self._on_opened)
        self._thread.open_failed.connect(self._on_open_failed)
        self._thread.decoded.connect(self._on_decoded)
        self._thread.decode_failed.connect(self._on_failed)
        self._thread.stream_end.connect(self._on_stream_end)
        self._thread.start()

    @property
    def decodes(self) -> int:
        return self._thread.decodes

    def open(self, path: str) -> None:
        self._generation += 1
        self._thread.open(self._generation, path)

    def request(self, index: int, mode: int = IDLE, ahead: int = 8) -> np.ndarray | None:
        """The frame now if cached (the thread then only prefetches), else None and it is decoded."""
        rgb = self.cache.get(index)
        self._thread.want(None if rgb is not None else index, index, mode, ahead)
        return rgb

    def nearest(self, index: int) -> tuple[int, np.ndarray] | None:
        return self.cache.nearest(index)

    def shutdown(self) -> None:
        self._thread.stop()
        self._thread.wait()

    @Slot(int, object)
    def _on_opened(self, gen: int, info) -> None:
        if gen == self._generation:
            self._active = gen
            self.opened.emit(info)

    @Slot(int, object, str)
    def _on_open_failed(self, gen: int, exc, tb: str) -> None:
        if gen == self._generation:
            self.open_failed.emit(exc, tb)

    @Slot(int, int, object)
    def _on_decoded(self, gen: int, index: int, rgb) -> None:
        if gen == self._active:
            self.frame_ready.emit(index, rgb)

    @Slot(int, int, str)
    def _on_failed(self, gen: int, index: int, message: str) -> None:
        if gen == self._active:
            self.frame_failed.emit(index, message)

    @Slot(int, int)
    def _on_stream_end(self, gen: int, end: int) -> None:
        if gen == self._active:
            self.stream_end.emit(end)
