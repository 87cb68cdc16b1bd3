"""A bundle's weights stored at half size: kernels as float16, computed in float32.

Keras casts stored values to each variable's dtype when it loads them, so a ``model.keras`` whose
kernels are float16 loads into the same float32 network; only the rounding of the stored weights
changes. Biases and batch-norm statistics (rank-1 arrays, a sliver of the bytes, and the ones whose
range float16 may not hold) stay float32. Whether the rounding moves the model's scores is measured
by the caller (scripts/halve_bundle.py), not assumed.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.errors import BundleInvalid

WEIGHTS_MEMBER = "model.weights.h5"
F16_MAX = float(np.finfo(np.float16).max)


@dataclass(frozen=True)
class HalvedWeights:
    arrays: int  # float32 arrays in the file
    halved: int  # of which stored as float16 now
    bytes_before: int
    bytes_after: int


def _halve_h5(data: bytes) -> tuple[bytes, int, int]:
    import h5py

    counts = [0, 0]
    out = io.BytesIO()
    with h5py.File(io.BytesIO(data), "r") as src, h5py.File(out, "w") as dst:
        def copy(group, into) -> None:
            for key, value in group.attrs.items():
                into.attrs[key] = value
            for key, item in group.items():
                if not isinstance(item, h5py.Dataset):
                    copy(item, into.create_group(key))
                    continue
                arr = item[()]
                if isinstance(arr, np.ndarray) and arr.dtype == np.float32:
                    counts[0] += 1
                    if arr.ndim >= 2:
                        if arr.size and float(np.abs(arr).max()) >= F16_MAX:
                            raise BundleInvalid(f"{item.name} holds values float16 cannot: kept at full size.")
                        arr = arr.astype(np.float16)
                        counts[1] += 1
                ds = into.create_dataset(key, data=arr)
                for k, v in item.attrs.items():
                    ds.attrs[k] = v

        copy(src, dst)
    return out.getvalue(), counts[0], counts[1]


def halve_weights(src: str | Path, dst: str | Path) -> HalvedWeights:
    """Write ``dst``, a copy of the ``model.keras`` at ``src`` whose float32 kernels (arrays of rank 2
    or more) are stored as float16; every other member is copied byte for byte."""
    src, dst = Path(src), Path(dst)
    with zipfile.ZipFile(src) as zin:
        if WEIGHTS_MEMBER not in zin.namelist():
            raise BundleInvalid(f"{src} has no {WEIGHTS_MEMBER}: not a Keras 3 model file.")
        weights, arrays, halved = _halve_h5(zin.read(WEIGHTS_MEMBER))
        with zipfile.ZipFile(dst, "w") as zout:
            for info in zin.infolist():
                zout.writestr(info, weights if info.filename == WEIGHTS_MEMBER else zin.read(info.filename))
    return HalvedWeights(arrays, halved, src.stat().st_size, dst.stat().st_size)
