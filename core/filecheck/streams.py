"""Container and stream structure read with PyAV (FFmpeg's demuxer): packets, never pictures.

What is read, and how:

* the container's format, brands and every metadata tag; every stream's codec, profile, level, pixel
  format and bit depth, colour description, declared frame rate and bit rate, duration, tags and
  disposition; for MP4/MOV also the boxes FFmpeg does not pass on (core/filecheck/bmff.py): box
  order, header times, display matrices, edit lists, handler names;
* every packet of every stream by demuxing only: timestamps (pts/dts), sizes, key-frame flags. From
  them: frame intervals, measured frame rate and bit rate, timestamp gaps, variable frame rate, key
  frame positions and GOP lengths;
* picture types (I/P/B) from the first bytes of each packet's slice headers (core/filecheck/bitstream.py)
  for H.264, H.265, MPEG-4 Part 2 and MPEG-1/2, and all-I for intra-only codecs. This was chosen
  over decoding: decoding a 1-minute 720p H.264 clip with FFmpeg's threaded decoder takes several
  seconds on a 2-core machine, against a budget of 1 s for the whole structure; slice headers cost
  microseconds a packet. Other codecs (VP9, AV1...) get key frames and GOPs from the packet flags
  and no I/P/B counts (``GopInfo.picture_types`` is None and the method says why).

OpenCV stays the decoder the analysis uses; nothing here decodes a picture or scores anything.
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import av
import av.error

from core.errors import UnreadableVideo
from core.filecheck.bitstream import PictureTypeReader
from core.filecheck.model import (
    AudioDetails,
    ContainerInfo,
    Gap,
    GopInfo,
    MovieAtoms,
    StreamInfo,
    Tags,
    Timing,
    TrackAtoms,
    VideoDetails,
)

MAX_KEYFRAMES_LISTED = 10_000
MAX_GAPS_LISTED = 50
PATTERN_FRAMES = 60
# An interval is irregular when it differs from the stream's usual one by more than both 1.5 ticks of
# its time base (rounding) and this fraction of it; a gap is an interval this many times the usual one.
IRREGULAR_FRACTION = 0.05
GAP_FACTOR = 1.9
# Variable frame rate: irregular intervals that are not gaps make up this share of them (and at least 3).
VFR_SHARE = 0.01

_PRIMARIES = {1: "BT.709", 2: "unspecified", 4: "BT.470 M", 5: "BT.470 BG (PAL)", 6: "SMPTE 170M (NTSC)",
              7: "SMPTE 240M", 8: "film", 9: "BT.2020", 10: "SMPTE 428 (XYZ)", 11: "DCI-P3", 12: "Display P3",
              22: "EBU 3213"}
_TRANSFER = {1: "BT.709", 2: "unspecified", 4: "gamma 2.2", 5: "gamma 2.8", 6: "SMPTE 170M", 7: "SMPTE 240M",
             8: "linear", 9: "log 100:1", 10: "log 316:1", 11: "IEC 61966-2-4", 12: "BT.1361", 13: "sRGB",
             14: "BT.2020 10-bit", 15: "BT.2020 12-bit", 16: "PQ (SMPTE 2084, HDR)", 17: "SMPTE 428",
             18: "HLG (ARIB STD-B67, HDR)"}
_MATRIX = {0: "RGB", 1: "BT.709", 2: "unspecified", 4: "FCC", 5: "BT.470 BG", 6: "SMPTE 170M", 7: "SMPTE 240M",
           8: "YCgCo", 9: "BT.2020 non-constant", 10: "BT.2020 constant", 11: "SMPTE 2085", 14: "ICtCp"}
_RANGE = {0: "unspecified", 1: "limited (TV)", 2: "full (PC)"}
_FIELD_ORDER = {0: "unknown", 1: "progressive", 2: "interlaced, top first", 3: "interlaced, bottom first",
                4: "interlaced, top coded first, bottom shown first",
                5: "interlaced, bottom coded first, top shown first"}

CREATION_KEYS = ("creation_time", "com.apple.quicktime.creationdate", "date", "date_recorded")
LOCATION_KEYS = ("location", "com.apple.quicktime.location.iso6709", "location-eng")
ENCODER_KEYS = ("encoder", "com.apple.quicktime.software", "software", "encoded_by", "writing_application")
MAKE_KEYS = ("com.apple.quicktime.make", "make", "com.android.manufacturer")
MODEL_KEYS = ("com.apple.quicktime.model", "model", "com.android.model")


def _first_tag(tags: Tags, keys: tuple[str, ...]) -> str | None:
    lower = {k.lower(): v for k, v in tags}
    for key in keys:
        value = lower.get(key)
        if value is not None and value.strip():
            return value.strip()
    return None


def _seconds(value: int | None, time_base: Fraction | None) -> float | None:
    if value is None or time_base is None:
        return None
    return float(value * time_base)


def _rate(value: Fraction | None) -> float | None:
    return float(value) if value else None


def _ratio(value: Fraction | None) -> str | None:
    return f"{value.numerator}:{value.denominator}" if value else None


@dataclass
class _Packets:
    """What demuxing saw of one stream, in decode order."""

    pts: list[int | None] = field(default_factory=list)
    dts: list[int | None] = field(default_factory=list)
    size: list[int] = field(default_factory=list)
    key: list[bool] = field(default_factory=list)
    ptype: list[str | None] = field(default_factory=list)
    discarded: int = 0  # packets the container marks to decode but not show


def _scan(container: av.container.InputContainer, readers: dict[int, PictureTypeReader]) -> tuple[
        dict[int, _Packets], str | None]:
    """Demux every packet (no decoding); (packets by stream index, the error that stopped it, if any)."""
    seen: dict[int, _Packets] = {s.index: _Packets() for s in container.streams}
    stopped = None
    try:
        for packet in container.demux():
            if packet.size == 0 and packet.pts is None and packet.dts is None:
                continue  # the flush packet demux() ends with
            if packet.is_discard:
                rec = seen[packet.stream_index]
                rec.discarded += 1  # an edit list trims it: decoded but never shown, so not a frame
                continue
            rec = seen[packet.stream_index]
            rec.pts.append(packet.pts)
            rec.dts.append(packet.dts)
            rec.size.append(packet.size)
            rec.key.append(packet.is_keyframe)
            reader = readers.get(packet.stream_index)
            if reader is not None:
                rec.ptype.append(reader.picture_type(memoryview(packet)))
    except av.error.FFmpegError as e:
        stopped = f"{type(e).__name__}: {e}"
    return seen, stopped


def _timing(rec: _Packets, time_base: Fraction | None, video: bool) -> tuple[Timing, list[int] | None]:
    """Interval statistics; also the presentation rank of each packet (decode order), None without timestamps."""
    n = len(rec.size)
    use = rec.pts if sum(p is not None for p in rec.pts) >= max(1, n // 2) else rec.dts
    kind = "pts" if use is rec.pts else "dts"
    stamped = [(t, i) for i, t in enumerate(use) if t is not None]
    dts_bad = sum(1 for a, b in zip(rec.dts, rec.dts[1:], strict=False) if a is not None and b is not None and b <= a)
    if len(stamped) < 2 or time_base is None:
        return Timing(packets=n, timestamps="none" if not stamped else kind, first_s=None, last_s=None,
                      interval_median_s=None, interval_min_s=None, interval_max_s=None, irregular_intervals=0,
                      variable_rate=False, gaps=(), gap_count=0, duplicate_pts=0, dts_out_of_order=dts_bad,
                      measured_fps=None, measured_bit_rate=None), None
    stamped.sort()
    # Presentation rank by timestamp; a packet without one goes right after the last stamped packet
    # before it in decode order (giving it rank 0 made several "frame 0"s and shifted every type).
    order, last = [], None
    for i, t in enumerate(use):
        last = t if t is not None else last
        order.append(((last if last is not None else -1), t is None, i))
    rank = [0] * n
    for r, (_, _, i) in enumerate(sorted(order)):
        rank[i] = r
    tick = float(time_base)
    times = [t * tick for t, _ in stamped]
    intervals = [b - a for a, b in zip(times, times[1:], strict=False)]
    positive = [d for d in intervals if d > 0]
    median = statistics.median(positive) if positive else 0.0
    tolerance = max(1.5 * tick, IRREGULAR_FRACTION * median)
    irregular = 0
    gaps: list[Gap] = []
    gap_count = 0
    for k, d in enumerate(intervals):
        if d <= 0 or abs(d - median) <= tolerance:
            continue
        irregular += 1
        if d > GAP_FACTOR * median:
            gap_count += 1
            if len(gaps) < MAX_GAPS_LISTED:
                gaps.append(Gap(frame=k + 1, time_s=round(times[k + 1], 6), interval_s=round(d, 6),
                                expected_s=round(median, 6)))
    duplicates = sum(1 for d in intervals if d == 0)
    span = times[-1] - times[0] + median
    variable = video and (irregular - gap_count) >= max(3, VFR_SHARE * len(intervals))
    return Timing(
        packets=n, timestamps=kind, first_s=round(times[0], 6), last_s=round(times[-1], 6),
        interval_median_s=round(median, 6) if median else None,
        interval_min_s=round(min(positive), 6) if positive else None,
        interval_max_s=round(max(positive), 6) if positive else None,
        irregular_intervals=irregular, variable_rate=variable, gaps=tuple(gaps), gap_count=gap_count,
        duplicate_pts=duplicates, dts_out_of_order=dts_bad,
        measured_fps=round(len(times) / span, 4) if span > 0 and video else None,
        measured_bit_rate=int(sum(rec.size) * 8 / span) if span > 0 else None,
    ), rank


def _gop(rec: _Packets, rank: list[int] | None, reader: PictureTypeReader | None, intra_only: bool,
         codec: str) -> GopInfo:
    n = len(rec.size)
    order = rank if rank is not None else list(range(n))  # no timestamps: decode order is all there is
    keyframes = sorted(order[i] for i in range(n) if rec.key[i])
    lengths = [b - a for a, b in zip(keyframes, keyframes[1:], strict=False)]
    if keyframes:
        lengths.append(n - keyframes[-1])
    typical = Counter(lengths[:-1]).most_common(1)[0][0] if len(lengths) > 1 else None
    irregular = tuple(keyframes[k + 1] for k, length in enumerate(lengths[:-1]) if length != typical)
    types: list[str | None]
    if intra_only:
        types = ["I"] * n
        method = "intra-only codec: every frame is coded on its own"
    elif reader is not None:
        types = rec.ptype
        method = f"picture headers read from each packet ({codec}), no decoding"
    else:
        types = []
        method = f"not read: picture headers of {codec} are not parsed (key frames come from the packet flags)"
    counts = None
    unread = 0
    pattern = every = ""
    if types:
        counter = Counter(t for t in types if t is not None)
        unread = sum(1 for t in types if t is None)
        counts = tuple(sorted(counter.items(), key=lambda kv: "IPBSD".find(kv[0])))
        shown = [None] * n
        for i, t in enumerate(types):
            shown[order[i]] = t
        every = "".join(t or "?" for t in shown)
        pattern = every[:PATTERN_FRAMES]
    return GopInfo(keyframes=tuple(keyframes[:MAX_KEYFRAMES_LISTED]), keyframe_count=len(keyframes),
                   gop_lengths=tuple(lengths), gop_typical=typical, irregular_at=irregular, picture_types=counts,
                   picture_types_unread=unread, picture_type_method=method, pattern=pattern, frame_types=every)


def _track_for(stream, atoms: MovieAtoms | None) -> TrackAtoms | None:
    """The ``trak`` of a stream: by track ID (FFmpeg's stream id for MP4/MOV)."""
    if atoms is None:
        return None
    return next((t for t in atoms.tracks if t.track_id == stream.id), None)


def _level(codec: str, level: int) -> str | None:
    if level is None or level <= 0:
        return None
    if codec == "h264":
        return f"{level / 10:g}"
    if codec == "hevc":
        return f"{level / 30:g}"
    return str(level)


def _video(stream, rec: _Packets, rank, reader, track: TrackAtoms | None) -> VideoDetails:
    cc = stream.codec_context
    pix = cc.pix_fmt
    depth = None
    if pix:
        try:
            depth = max(c.bits for c in av.VideoFormat(pix).components)
        except (ValueError, av.error.FFmpegError):
            depth = None  # an unknown pixel format name: the depth is not known
    if track is not None and track.display_matrix:
        rotation, mirrored, source, matrix = track.rotation, track.mirrored, "tkhd display matrix", track.display_matrix
    elif "rotate" in stream.metadata:
        rotation, mirrored, source, matrix = int(float(stream.metadata["rotate"])) % 360, False, \
            "stream tag 'rotate'", ()
    else:
        rotation, mirrored, source, matrix = 0, False, "none", ()
    codec = cc.name
    return VideoDetails(
        width=cc.width, height=cc.height, pixel_format=pix, bit_depth=depth,
        sample_aspect_ratio=_ratio(stream.sample_aspect_ratio),
        display_aspect_ratio=_ratio(stream.display_aspect_ratio),
        declared_fps=_rate(stream.average_rate), nominal_fps=_rate(stream.base_rate),
        rotation=rotation, mirrored=mirrored, rotation_source=source, display_matrix=tuple(matrix),
        color_range=_RANGE.get(cc.color_range, f"code {cc.color_range}"),
        color_primaries=_PRIMARIES.get(cc.color_primaries, f"code {cc.color_primaries}"),
        color_transfer=_TRANSFER.get(cc.color_trc, f"code {cc.color_trc}"),
        color_space=_MATRIX.get(cc.colorspace, f"code {cc.colorspace}"),
        field_order=_FIELD_ORDER.get(cc.field_order, f"code {cc.field_order}"),
        reorders_frames=bool(cc.has_b_frames),
        encoder_sei=tuple(dict.fromkeys(reader.sei)) if reader is not None else (),
        gop=_gop(rec, rank, reader, stream.codec.intra_only, codec),
    )


def _audio(stream) -> AudioDetails:
    cc = stream.codec_context
    return AudioDetails(sample_rate=cc.sample_rate, channels=cc.channels, channel_layout=cc.layout.name,
                        sample_format=cc.format.name if cc.format is not None else "unknown")


def _codec_of(stream) -> tuple[str, str, str]:
    """(codec name, long name, codec tag); PyAV gives data and attachment streams no codec at all."""
    if stream.codec_context is None:
        return stream.name or "none", f"{stream.type} stream, no codec", ""
    return stream.codec_context.name, stream.codec.long_name, str(stream.codec_tag)


def _disposition(stream) -> tuple[str, ...]:
    return tuple(d.name for d in av.stream.Disposition if d.value and stream.disposition & d.value)


@dataclass(frozen=True)
class ReadStreams:
    container: ContainerInfo
    streams: tuple[StreamInfo, ...]
    stopped: str | None  # why demuxing ended before the end of the file, if it did


def read_streams(path: str | Path, atoms: MovieAtoms | None) -> ReadStreams:
    """Open ``path`` with PyAV and read its container and streams; raises UnreadableVideo."""
    try:
        container = av.open(str(path), metadata_errors="replace")
    except av.error.FFmpegError as e:
        raise UnreadableVideo(f"{Path(path).name}: FFmpeg cannot read this file as a media container ({e}).") from e
    with container:
        tags: Tags = tuple((str(k), str(v)) for k, v in container.metadata.items())
        lower = {k.lower(): v for k, v in tags}
        brands = lower.get("compatible_brands", "")
        info = ContainerInfo(
            format_name=container.format.name, format_long_name=container.format.long_name,
            major_brand=lower.get("major_brand"), minor_version=lower.get("minor_version"),
            compatible_brands=tuple(brands[i:i + 4] for i in range(0, len(brands), 4)),
            duration_s=container.duration / av.time_base if container.duration is not None else None,
            bit_rate=container.bit_rate or None,
            start_time_s=container.start_time / av.time_base if container.start_time is not None else None,
            tags=tags, encoder=_first_tag(tags, ENCODER_KEYS), creation_time=_first_tag(tags, CREATION_KEYS),
            location=_first_tag(tags, LOCATION_KEYS), make=_first_tag(tags, MAKE_KEYS),
            model=_first_tag(tags, MODEL_KEYS),
        )
        readers = {}
        for s in container.streams.video:
            reader = PictureTypeReader(s.codec_context.name, s.codec_context.extradata)
            if reader.supported:
                readers[s.index] = reader
        packets, stopped = _scan(container, readers)
        out = []
        for s in container.streams:
            rec = packets[s.index]
            is_video = s.type == "video"
            timing, rank = _timing(rec, s.time_base, is_video)
            track = _track_for(s, atoms)
            cc = s.codec_context
            codec, long_name, tag = _codec_of(s)
            if codec == "none" and track is not None:  # a data track FFmpeg has no codec for: its handler type
                codec = track.handler_type
            stags: Tags = tuple((str(k), str(v)) for k, v in s.metadata.items())
            handler = dict(stags).get("handler_name") or (track.handler_name if track is not None else None)
            out.append(StreamInfo(
                index=s.index, kind=s.type, codec=codec,
                codec_long_name=long_name, codec_tag=tag,
                profile=s.profile,
                level=_level(codec, cc.level) if is_video else None,
                bit_rate=(cc.bit_rate or None) if cc is not None else None,
                duration_s=_seconds(s.duration, s.time_base), start_time_s=_seconds(s.start_time, s.time_base),
                frames_declared=s.frames or None, language=s.language, handler_name=handler or None,
                tags=stags, disposition=_disposition(s), timing=timing,
                video=_video(s, rec, rank, readers.get(s.index), track) if is_video else None,
                audio=_audio(s) if s.type == "audio" else None,
            ))
    return ReadStreams(container=info, streams=tuple(out), stopped=stopped)
