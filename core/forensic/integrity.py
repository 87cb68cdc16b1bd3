"""Evidence integrity: the file's hashes before and after the work, and per-frame hashes.

The evidence file is only ever opened for reading (``open(path, "rb")`` here and in
core/forensic/hashing.py, OpenCV's decoder in core/video.py). Nothing is written beside it:
:func:`refuse_beside_evidence` guards every export.

Per-frame hashes (:func:`frame_hashes`, :func:`framemd5_text`) follow FFmpeg's ``framemd5``
text format so existing tools can parse them, with one documented difference: the hash is
the MD5 of the frame *as this app decodes it*, raw RGB24 pixels (R, G, B bytes, row by row,
no padding), after the container's rotation is applied. FFmpeg's own framemd5 hashes the
decoder's native pixel format (often yuv420p), so its hashes only compare with ours when it
is told ``-pix_fmt rgb24`` and converts the same way; they are meant for comparing this app's
runs with each other (same frames decoded to the same pixels), not with other tools.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from fractions import Fraction
from pathlib import Path

from core.errors import Cancelled, FrameHashesInvalid, OutputBesideEvidence
from core.forensic.hashing import file_digests

ALGORITHMS = ("sha256", "md5", "sha1")  # sha256 always; md5 and sha1 on request (lab conventions)
LABELS = {"sha256": "SHA-256", "md5": "MD5", "sha1": "SHA-1"}

ProgressFn = Callable[[int, int], None]  # (bytes or frames done, total)
CancelFn = Callable[[], bool]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class EvidenceHashes:
    """What identifies one evidence file at one moment."""

    path: str
    size_bytes: int
    mtime_ns: int  # modification time as the file system reports it
    sha256: str
    md5: str | None = None
    sha1: str | None = None
    computed_at: str = ""  # UTC ISO time the hashing finished

    def digests(self) -> dict[str, str]:
        """The digests taken, by algorithm name, SHA-256 first."""
        return {a: getattr(self, a) for a in ALGORITHMS if getattr(self, a)}

    @property
    def mtime_iso(self) -> str:
        return datetime.fromtimestamp(self.mtime_ns / 1e9, UTC).isoformat(timespec="milliseconds")

    def to_json(self) -> dict:
        return {
            "path": self.path,
            "size_bytes": self.size_bytes,
            "mtime_ns": self.mtime_ns,
            "mtime": self.mtime_iso,
            **self.digests(),
            "computed_at": self.computed_at,
        }

    @classmethod
    def from_json(cls, d: dict) -> EvidenceHashes:
        return cls(d["path"], int(d["size_bytes"]), int(d["mtime_ns"]), d["sha256"], d.get("md5"),
                   d.get("sha1"), d.get("computed_at", ""))


def hash_evidence(
    path: str | os.PathLike,
    algorithms: Iterable[str] = ("sha256",),
    progress: ProgressFn | None = None,
    should_cancel: CancelFn | None = None,
) -> EvidenceHashes:
    """Hash the file in one read-only pass; SHA-256 is always among the digests.

    ``progress(bytes_done, bytes_total)`` is called per 4 MiB chunk; ``should_cancel`` is
    checked there too and raises :class:`Cancelled`.
    """
    algos = ["sha256"] + [a for a in algorithms if a != "sha256"]
    unknown = [a for a in algos if a not in ALGORITHMS]
    if unknown:
        raise ValueError(f"unsupported hash {unknown[0]!r}; use {', '.join(ALGORITHMS)}")
    p = Path(path)
    st_before = p.stat()

    def step(done: int, total: int) -> None:
        if progress:
            progress(done, total)
        if should_cancel and should_cancel():
            raise Cancelled(f"Hashing {p.name} was cancelled.")

    digests = file_digests(p, algos, step)
    return EvidenceHashes(
        path=str(p.resolve()),
        size_bytes=st_before.st_size,
        mtime_ns=st_before.st_mtime_ns,
        sha256=digests["sha256"],
        md5=digests.get("md5"),
        sha1=digests.get("sha1"),
        computed_at=_now(),
    )


@dataclass(frozen=True)
class IntegrityCheck:
    """The evidence hashed again after the work, compared with before."""

    before: EvidenceHashes
    after: EvidenceHashes | None  # None: the file is gone
    changes: tuple[str, ...]  # plain-language differences; empty when nothing changed

    @property
    def content_unchanged(self) -> bool:
        """Every digest taken before is the same after (the bytes are the same)."""
        return self.after is not None and self.after.digests() == self.before.digests()

    @property
    def unchanged(self) -> bool:
        """Content, size and modification time all as before."""
        return not self.changes

    def to_json(self) -> dict:
        return {
            "before": self.before.to_json(),
            "after": None if self.after is None else self.after.to_json(),
            "unchanged": self.unchanged,
            "content_unchanged": self.content_unchanged,
            "changes": list(self.changes),
        }

    @classmethod
    def from_json(cls, d: dict) -> IntegrityCheck:
        after = d.get("after")
        return cls(EvidenceHashes.from_json(d["before"]), None if after is None else EvidenceHashes.from_json(after),
                   tuple(d.get("changes", [])))


def compare(before: EvidenceHashes, after: EvidenceHashes | None) -> IntegrityCheck:
    if after is None:
        return IntegrityCheck(before, None, (f"The evidence file {before.path} no longer exists.",))
    changes = []
    for algo, old in before.digests().items():
        new = after.digests().get(algo)
        if new != old:
            changes.append(f"{LABELS[algo]} was {old}, is now {new}.")
    if after.size_bytes != before.size_bytes:
        changes.append(f"Size was {before.size_bytes} bytes, is now {after.size_bytes} bytes.")
    if after.mtime_ns != before.mtime_ns:
        changes.append(f"Modification time was {before.mtime_iso}, is now {after.mtime_iso}.")
    return IntegrityCheck(before, after, tuple(changes))


def check_unchanged(before: EvidenceHashes, progress: ProgressFn | None = None,
                    should_cancel: CancelFn | None = None) -> IntegrityCheck:
    """Hash the file again with the same algorithms and compare."""
    p = Path(before.path)
    if not p.is_file():
        return compare(before, None)
    algos = list(before.digests())
    return compare(before, hash_evidence(p, algos, progress, should_cancel))


def refuse_beside_evidence(out: str | os.PathLike, evidence: Iterable[str | os.PathLike]) -> None:
    """Raise :class:`OutputBesideEvidence` when ``out`` would land in an evidence file's folder or
    any folder below it (or be an evidence file itself). Links are resolved first, so a link or a
    ``..`` cannot lead back in."""
    out_p = Path(out).resolve()
    for ev in evidence:
        ev_p = Path(ev).resolve()
        if out_p == ev_p or out_p.parent.is_relative_to(ev_p.parent):
            raise OutputBesideEvidence(
                f"{out_p.name} would be written in {ev_p.parent}, the folder of the evidence file "
                f"{ev_p.name}. Nothing is written beside evidence: choose another folder."
            )


# --- per-frame hashes ------------------------------------------------------------------------

FRAMEMD5_FORMAT = "deepfake-inspector/framemd5@1"


@dataclass(frozen=True)
class FrameHash:
    index: int  # frame number in decode order, from 0
    size: int  # bytes hashed: width * height * 3
    md5: str | None  # None: the frame was announced but could not be decoded


def frame_md5(rgb) -> str:
    """MD5 of an RGB uint8 frame's raw bytes, row by row, without padding."""
    import numpy as np

    if rgb.dtype != np.uint8 or rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError("expected an (H, W, 3) uint8 RGB frame")
    return hashlib.md5(np.ascontiguousarray(rgb).data, usedforsecurity=False).hexdigest()


