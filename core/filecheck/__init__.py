"""The file as evidence: container and stream structure, and content credentials (issue 22).

:func:`inspect_file` reads a video file's structure with PyAV (demuxing only; see
core/filecheck/streams.py for what is read and how picture types are obtained without decoding), the
ISO BMFF boxes of MP4/MOV files (core/filecheck/bmff.py), and its C2PA manifest, validated offline
(core/filecheck/credentials.py), and turns them into plain-word findings (core/filecheck/findings.py).
The result is a frozen :class:`FileStructure` with ``to_json()``.

The evidence file is only opened for reading. OpenCV remains the decoder the analysis uses.
"""

from __future__ import annotations

import struct
import time
from pathlib import Path

from core.filecheck.bmff import NotBmff, read_atoms
from core.filecheck.credentials import TrustListInvalid, load_trust_list, read_credentials
from core.filecheck.findings import container_findings, credential_findings, stream_findings
from core.filecheck.model import (
    SCHEMA,
    AudioDetails,
    Box,
    ContainerInfo,
    ContentCredentials,
    CredentialAction,
    CredentialIngredient,
    EditEntry,
    FileStructure,
    Finding,
    Gap,
    GopInfo,
    MovieAtoms,
    StreamInfo,
    Timing,
    TrackAtoms,
    TrustList,
    ValidationEntry,
    VideoDetails,
)

__all__ = [
    "SCHEMA", "AudioDetails", "Box", "ContainerInfo", "ContentCredentials", "CredentialAction",
    "CredentialIngredient", "EditEntry", "FileStructure", "Finding", "Gap", "GopInfo", "MovieAtoms", "StreamInfo",
    "Timing", "TrackAtoms", "TrustList", "TrustListInvalid", "ValidationEntry", "VideoDetails", "inspect_file",
    "load_trust_list", "read_credentials",
]


def _reader_versions() -> tuple[tuple[str, str], ...]:
    import av

    ffmpeg = ", ".join(f"{k} {'.'.join(map(str, v))}" for k, v in av.library_versions.items()
                       if k in ("libavformat", "libavcodec"))
    return (("PyAV", av.__version__), ("FFmpeg", ffmpeg))


def inspect_file(path: str | Path, *, credentials: bool = True, trust_list: str | Path | None = None) -> FileStructure:
    """Read the structure of the video at ``path``: container, streams, boxes, credentials, findings.

    Raises VideoNotFound / NotAFile / EmptyFile for a path that is not a readable file, UnreadableVideo
    when FFmpeg cannot read it as a media container, TrustListInvalid when the trust list is unusable.
    ``credentials=False`` leaves the C2PA check out (``FileStructure.credentials`` is then None).
    """
    from core.video import check_file

    start = time.perf_counter()
    p = check_file(path)
    size = p.stat().st_size
    damaged_boxes = ""
    try:
        with open(p, "rb") as f:
            atoms = read_atoms(f, size)
    except NotBmff:
        atoms = None  # Matroska, AVI, MPEG-TS...: FFmpeg's view is all there is
    except (struct.error, IndexError, ValueError, UnicodeDecodeError) as exc:  # a box shorter than its type needs
        atoms, damaged_boxes = None, f"{type(exc).__name__}: {exc}"
    from core.filecheck.streams import read_streams  # PyAV loads FFmpeg (60 ms): only when a file is read

    read = read_streams(p, atoms)
    findings = container_findings(read.container, atoms, read.streams)
    if damaged_boxes:
        findings.append(Finding(
            "boxes.damaged", "notable", "The MP4/MOV boxes could not be read",
            f"A box in the file's index is shorter or stranger than its type requires ({damaged_boxes}).",
            means="The file's index (the moov box and what it holds) is damaged or was written by non-conforming "
                  "software; box-level details (edit lists, track times, the display matrix) are not shown.",
            does_not_mean="It does not show that the picture was changed; FFmpeg may still read the streams.",
        ))
    for s in read.streams:
        findings.extend(stream_findings(s))
    if read.stopped:
        findings.append(Finding(
            "demux.stopped", "notable", "Reading stopped before the end of the file",
            f"FFmpeg stopped reading packets: {read.stopped}.",
            means="Part of the file could not be read as media: it is damaged, cut short, or holds data that is "
                  "not what its structure announces. Counts and timings cover only what was read.",
            does_not_mean="It does not say what the unreadable part holds.",
        ))
    creds = read_credentials(p, trust_list) if credentials else None
    if creds is not None:
        findings.extend(credential_findings(creds))
    return FileStructure(
        path=str(p), size_bytes=size, container=read.container, streams=read.streams, atoms=atoms,
        credentials=creds, findings=tuple(findings), reader=_reader_versions(),
        read_s=round(time.perf_counter() - start, 4),
    )
