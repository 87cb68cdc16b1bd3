"""Streamed file hashes: the evidence's identity in reports, caches and the audit log."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable

CHUNK = 4 * 1024 * 1024


def file_digests(
    path: str | os.PathLike,
    algorithms: Iterable[str] = ("sha256",),
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, str]:
    """Hex digests of a file read once, in chunks, opened read-only."""
    hashers = {name: hashlib.new(name) for name in algorithms}
    total = os.path.getsize(path)
    done = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            for h in hashers.values():
                h.update(chunk)
            done += len(chunk)
            if progress:
                progress(done, total)
    return {name: h.hexdigest() for name, h in hashers.items()}


def sha256_file(path: str | os.PathLike) -> str:
    return file_digests(path, ("sha256",))["sha256"]


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