def frame_hashes(
    path: str | os.PathLike,
    start: int = 0,
    stop: int | None = None,
    every: int = 1,
    progress: ProgressFn | None = None,
    should_cancel: CancelFn | None = None,
) -> Iterator[FrameHash]:
    """Hash every ``every``-th decoded frame in ``[start, stop)``, streaming.

    ``progress(frames_done, frames_expected)``; ``should_cancel`` raises :class:`Cancelled`.
    """
    from core.video import iter_frames, probe

    info = probe(path)
    end = info.frames if stop is None else min(stop, info.frames)
    expected = max(0, (end - start + every - 1) // every)
    done = 0
    for index, _, rgb in iter_frames(path, every=every, start=start, stop=stop):
        if should_cancel and should_cancel():
            raise Cancelled("Frame hashing was cancelled.")
        yield FrameHash(index, 0 if rgb is None else rgb.size, None if rgb is None else frame_md5(rgb))
        done += 1
        if progress:
            progress(done, max(expected, done))


def _time_base(fps: float) -> Fraction:
    """1/fps as a fraction, e.g. 1001/30000 for 29.97 fps."""
    return (1 / Fraction(fps).limit_denominator(100000)).limit_denominator(1000000)


def framemd5_text(hashes: Iterable[FrameHash], *, source: str, source_sha256: str, fps: float,
                  width: int, height: int, software: str) -> str:
    """Per-frame hashes as FFmpeg framemd5 text (version 2 layout), with our headers.

    ``pts`` and ``dts`` are frame numbers in a time base of 1/fps (not the container's own
    timestamps); ``duration`` is 1 frame; ``size`` is the number of bytes hashed. A frame the
    decoder could not deliver is a ``#decode_error`` comment line, not a hash line.
    """
    tb = _time_base(fps)
    lines = [
        "#format: frame checksums",
        "#version: 2",
        "#hash: MD5",
        f"#software: {software}",
        f"#dfi_format: {FRAMEMD5_FORMAT}",
        f"#dfi_source: {source}",
        f"#dfi_source_sha256: {source_sha256}",
        "#dfi_pixels: rgb24, as decoded by this app (OpenCV/FFmpeg), after rotation; "
        "pts = frame number in time base 1/fps",
        f"#tb 0: {tb.numerator}/{tb.denominator}",
        "#media_type 0: video",
        "#codec_id 0: rawvideo",
        f"#dimensions 0: {width}x{height}",
        "#sar 0: 1/1",
        "#stream#, dts,        pts, duration,     size, hash",
    ]
    for h in hashes:
        if h.md5 is None:
            lines.append(f"#decode_error 0: frame {h.index}")
        else:
            lines.append(f"0, {h.index:10d}, {h.index:10d}, {1:8d}, {h.size:8d}, {h.md5}")
    return "\n".join(lines) + "\n"


_LINE = re.compile(r"^\s*0,\s*(-?\d+),\s*(-?\d+),\s*(\d+),\s*(\d+),\s*([0-9a-f]{32})\s*$")
_ERR = re.compile(r"^#decode_error 0: frame (\d+)\s*$")


def parse_framemd5(text: str) -> tuple[FrameHash, ...]:
    """The frame lines of a framemd5 text (ours or FFmpeg's; FFmpeg's pts are taken as indices)."""
    out = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        m = _ERR.match(line)
        if m:
            out.append(FrameHash(int(m.group(1)), 0, None))
            continue
        if line.startswith("#"):
            continue
        m = _LINE.match(line)
        if not m:
            raise FrameHashesInvalid(f"Line {n} of the frame hash file is not a framemd5 line: {line[:80]!r}")
        out.append(FrameHash(int(m.group(2)), int(m.group(4)), m.group(5)))
    return tuple(out)


def compare_frame_hashes(a: Iterable[FrameHash], b: Iterable[FrameHash]) -> list[int]:
    """Frame numbers whose hashes differ, or that only one side has; empty when all match."""
    da, db = {h.index: h.md5 for h in a}, {h.index: h.md5 for h in b}
    return sorted(i for i in da.keys() | db.keys() if da.get(i, "missing") != db.get(i, "missing"))
