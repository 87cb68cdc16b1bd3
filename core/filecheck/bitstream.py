"""Picture types and encoder strings read from compressed packets, without decoding a picture.

Only the first bytes of each picture's slice headers are read: for H.264 the ``slice_type`` of every
slice (ITU-T H.264 7.3.3), for H.265/HEVC the ``slice_type`` of the picture's first slice segment
(ITU-T H.265 7.3.6.1, which needs the picture parameter set's ``num_extra_slice_header_bits``), for
MPEG-4 Part 2 the ``vop_coding_type`` and for MPEG-1/2 the ``picture_coding_type``. A picture is
called B when any of its slices is B, else P when any is P, else I (SP counts as P, SI as I).

Packets come either length-prefixed (MP4/MOV: ``avcC``/``hvcC``, the prefix size in the extradata) or
with Annex B start codes (MPEG-TS, raw streams); both are handled. SEI ``user_data_unregistered``
payloads (type 5) are read as text where they are printable: x264 and x265 write their version and
settings there, which survives remuxing and most tag editing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

# slice_type % 5 in H.264: P, B, I, SP, SI
_H264_SLICE = ("P", "B", "I", "P", "I")
# slice_type in H.265: B, P, I
_HEVC_SLICE = ("B", "P", "I")
_MPEG4_VOP = ("I", "P", "B", "S")
_MPEG2_PIC = {1: "I", 2: "P", 3: "B", 4: "D"}

_HEADER_BYTES = 64  # more than any slice header field read here needs, after emulation bytes are removed


class BitReader:
    """MSB-first bit reader with Exp-Golomb codes, over bytes with emulation prevention removed."""

    def __init__(self, data: bytes):
        self.data = data
        self.pos = 0

    def bit(self) -> int:
        byte = self.pos >> 3
        if byte >= len(self.data):
            raise EOFError("slice header cut short")
        value = (self.data[byte] >> (7 - (self.pos & 7))) & 1
        self.pos += 1
        return value

    def bits(self, n: int) -> int:
        value = 0
        for _ in range(n):
            value = (value << 1) | self.bit()
        return value

    def ue(self) -> int:
        zeros = 0
        while self.bit() == 0:
            zeros += 1
            if zeros > 31:
                raise EOFError("Exp-Golomb code longer than 32 bits")
        return (1 << zeros) - 1 + self.bits(zeros)


def unescape(data: bytes) -> bytes:
    """NAL payload bytes with the emulation-prevention 0x03 of every 0x000003 removed."""
    if b"\x00\x00\x03" not in data:
        return data
    return re.sub(rb"\x00\x00\x03", b"\x00\x00", data)


def nal_units(data: bytes | memoryview, length_size: int) -> Iterator[memoryview]:
    """The NAL units of one packet: length-prefixed when ``length_size`` is 1-4, Annex B when 0.

    Views into ``data``, not copies: a key frame's slice can be hundreds of kilobytes, of which only
    the first bytes are read.
    """
    data = memoryview(data)
    if length_size:
        pos, end = 0, len(data)
        while pos + length_size <= end:
            size = int.from_bytes(data[pos:pos + length_size], "big")
            pos += length_size
            if size <= 0 or pos + size > end:
                return
            yield data[pos:pos + size]
            pos += size
        return
    starts = [m.end() for m in re.finditer(rb"\x00\x00\x01", data)]
    for i, start in enumerate(starts):
        stop = starts[i + 1] - 3 if i + 1 < len(starts) else len(data)
        yield data[start:stop]


def length_size_from_extradata(codec: str, extradata: bytes | None) -> int:
    """The NAL length-prefix size an ``avcC``/``hvcC`` record declares; 0 for Annex B (no record)."""
    if not extradata:
        return 0
    if codec == "h264" and extradata[0] == 1 and len(extradata) >= 5:
        return (extradata[4] & 3) + 1
    if codec == "hevc" and len(extradata) >= 23 and extradata[0] == 1:
        return (extradata[21] & 3) + 1
    return 0


def hevc_parameter_nals(extradata: bytes | None) -> list[bytes]:
    """The NAL units an ``hvcC`` record carries (VPS, SPS, PPS, SEI), or Annex B extradata split up."""
    if not extradata:
        return []
    if extradata[0] != 1 or len(extradata) < 23:
        return list(nal_units(extradata, 0))
    out: list[bytes] = []
    pos = 23
    for _ in range(extradata[22]):
        if pos + 3 > len(extradata):
            break
        count = int.from_bytes(extradata[pos + 1:pos + 3], "big")
        pos += 3
        for _ in range(count):
            size = int.from_bytes(extradata[pos:pos + 2], "big")
            pos += 2
            out.append(extradata[pos:pos + size])
            pos += size
    return out


def h264_nals_from_extradata(extradata: bytes | None) -> list[bytes]:
    """The SPS and PPS units an ``avcC`` record carries, or Annex B extradata split up."""
    if not extradata:
        return []
    if extradata[0] != 1 or len(extradata) < 7:
        return list(nal_units(extradata, 0))
    out: list[bytes] = []
    pos = 6
    for count_mask in (0x1F, 0xFF):
        if pos >= len(extradata):
            break
        count = extradata[pos] & count_mask
        pos += 1
        for _ in range(count):
            size = int.from_bytes(extradata[pos:pos + 2], "big")
            pos += 2
            out.append(extradata[pos:pos + size])
            pos += size
    return out


def sei_texts(nal: bytes | memoryview, codec: str) -> list[str]:
    """Printable ``user_data_unregistered`` SEI payloads of one SEI NAL unit (H.264 type 6, HEVC 39/40)."""
    header = 1 if codec == "h264" else 2
    body = unescape(bytes(nal[header:]))
    texts = []
    pos = 0
    while pos < len(body) and body[pos] != 0x80:  # 0x80: rbsp trailing bits
        ptype = 0
        while pos < len(body) and body[pos] == 0xFF:
            ptype += 255
            pos += 1
        if pos >= len(body):
            break
        ptype += body[pos]
        pos += 1
        psize = 0
        while pos < len(body) and body[pos] == 0xFF:
            psize += 255
            pos += 1
        if pos >= len(body):
            break
        psize += body[pos]
        pos += 1
        payload = body[pos:pos + psize]
        pos += psize
        if ptype == 5 and len(payload) > 16:
            text = payload[16:].split(b"\x00", 1)[0]  # after the 16-byte UUID
            if len(text) >= 4 and all(32 <= c < 127 or c in (9, 10, 13) for c in text):
                texts.append(text.decode("ascii").strip())
    return texts


class PictureTypeReader:
    """Reads each packet's picture type for one video stream; ``supported`` says whether it can."""

    CODECS = ("h264", "hevc", "mpeg4", "mpeg2video", "mpeg1video")

    def __init__(self, codec: str, extradata: bytes | None):
        self.codec = codec
        self.supported = codec in self.CODECS
        self.length_size = length_size_from_extradata(codec, extradata) if codec in ("h264", "hevc") else 0
        self.hevc_pps_extra_bits: dict[int, int] = {}  # pps id -> num_extra_slice_header_bits
        self.sei: list[str] = []
        if codec == "hevc":
            for nal in hevc_parameter_nals(extradata):
                self._hevc_nal_side(nal)
        elif codec == "h264":
            for nal in h264_nals_from_extradata(extradata):
                if nal and nal[0] & 0x1F == 6:
                    self.sei.extend(sei_texts(nal, "h264"))

    def picture_type(self, data: bytes | memoryview) -> str | None:
        """'I', 'P', 'B' (MPEG-4 'S', MPEG-1 'D'), or None when no picture header is found in the packet."""
        try:
            if self.codec == "h264":
                return self._h264(data)
            if self.codec == "hevc":
                return self._hevc(data)
            if self.codec == "mpeg4":  # the picture header follows at most the small sequence headers
                return self._mpeg4(bytes(memoryview(data)[:4096]))
            if self.codec in ("mpeg2video", "mpeg1video"):
                return self._mpeg2(bytes(memoryview(data)[:4096]))
        except EOFError:
            return None
        return None

    def _h264(self, data: bytes) -> str | None:
        types = set()
        for nal in nal_units(data, self.length_size):
            if not nal:
                continue
            kind = nal[0] & 0x1F
            if kind in (1, 5):
                r = BitReader(unescape(bytes(nal[1:_HEADER_BYTES])))
                r.ue()  # first_mb_in_slice
                slice_type = r.ue()
                types.add(_H264_SLICE[slice_type % 5])
            elif kind == 6:
                self.sei.extend(sei_texts(nal, "h264"))
        return _combine(types)

    def _hevc_nal_side(self, nal: bytes | memoryview) -> None:
        if len(nal) < 3:
            return
        kind = (nal[0] >> 1) & 0x3F
        if kind == 34:  # PPS
            r = BitReader(unescape(bytes(nal[2:_HEADER_BYTES])))
            try:
                pps_id = r.ue()
                r.ue()  # sps id
                r.bits(2)  # dependent_slice_segments_enabled_flag, output_flag_present_flag
                self.hevc_pps_extra_bits[pps_id] = r.bits(3)
            except EOFError:
                return
        elif kind in (39, 40):
            self.sei.extend(sei_texts(nal, "hevc"))

    def _hevc(self, data: bytes) -> str | None:
        for nal in nal_units(data, self.length_size):
            if len(nal) < 3:
                continue
            kind = (nal[0] >> 1) & 0x3F
            if kind <= 21 and not 10 <= kind <= 15:  # VCL NAL units (10-15 are reserved)
                r = BitReader(unescape(bytes(nal[2:_HEADER_BYTES])))
                if not r.bit():  # first_slice_segment_in_pic_flag: later segments need the SPS to parse
                    continue
                if 16 <= kind <= 23:
                    r.bit()  # no_output_of_prior_pics_flag
                pps_id = r.ue()
                extra = self.hevc_pps_extra_bits.get(pps_id)
                if extra is None:
                    return None
                r.bits(extra)
                slice_type = r.ue()
                return _HEVC_SLICE[slice_type] if slice_type < 3 else None
            self._hevc_nal_side(nal)
        return None

    def _mpeg4(self, data: bytes) -> str | None:
        i = data.find(b"\x00\x00\x01\xb6")
        if i < 0 or i + 4 >= len(data):
            return None
        return _MPEG4_VOP[data[i + 4] >> 6]

    def _mpeg2(self, data: bytes) -> str | None:
        i = data.find(b"\x00\x00\x01\x00")
        if i < 0 or i + 5 >= len(data):
            return None
        return _MPEG2_PIC.get((data[i + 5] >> 3) & 7)


def _combine(types: set[str]) -> str | None:
    for kind in ("B", "P", "I"):
        if kind in types:
            return kind
    return None


_ENCODER_RE = re.compile(r"^(x264|x265|libvpx|VideoToolbox|Lavc)\S*[ -]+(?:core\s+)?(\S+)")


def encoder_from_sei(text: str) -> tuple[str, str | None]:
    """(encoder name, version) from an SEI string such as ``x264 - core 164 r3108 31e19f9 - H.264...``."""
    m = _ENCODER_RE.match(text)
    if m:
        return m.group(1), m.group(2)
    return text.split(" ", 1)[0][:40], None


def x264_options(text: str) -> dict[str, str]:
    """The ``options:`` part of an x264/x265 SEI string as a dict (``bframes=3`` -> {'bframes': '3'})."""
    _, sep, opts = text.partition("options:")
    if not sep:
        return {}
    out = {}
    for item in opts.split():
        key, eq, value = item.partition("=")
        if eq:
            out[key] = value
    return out
