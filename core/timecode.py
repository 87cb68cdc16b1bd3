"""Frame numbers and times as an analyst reads and types them: one formatting for the window,
the report and the command line.

Times are shown as ``HH:MM:SS.mmm`` of real time (frame / fps), never drop-frame SMPTE, so a
time in the window matches a time in the report. Input accepts a frame number, seconds, or
``[HH:]MM:SS[.mmm]``, or SMPTE ``HH:MM:SS:FF``.
"""

from __future__ import annotations

import math
import re


def format_time(seconds: float, millis: bool = True) -> str:
    seconds = max(0.0, seconds)
    ms_total = int(round(seconds * 1000))
    h, rem = divmod(ms_total, 3_600_000)
    m, rem = divmod(rem, 60_000)
    s, ms = divmod(rem, 1000)
    text = f"{h:02d}:{m:02d}:{s:02d}"
    return f"{text}.{ms:03d}" if millis else text


def format_short(seconds: float) -> str:
    """``m:ss.mmm`` (``h:mm:ss.mmm`` past an hour): for tables where space is short."""
    ms_total = int(round(max(0.0, seconds) * 1000))
    h, rem = divmod(ms_total, 3_600_000)
    m, rem = divmod(rem, 60_000)
    s, ms = divmod(rem, 1000)
    return f"{h}:{m:02d}:{s:02d}.{ms:03d}" if h else f"{m}:{s:02d}.{ms:03d}"


def frame_time(index: int, fps: float) -> float:
    return index / fps if fps > 0 else 0.0


def format_frame_time(index: int, fps: float) -> str:
    return format_time(frame_time(index, fps))


def time_to_frame(seconds: float, fps: float) -> int:
    """The frame on screen at ``seconds`` (frame i is shown from i/fps to (i+1)/fps)."""
    return int(math.floor(seconds * fps + 1e-6))


_CLOCK = re.compile(r"^(?:(\d+):)?(\d+):(\d+(?:\.\d*)?)$")
_SMPTE = re.compile(r"^(\d+):(\d+):(\d+)[:;](\d+)$")


def parse_position(text: str, fps: float) -> int:
    """A frame index from what was typed; raises ValueError with a message for the analyst.

    ``1234`` or ``#1234``: frame number; ``12.5s`` or ``12.5``: seconds when it has a decimal
    point or an ``s``; ``1:02.5`` / ``00:01:02.500``: clock time; ``00:01:02:12``: SMPTE.
    """
    t = text.strip().lower().replace(",", ".")
    if not t:
        raise ValueError("Type a frame number or a time.")
    if t.startswith("#"):
        t = t[1:].strip()
        if t.isdigit():
            return int(t)
        raise ValueError(f"'{text}' is not a frame number.")
    if t.isdigit():
        return int(t)
    if t.endswith("s") and _is_number(t[:-1]):
        return time_to_frame(float(t[:-1]), fps)
    if _is_number(t):
        return time_to_frame(float(t), fps)
    m = _SMPTE.match(t)
    if m:
        h, mi, s, f = (int(g) for g in m.groups())
        if mi >= 60 or s >= 60 or f >= max(1, round(fps)):
            raise ValueError(f"'{text}' is not a valid HH:MM:SS:FF timecode at {fps:g} fps.")
        return int(round((h * 3600 + mi * 60 + s) * fps)) + f
    m = _CLOCK.match(t)
    if m:
        h = int(m.group(1) or 0)
        mi, s = int(m.group(2)), float(m.group(3))
        if (m.group(1) is not None and mi >= 60) or s >= 60:
            raise ValueError(f"'{text}' is not a valid time.")
        return time_to_frame(h * 3600 + mi * 60 + s, fps)
    raise ValueError(f"'{text}' is neither a frame number nor a time (e.g. 1234, 12.5s, 01:02.5, 00:01:02:12).")


def _is_number(t: str) -> bool:
    return re.fullmatch(r"\d+(?:\.\d*)?|\.\d+", t) is not None
