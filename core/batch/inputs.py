"""What a batch analyses: the videos under its inputs, each with the path its outputs mirror.

Folders are walked recursively and in a stable order (sorted by name). Hidden files and folders
(names starting with a dot) are skipped, and so is any link whose target lies outside the input
it was found in: a link cannot pull files from elsewhere into the batch, nor loop. A file named
directly is taken whatever its suffix; a file found in a folder only with a video suffix.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from core.errors import OutputBesideEvidence, VideoNotFound

VIDEO_SUFFIXES = frozenset({".mp4", ".mov", ".avi", ".mkv", ".m4v", ".webm", ".wmv", ".mpg", ".mpeg", ".ts",
                            ".3gp", ".flv", ".mts", ".m2ts"})


@dataclass(frozen=True)
class BatchInput:
    path: str  # absolute, links resolved
    rel: str  # POSIX path under the output folder: "<input name>/<path inside it>"


def find_videos(inputs: list[str | os.PathLike]) -> list[BatchInput]:
    """Every video under ``inputs`` (files or folders), once each, in a stable order.

    Each output path starts with the input's own name (``cam1/day2/clip.mp4``), so two inputs
    holding ``clip.mp4`` never share an output; two inputs of the same name get ``-2``, ``-3``.
    """
    found: dict[str, BatchInput] = {}
    tops: dict[str, int] = {}
    for raw in inputs:
        top = Path(raw)
        if not top.exists():
            raise VideoNotFound(f"{top} does not exist.")
        root = top.resolve()
        name = root.name or "input"
        n = tops[name] = tops.get(name, 0) + 1
        prefix = name if n == 1 else f"{name}-{n}"
        if root.is_file():
            found.setdefault(str(root), BatchInput(str(root), prefix))
            continue
        for path in _walk(root):
            rel = PurePosixPath(prefix, *path.relative_to(root).parts)
            found.setdefault(str(path), BatchInput(str(path), str(rel)))
    return list(found.values())


def _walk(root: Path):
    """Video files under ``root``, resolved. Linked folders are not entered (one inside ``root`` is
    walked where it lies anyway; one outside it is not part of the input); a linked file counts
    only when its target lies inside ``root``."""
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        here = Path(dirpath)
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and not (here / d).is_symlink())
        for f in sorted(filenames):
            if f.startswith(".") or Path(f).suffix.lower() not in VIDEO_SUFFIXES:
                continue
            target = (here / f).resolve()
            if target.is_file() and target.is_relative_to(root):
                yield target


def check_output_folder(out: str | os.PathLike, inputs: list[str | os.PathLike]) -> Path:
    """The output folder, resolved; refused when it lies inside an input folder (or is one), so a
    batch never writes among evidence and never finds its own outputs on a re-run."""
    out_p = Path(out).resolve()
    for raw in inputs:
        p = Path(raw).resolve()
        folder = p if p.is_dir() else p.parent
        if out_p.is_relative_to(folder):
            raise OutputBesideEvidence(
                f"The output folder {out_p} lies inside the input folder {folder}. Nothing is written "
                "among evidence: choose an output folder outside every input.")
    return out_p
