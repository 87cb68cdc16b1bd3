"""Start-up cleanup: what writers of this app that died (killed, crashed, power cut) left behind.

Only our own debris in our own folders: hidden temp files and staging folders whose names carry
this host and the id of a process that is gone (:mod:`core.forensic.atomic`). Nothing else is touched,
whatever its name or age: not the user's files, not another running instance's, not evidence.
"""

from __future__ import annotations

import logging
from pathlib import Path

from core import paths
from core.forensic import atomic

log = logging.getLogger(__name__)


def our_folders() -> list[Path]:
    """The folders this app writes into by itself (outputs the analyst places are swept on each write)."""
    cache = paths.cache_dir()
    out = [paths.user_data_dir(), paths.user_models_dir(), paths.config_dir(), cache]
    out += [cache / name for name in ("analyses", "training", "features", "tables", "crops")]
    crops = cache / "crops"
    if crops.is_dir():
        out += sorted(p for p in crops.iterdir() if p.is_dir() and not p.is_symlink())
    return out


def startup_sweep() -> list[Path]:
    """Remove dead writers' temp files and staging folders from our folders; returns what went."""
    gone: list[Path] = []
    for folder in our_folders():
        if folder.is_dir():
            gone += atomic.sweep(folder)
    if gone:
        log.info("removed %d leftovers of interrupted writes: %s", len(gone), ", ".join(p.name for p in gone[:10]))
    return gone
