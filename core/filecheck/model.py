"""What reading a file's structure finds: frozen dataclasses of plain values, each with ``to_json()``.

Times are seconds (float) or ISO 8601 text as the file states them; sizes are bytes; frame numbers
count from 0 in presentation order (the order a player shows them and the analysis numbers them).
``None`` means the file does not say, never "zero" or "false".
"""

from __future__ import annotations

import bisect
import dataclasses
from dataclasses import dataclass

SCHEMA = "deepfake-inspector/file-structure@1"

Tags = tuple[tuple[str, str], ...]  # (key, value) in the order the file holds them


def plain(value):
    """A dataclass (or tuple, list, dict of them) as JSON-ready dicts, lists and scalars."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple | list):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    return value


class _Json:
    def to_json(self) -> dict:
        return plain(self)


# --- ISO BMFF boxes --------------------------------------------------------------------------


@dataclass(frozen=True)
class Box(_Json):
    type: str  # four-character code
    offset: int
    size: int
    note: str = ""  # what an unusual box is ("C2PA manifest", "unknown uuid", ...)


@dataclass(frozen=True)
class EditEntry(_Json):
    segment_duration: int  # in the movie's timescale
    media_time: int  # in the track's media timescale; -1: an empty edit (nothing shown for that long)
    rate: float


@dataclass(frozen=True)
class TrackAtoms(_Json):
    track_id: int
    handler_type: str  # 'vide', 'soun', ...
    handler_name: str
    created: str | None  # tkhd times as stored; None when 0 (not set)
    modified: str | None
    display_matrix: tuple[int, ...]  # the 9 tkhd matrix values as stored
    rotation: int  # clockwise degrees the matrix asks for
    mirrored: bool
    media_timescale: int
    media_duration: int
    language: str
    edit_list: tuple[EditEntry, ...]


@dataclass(frozen=True)
class MovieAtoms(_Json):
    boxes: tuple[Box, ...]  # top-level, in file order
    moov_count: int
    mdat_count: int
    moov_before_mdat: bool | None
    fragmented: bool
    created: str | None  # mvhd times; None when 0 (not set)
    modified: str | None
    timescale: int
    duration: int
    tracks: tuple[TrackAtoms, ...]
    udta_boxes: tuple[str, ...]  # types inside moov/udta (and 'meta' when moov holds one)
    missing_bytes: int = 0  # how far the last box's declared size runs past the end of the file


# --- container and streams -------------------------------------------------------------------


@dataclass(frozen=True)
class ContainerInfo(_Json):
    format_name: str
    format_long_name: str
    major_brand: str | None
    minor_version: str | None
    compatible_brands: tuple[str, ...]
    duration_s: float | None
    bit_rate: int | None
    start_time_s: float | None
    tags: Tags
    encoder: str | None  # the writing software's tag, as stated
    creation_time: str | None
    location: str | None  # ISO 6709 text as stored
    make: str | None
    model: str | None


@dataclass(frozen=True)
class Gap(_Json):
    frame: int  # the frame after the gap (presentation order)
    time_s: float  # its timestamp
    interval_s: float  # time since the previous frame
    expected_s: float  # the stream's usual interval


@dataclass(frozen=True)
class Timing(_Json):
    packets: int
    timestamps: str  # "pts", "dts" (no presentation times, decode times used) or "none"
    first_s: float | None
    last_s: float | None
    interval_median_s: float | None
    interval_min_s: float | None
    interval_max_s: float | None
    irregular_intervals: int  # intervals off the usual one by more than a tick and 10 %
    variable_rate: bool
    gaps: tuple[Gap, ...]  # the first ones (gap_count says how many in all)
    gap_count: int
    duplicate_pts: int
    dts_out_of_order: int
    measured_fps: float | None  # packets per second over the timestamp span
    measured_bit_rate: int | None  # packet bytes over the timestamp span


@dataclass(frozen=True)
class GopInfo(_Json):
    keyframes: tuple[int, ...]  # frame numbers of key frames (first 10,000)
    keyframe_count: int
    gop_lengths: tuple[int, ...]  # frames from one key frame to the next (the last GOP runs to the end)
    gop_typical: int | None  # the most common length, the last GOP left out
    irregular_at: tuple[int, ...]  # key frames that end a GOP of another length than the typical one
    picture_types: tuple[tuple[str, int], ...] | None  # ("I", n), ("P", n), ("B", n)...; None when not read
    picture_types_unread: int  # packets in which no picture header was found
    picture_type_method: str  # how they were read, in words
    pattern: str  # the picture types of the first frames in presentation order ("IBBPBBP...")
    # Every frame's picture type in presentation order, one letter a frame ("?": not read), so frame n's
    # is frame_types[n]; "" when picture types are not read (then only key frames are known).
    frame_types: str = ""

    def frame_type(self, frame: int) -> str | None:
        """Frame ``frame``'s picture type ("I", "P", "B", ...), "key" for a key frame when only key frames
        are known, None when not known (or past the frames read)."""
        if 0 <= frame < len(self.frame_types):
            t = self.frame_types[frame]
            return None if t == "?" else t
        if not self.frame_types:
            i = bisect.bisect_left(self.keyframes, frame)
            if i < len(self.keyframes) and self.keyframes[i] == frame:
                return "key"
        return None

    def next_keyframe(self, frame: int) -> int | None:
        """The first key frame after ``frame``; None when there is none (or it lies past the listed ones)."""
        i = bisect.bisect_right(self.keyframes, frame)
        return self.keyframes[i] if i < len(self.keyframes) else None

    def previous_keyframe(self, frame: int) -> int | None:
        """The last key frame before ``frame``; None when there is none."""
        i = bisect.bisect_left(self.keyframes, frame)
        return self.keyframes[i - 1] if i > 0 else None


@dataclass(frozen=True)
class VideoDetails(_Json):
    width: int
    height: int
    pixel_format: str | None
    bit_depth: int | None
    sample_aspect_ratio: str | None
    display_aspect_ratio: str | None
    declared_fps: float | None  # the container's average frame rate
    nominal_fps: float | None  # the container's base ("real") frame rate
    rotation: int  # clockwise degrees players turn the picture
    mirrored: bool
    rotation_source: str  # "tkhd display matrix", "stream tag 'rotate'" or "none"
    display_matrix: tuple[int, ...]
    color_range: str
    color_primaries: str
    color_transfer: str
    color_space: str
    field_order: str
    reorders_frames: bool  # the codec announces B-frame reordering
    encoder_sei: tuple[str, ...]  # encoder strings the bitstream carries (x264's version and settings)
    gop: GopInfo


@dataclass(frozen=True)
class AudioDetails(_Json):
    sample_rate: int
    channels: int
    channel_layout: str
    sample_format: str


@dataclass(frozen=True)
class StreamInfo(_Json):
    index: int
    kind: str  # "video", "audio", "subtitle", "data", "attachment"
    codec: str
    codec_long_name: str
    codec_tag: str
    profile: str | None
    level: str | None
    bit_rate: int | None  # declared
    duration_s: float | None
    start_time_s: float | None
    frames_declared: int | None
    language: str | None
    handler_name: str | None
    tags: Tags
    disposition: tuple[str, ...]
    timing: Timing
    video: VideoDetails | None
    audio: AudioDetails | None


# --- findings --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding(_Json):
    """One thing worth telling the examiner, in plain words, with what it means and does not mean."""

    code: str  # stable identifier, e.g. "encoder.ffmpeg"
    level: str  # "info" (context) or "notable" (worth a look); the file's structure never proves manipulation
    title: str
    detail: str  # what was found, with the numbers
    means: str
    does_not_mean: str
    stream: int | None = None
    frame: int | None = None


# --- content credentials ---------------------------------------------------------------------


@dataclass(frozen=True)
class TrustList(_Json):
    name: str
    date: str  # ISO date the list was taken
    source: str
    path: str
    sha256: str
    anchors: int  # certificates in it


@dataclass(frozen=True)
class CredentialAction(_Json):
    action: str  # "c2pa.created", "c2pa.edited", ...
    when: str | None
    software_agent: str | None
    digital_source_type: str | None  # IPTC term, e.g. ".../trainedAlgorithmicMedia"
    description: str | None


@dataclass(frozen=True)
class CredentialIngredient(_Json):
    title: str | None
    format: str | None
    relationship: str | None  # "parentOf", "componentOf", "inputTo"
    has_manifest: bool


@dataclass(frozen=True)
class ValidationEntry(_Json):
    code: str
    explanation: str


@dataclass(frozen=True)
class ContentCredentials(_Json):
    status: str  # "none", "trusted", "valid_untrusted", "invalid", "not_checked"
    summary: str  # one plain sentence
    trust_list: TrustList
    sdk_version: str
    manifest_count: int = 0
    active_manifest: str | None = None
    embedded: bool | None = None
    remote_url: str | None = None
    signer: str | None = None  # the signing certificate's common name
    issuer: str | None = None  # its issuer's organisation
    signed_at: str | None = None
    algorithm: str | None = None
    claim_generator: str | None = None
    title: str | None = None
    actions: tuple[CredentialAction, ...] = ()
    ingredients: tuple[CredentialIngredient, ...] = ()
    ai_generated: bool = False  # an action or ingredient declares AI-generated content
    edited: bool = False  # an action declares an edit
    validation_state: str | None = None  # the SDK's word: "Trusted", "Valid", "Invalid"
    failures: tuple[ValidationEntry, ...] = ()
    reason: str | None = None  # why not checked


# --- the whole -------------------------------------------------------------------------------


@dataclass(frozen=True)
class FileStructure(_Json):
    path: str
    size_bytes: int
    container: ContainerInfo
    streams: tuple[StreamInfo, ...]
    atoms: MovieAtoms | None  # None: not an ISO BMFF file (MP4/MOV)
    credentials: ContentCredentials | None  # None: not asked for
    findings: tuple[Finding, ...]
    reader: Tags  # library versions that read the file
    read_s: float  # seconds the structure took to read (credentials included)

    def stream(self, kind: str) -> tuple[StreamInfo, ...]:
        return tuple(s for s in self.streams if s.kind == kind)

    def finding(self, code: str) -> Finding | None:
        return next((f for f in self.findings if f.code == code), None)

    def to_json(self) -> dict:
        return {"schema": SCHEMA, **plain(self)}
