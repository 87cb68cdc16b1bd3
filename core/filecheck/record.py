"""What the audit log records of a file-structure read (``file_structure_read``), the same for the
window and ``main.py inspect``."""

from __future__ import annotations

from core.filecheck.model import FileStructure, StreamInfo


def video_stream(fs: FileStructure | None) -> StreamInfo | None:
    """The video stream a player shows: the default one, else the first."""
    videos = fs.stream("video") if fs is not None else ()
    return next((s for s in videos if "default" in s.disposition), videos[0] if videos else None)


def structure_event(fs: FileStructure, sha256: str | None) -> dict:
    """The ``file_structure_read`` entry's data for ``fs`` of the file with this SHA-256 (None: not hashed)."""
    notable = [f for f in fs.findings if f.level == "notable"]
    v = video_stream(fs)
    return {
        "path": fs.path,
        "sha256": sha256,
        "size_bytes": fs.size_bytes,
        "format": fs.container.format_name,
        "streams": [f"{s.kind} {s.codec}" for s in fs.streams],
        "frames": v.timing.packets if v is not None else None,
        "keyframes": v.video.gop.keyframe_count if v is not None and v.video is not None else None,
        "findings": len(fs.findings),
        "notable": len(notable),
        "notable_codes": [f.code for f in notable],
        "credentials": fs.credentials.status if fs.credentials is not None else "not_checked",
        "reader": dict(fs.reader),
        "read_s": fs.read_s,
    }
