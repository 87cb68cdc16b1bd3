"""The converted weights file: an ``.npz`` (a zip of ``.npy`` arrays) written byte for byte the same
from the same arrays, so its SHA-256 can be pinned in code and checked before every use.

``numpy.savez`` stamps each member with the current time; here members are sorted, stored
uncompressed and dated 1980-01-01. Reading uses ``numpy.load(allow_pickle=False)``: no code runs.
"""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import numpy as np

from core.errors import BackboneWeightsMismatch

_EPOCH = (1980, 1, 1, 0, 0, 0)


def write(path: str | os.PathLike, arrays: dict[str, np.ndarray]) -> None:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as zf:
        for name in sorted(arrays):
            buf = io.BytesIO()
            np.lib.format.write_array(buf, np.ascontiguousarray(arrays[name]), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=_EPOCH)
            info.external_attr = 0o644 << 16
            zf.writestr(info, buf.getvalue())


def read(path) -> dict[str, np.ndarray]:
    """The arrays of a converted weights file (a path or a binary file object)."""
    try:
        with np.load(path if hasattr(path, "read") else Path(path), allow_pickle=False) as z:
            return {k: z[k] for k in z.files}
    except (OSError, ValueError, zipfile.BadZipFile) as exc:
        name = Path(path).name if not hasattr(path, "read") else "the weights"
        raise BackboneWeightsMismatch(f"{name} cannot be read as converted weights ({exc})") from exc
