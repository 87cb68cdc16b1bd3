"""The ISO base media file format's boxes (MP4, MOV, M4V, 3GP): what FFmpeg does not pass on.

FFmpeg's demuxer turns most of ``moov`` into stream properties and tags, but not everything an
examiner looks at: the order of the top-level boxes (where ``moov`` sits), the movie and track
header times as stored (FFmpeg hides a zero time), each track's display matrix, edit lists, handler
names, and boxes no player needs (``uuid``, ``free``, unknown ones). This reads them by seeking from
box header to box header; only ``moov`` is read whole (its sample tables: a few hundred kilobytes
for an hour of video), never the media data.

Layouts follow ISO/IEC 14496-12 (``mvhd``, ``tkhd``, ``mdhd``, ``hdlr``, ``elst``) and Apple's
QuickTime File Format (``hdlr`` names as Pascal strings, ``meta`` without the full-box header).
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import BinaryIO

from core.filecheck.model import Box, EditEntry, MovieAtoms, TrackAtoms

BMFF_TYPES = {b"ftyp", b"moov", b"mdat", b"free", b"skip", b"wide", b"uuid", b"pnot", b"styp", b"sidx", b"moof"}
CONTAINERS = {b"moov", b"trak", b"mdia", b"minf", b"stbl", b"edts", b"udta", b"dinf", b"mvex"}
KNOWN_TOP = {b"ftyp", b"moov", b"mdat", b"free", b"skip", b"wide", b"uuid", b"meta", b"pdin", b"styp", b"sidx",
             b"moof", b"mfra", b"emsg", b"prft", b"pnot", b"PICT", b"junk"}
MAX_TOP_BOXES = 10_000
MAX_MOOV_BYTES = 256 * 1024 * 1024
_EPOCH_1904 = datetime(1904, 1, 1, tzinfo=UTC)
C2PA_UUID = bytes.fromhex("d8fec3d61b0e483c92975828877ec481")
XMP_UUID = bytes.fromhex("be7acfcb97a942e89c71999491e3afac")
_UUID_NAMES = {C2PA_UUID: "C2PA manifest", XMP_UUID: "XMP metadata"}


class NotBmff(Exception):
    """The file does not start with ISO BMFF boxes (Matroska, AVI, MPEG-TS...)."""


@dataclass
class _Raw:
    kind: bytes
    offset: int
    header: int
    size: int  # whole box, header included


def _time_1904(seconds: int) -> str | None:
    """An ``mvhd``/``tkhd``/``mdhd`` time (seconds since 1904-01-01 UTC) as ISO text; None when 0 (not set)."""
    if seconds == 0:
        return None
    try:
        return (_EPOCH_1904 + timedelta(seconds=seconds)).isoformat()
    except OverflowError:
        return f"out of range ({seconds} s after 1904)"


def _fourcc(kind: bytes) -> str:
    return kind.decode("latin-1")


def _read_header(f: BinaryIO, offset: int, end: int) -> _Raw | None:
    f.seek(offset)
    head = f.read(8)
    if len(head) < 8:
        return None
    size, kind = struct.unpack(">I4s", head)
    header = 8
    if size == 1:
        ext = f.read(8)
        if len(ext) < 8:
            return None
        size = struct.unpack(">Q", ext)[0]
        header = 16
    elif size == 0:
        size = end - offset
    if kind == b"uuid":
        header += 16
    return _Raw(kind, offset, header, size)


def top_level(f: BinaryIO, file_size: int) -> list[_Raw]:
    """The top-level boxes, by seeking; raises NotBmff when the first box is not one of a BMFF file's."""
    out: list[_Raw] = []
    offset = 0
    while offset < file_size and len(out) < MAX_TOP_BOXES:
        raw = _read_header(f, offset, file_size)
        if raw is None:
            break
        if not out and raw.kind not in BMFF_TYPES:
            raise NotBmff(f"first box is {raw.kind!r}")
        if raw.size < 8:
            out.append(_Raw(raw.kind, offset, raw.header, file_size - offset))  # broken size: rest of file
            break
        out.append(raw)
        offset += raw.size
    return out


def _children(data: bytes, start: int, end: int) -> list[tuple[bytes, int, int]]:
    """(type, payload start, box end) of the boxes inside ``data[start:end]``."""
    out = []
    pos = start
    while pos + 8 <= end:
        size, kind = struct.unpack_from(">I4s", data, pos)
        header = 8
        if size == 1:
            if pos + 16 > end:
                break
            size = struct.unpack_from(">Q", data, pos + 8)[0]
            header = 16
        elif size == 0:
            size = end - pos
        if size < header or pos + size > end:
            break
        out.append((kind, pos + header, pos + size))
        pos += size
    return out


def _hdlr(data: bytes, start: int, end: int) -> tuple[str, str]:
    """(handler type, name) of an ``hdlr`` box; the name is a C string (ISO) or a Pascal string (QuickTime)."""
    handler = _fourcc(data[start + 8:start + 12])
    raw = data[start + 24:end]
    if raw and raw[0] == len(raw) - 1 and raw[0] > 0:  # QuickTime: length byte, no terminator
        name = raw[1:]
    else:
        name = raw.split(b"\x00", 1)[0]
    return handler, name.decode("utf-8", "replace").strip()


def rotation_from_matrix(matrix: tuple[int, ...]) -> tuple[float, bool]:
    """(clockwise rotation in degrees, mirrored) a ``tkhd`` display matrix asks players to apply.

    The matrix is {a b u; c d v; x y w} with a, b, c, d in 16.16 fixed point (ISO/IEC 14496-12 8.3.2);
    a phone held upright writes a=0, b=1, c=-1, d=0, which players show turned 90 degrees clockwise.
    """
    a, b, c, d = (v / 65536 for v in (matrix[0], matrix[1], matrix[3], matrix[4]))
    mirrored = a * d - b * c < 0
    if mirrored:
        a, b = -a, -b  # undo the horizontal flip before reading the angle
    return round(math.degrees(math.atan2(b, a))) % 360, mirrored


