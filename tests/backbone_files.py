"""Stand-ins for the stored backbone files: a random network's weights, written in the stored format
and pinned (for the test's duration) as the file the app accepts."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

from core.backbones import sha256_file, sources, weights_file


def named_arrays(model) -> dict[str, np.ndarray]:
    return {f"{layer.name}/{v.name}": np.asarray(v) for layer in model.layers for v in layer.weights}


def store(model, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    weights_file.write(path, named_arrays(model))
    return path


def pin(monkeypatch, name: str, path: Path) -> Path:
    """Make ``path`` the pinned file of backbone ``name`` (its digest and file name)."""
    src = replace(sources.SOURCES[name], file_name=path.name, file_sha256=sha256_file(path))
    monkeypatch.setitem(sources.SOURCES, name, src)
    return path
