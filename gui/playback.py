"""Where the player is and where it is going: seek, step, play at a speed, in either direction.

Playback follows the wall clock: each tick shows the frame due at that moment (frames the
decoder cannot deliver in time are skipped, never slowed down). Every shown frame is reported
with its own index and whether it is the one asked for or the nearest stand-in.
"""

from __future__ import annotations

import time

import numpy as np
from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot

from core.video import past_end_text
from gui.decoder import BACKWARD, FORWARD, IDLE, Decoder

SPEEDS = (0.1, 0.25, 0.5, 1.0, 1.5, 2.0, 4.0, 8.0)


class Playback(QObject):
    frame_shown = Signal(int, object, bool)  # index, rgb, exact
    frame_failed = Signal(int, str)
    position_changed = Signal(int)  # the frame asked for (the playhead)
    playing_changed = Signal(bool)
    speed_changed = Signal(float, int)  # speed, direction

    def __init__(self, decoder: Decoder, parent: QObject | None = None):
        super().__init__(parent)
        self.decoder = decoder
        self.frames, self.fps = 0, 25.0
        self.end: int | None = None  # the stream holds only frames 0 .. end - 1, once known
        self.position = 0  # the frame asked for
        self.shown = -1  # the frame on screen
        self.shown_exact = False
        self.speed, self.direction = 1.0, FORWARD
        self.playing = False
        self._anchor_frame, self._anchor_t = 0, 0.0
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.PreciseTimer)
        self._timer.timeout.connect(self._tick)
        decoder.frame_ready.connect(self._on_ready)
        decoder.frame_failed.connect(self._on_failed)

    # -- set-up ---------------------------------------------------------------------------
    def set_video(self, frames: int, fps: float) -> None:
        self.pause()
        self.frames, self.fps = max(1, frames), fps or 25.0
        self.end = None
        self.position, self.shown, self.shown_exact = 0, -1, False

    def set_end(self, end: int) -> None:
        """The stream ends before the announced count: End, playing and stepping stop at its last frame;
        a frame past it can still be asked for (the timeline shows it) and says it is not in the file."""
        self.end = max(1, min(int(end), self.frames))
        if self.position >= self.end:
            self._go(self.position)

    @property
    def last(self) -> int:
        """The last frame there is: the announced count's, or the stream's when it ends early."""
        return max(0, (self.end if self.end is not None else self.frames) - 1)

    # -- moving ---------------------------------------------------------------------------
    def seek(self, index: int) -> None:
        """Show ``index`` (clamped): at once if decoded, else the nearest decoded frame until it is."""
        if self.frames <= 0:
            return
        index = int(min(max(index, 0), self.frames - 1))
        if self.playing:
            self._anchor_frame, self._anchor_t = index, time.perf_counter()
        self._go(index)

    def _go(self, index: int) -> None:
        changed = index != self.position
        self.position = index
        if self.end is not None and index >= self.end:
            self.pause()
            self.shown, self.shown_exact = index, True
            self.frame_failed.emit(index, past_end_text(index, self.end, self.frames))
            if changed:
                self.position_changed.emit(index)
            return
        mode = (self.direction if self.playing else IDLE)
        ahead = int(max(8, min(90, self.fps * self.speed * 1.5))) if self.playing else 8
        rgb = self.decoder.request(index, mode, ahead)
        if rgb is not None:
            self._show(index, rgb, True)
        else:
            near = self.decoder.nearest(index)
            if near is not None and not (self.shown == near[0] and not self.shown_exact):
                self._show(near[0], near[1], False)
        if changed:
            self.position_changed.emit(index)

    def step(self, frames: int) -> None:
        self.pause()
        target = self.position + frames
        if frames > 0 and self.position <= self.last:
            target = min(target, self.last)  # stepping does not walk off the stream's end
        elif frames < 0 and self.position > self.last:
            target = self.last  # back from the missing tail: to the last frame there is
        self.seek(target)

    def jump_seconds(self, seconds: float) -> None:
        self.seek(self.position + int(round(seconds * self.fps)))

    def go_start(self) -> None:
        self.seek(0)

    def go_end(self) -> None:
        self.pause()
        self.seek(self.last)

    # -- playing --------------------------------------------------------------------------
    def play(self, direction: int = FORWARD) -> None:
        if self.frames <= 1:
            return
        self.direction = direction
        if direction == FORWARD and self.position >= self.last:
            self.seek(0)
        if direction == BACKWARD and self.position <= 0:
            return
        if direction == BACKWARD and self.position > self.last:
            self.seek(self.last)  # from the missing tail, play back from the last frame there is
        self._anchor_frame, self._anchor_t = self.position, time.perf_counter()
        interval = max(4, int(1000 / (self.fps * self.speed)))
        self._timer.start(min(interval, 40))
        if not self.playing:
            self.playing = True
            self.playing_changed.emit(True)
        self.speed_changed.emit(self.speed, self.direction)

    def pause(self) -> None:
        if self.playing:
            self._timer.stop()
            self.playing = False
            self.decoder.request(self.position, IDLE)  # prefetch around the stop, both ways
            self.playing_changed.emit(False)

    def toggle(self) -> None:
        if self.playing:
            self.pause()
        else:
            self.play(FORWARD)

    def set_speed(self, speed: float) -> None:
        self.speed = float(speed)
        if self.playing:
            self.play(self.direction)
        else:
            self.speed_changed.emit(self.speed, self.direction)

    def faster(self) -> None:
        higher = [s for s in SPEEDS if s > self.speed + 1e-9]
        if higher:
            self.set_speed(higher[0])

    def slower(self) -> None:
        lower = [s for s in SPEEDS if s < self.speed - 1e-9]
        if lower:
            self.set_speed(lower[-1])

    def shuttle(self, direction: int) -> None:
        """J / L: start playing that way at 1x, or double the speed if already going that way."""
        if self.playing and self.direction == direction:
            self.speed = min(SPEEDS[-1], self.speed * 2 if self.speed >= 1 else 1.0)
        else:
            self.speed = 1.0
        self.play(direction)

    @Slot()
    def _tick(self) -> None:
        elapsed = time.perf_counter() - self._anchor_t
        target = self._anchor_frame + self.direction * int(elapsed * self.fps * self.speed)
        at_end = target >= self.last if self.direction == FORWARD else target <= 0
        if at_end:
            self._go(min(max(target, 0), self.last))
            self.pause()
            return
        if target != self.position:
            self._go(target)

    # -- decoder results ------------------------------------------------------------------
    def _show(self, index: int, rgb: np.ndarray, exact: bool) -> None:
        self.shown, self.shown_exact = index, exact
        self.frame_shown.emit(index, rgb, exact)

    @Slot(int, object)
    def _on_ready(self, index: int, rgb) -> None:
        if index == self.position:
            self._show(index, rgb, True)

    @Slot(int, str)
    def _on_failed(self, index: int, message: str) -> None:
        if index == self.position:
            self.shown, self.shown_exact = index, True
            self.frame_failed.emit(index, message)