def _trak(data: bytes, start: int, end: int) -> TrackAtoms:
    track_id = 0
    created = modified = None
    matrix: tuple[int, ...] = ()
    handler_type = handler_name = ""
    timescale = 0
    media_duration = 0
    edits: list[EditEntry] = []
    language = ""
    for kind, s, e in _children(data, start, end):
        box = _bounded(data, e)  # a read past the box's end raises instead of taking its neighbour's bytes
        if kind == b"tkhd":
            version = box[s]
            if version == 1:
                c, m, track_id = struct.unpack_from(">QQI", box, s + 4)
                mpos = s + 4 + 32 + 8 + 8
            else:
                c, m, track_id = struct.unpack_from(">III", box, s + 4)
                mpos = s + 4 + 20 + 8 + 8
            created, modified = _time_1904(c), _time_1904(m)
            if mpos + 36 <= e:
                matrix = struct.unpack_from(">9i", box, mpos)
        elif kind == b"edts":
            for k2, s2, e2 in _children(data, s, e):
                if k2 == b"elst":
                    inner = _bounded(data, e2)
                    version = inner[s2]
                    (count,) = struct.unpack_from(">I", inner, s2 + 4)
                    pos = s2 + 8
                    fmt, step = (">QqhH", 20) if version == 1 else (">IihH", 12)
                    for _ in range(min(count, 10_000)):
                        if pos + step > e2:
                            break
                        dur, media_time, rate_int, rate_frac = struct.unpack_from(fmt, inner, pos)
                        edits.append(EditEntry(segment_duration=dur, media_time=media_time,
                                               rate=rate_int + rate_frac / 65536))
                        pos += step
        elif kind == b"mdia":
            for k2, s2, e2 in _children(data, s, e):
                if k2 == b"hdlr":
                    handler_type, handler_name = _hdlr(data, s2, e2)
                elif k2 == b"mdhd":
                    inner = _bounded(data, e2)
                    version = inner[s2]
                    if version == 1:
                        _, _, timescale, media_duration, lang = struct.unpack_from(">QQIQH", inner, s2 + 4)
                    else:
                        _, _, timescale, media_duration, lang = struct.unpack_from(">IIIIH", inner, s2 + 4)
                    if lang and lang != 0x7FFF:
                        language = "".join(chr(((lang >> sh) & 0x1F) + 0x60) for sh in (10, 5, 0))
    rotation, mirrored = rotation_from_matrix(matrix) if len(matrix) == 9 else (0, False)
    return TrackAtoms(track_id=track_id, handler_type=handler_type, handler_name=handler_name,
                      created=created, modified=modified, display_matrix=matrix, rotation=int(rotation),
                      mirrored=mirrored, media_timescale=timescale, media_duration=media_duration,
                      language=language, edit_list=tuple(edits))


def _bounded(data: bytes, end: int) -> memoryview:
    """``data`` up to a box's end, without copying: reads past it raise ``struct.error``/``IndexError``."""
    return memoryview(data)[:end]


def read_atoms(f: BinaryIO, file_size: int) -> MovieAtoms:
    """The box layout and ``moov`` details of a BMFF file; raises NotBmff for other containers."""
    tops = top_level(f, file_size)
    boxes = []
    for raw in tops:
        label = ""
        if raw.kind == b"uuid":
            f.seek(raw.offset + raw.header - 16)
            label = _UUID_NAMES.get(f.read(16), "unknown uuid")
        elif raw.kind not in KNOWN_TOP:
            label = "not a standard top-level box"
        boxes.append(Box(type=_fourcc(raw.kind), offset=raw.offset, size=raw.size, note=label))
    moovs = [r for r in tops if r.kind == b"moov"]
    created = modified = None
    timescale = duration = 0
    tracks: list[TrackAtoms] = []
    udta: list[str] = []
    if moovs and moovs[0].size <= MAX_MOOV_BYTES:
        moov = moovs[0]
        f.seek(moov.offset)
        data = f.read(moov.size)
        for kind, s, e in _children(data, moov.header, len(data)):
            if kind == b"mvhd":
                box = _bounded(data, e)
                version = box[s]
                if version == 1:
                    c, m, timescale, duration = struct.unpack_from(">QQIQ", box, s + 4)
                else:
                    c, m, timescale, duration = struct.unpack_from(">IIII", box, s + 4)
                created, modified = _time_1904(c), _time_1904(m)
            elif kind == b"trak":
                tracks.append(_trak(data, s, e))
            elif kind == b"udta":
                udta.extend(_fourcc(k) for k, _, _ in _children(data, s, e))
            elif kind == b"meta":
                udta.append("meta")
    order = [b.type for b in boxes if b.type in ("moov", "mdat")]
    return MovieAtoms(
        boxes=tuple(boxes),
        moov_count=len(moovs),
        mdat_count=sum(1 for r in tops if r.kind == b"mdat"),
        moov_before_mdat=(order.index("moov") < order.index("mdat")) if "moov" in order and "mdat" in order else None,
        fragmented=any(r.kind == b"moof" for r in tops),
        created=created,
        modified=modified,
        timescale=timescale,
        duration=duration,
        tracks=tuple(tracks),
        udta_boxes=tuple(udta),
        missing_bytes=max(0, tops[-1].offset + tops[-1].size - file_size) if tops else 0,
    )
