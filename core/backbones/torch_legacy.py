"""Read a legacy (non-zip) PyTorch ``.pth`` state dict without PyTorch, and without trusting it.

A legacy file is five pickles in a row: a magic number, the protocol version, system info, the
object (tensors refer to storages by persistent id), then the list of storage keys, followed by
each storage's raw bytes (an int64 element count, then the elements, little endian).

Unpickling runs code named by the file, so the unpickler here resolves only the handful of names a
state dict needs (``OrderedDict``, the tensor rebuild function and the typed storage classes) to
local stand-ins; any other name is refused with :class:`~core.errors.BackboneWeightsMismatch`.
The result is a ``{name: numpy.ndarray}`` dict.
"""

from __future__ import annotations

import collections
import io
import pickle
from dataclasses import dataclass

import numpy as np

from core.errors import BackboneWeightsMismatch

MAGIC = 0x1950A86A20F9469CFC6C
PROTOCOL = 1001

_STORAGE_DTYPES = {
    "FloatStorage": np.float32,
    "DoubleStorage": np.float64,
    "HalfStorage": np.float16,
    "LongStorage": np.int64,
    "IntStorage": np.int32,
    "ShortStorage": np.int16,
    "CharStorage": np.int8,
    "ByteStorage": np.uint8,
    "BoolStorage": np.bool_,
}


@dataclass(frozen=True)
class _StorageType:
    dtype: type


@dataclass(frozen=True)
class _TensorRef:
    key: str
    offset: int
    size: tuple[int, ...]
    stride: tuple[int, ...]


def _rebuild_tensor(storage, storage_offset, size, stride, *_ignored):
    return _TensorRef(storage, int(storage_offset), tuple(size), tuple(stride))


def _rebuild_parameter(data, *_ignored):
    return data


class _StateDictUnpickler(pickle.Unpickler):
    def __init__(self, fh, storages: dict):
        super().__init__(fh)
        self._storages = storages

    def find_class(self, module, name):
        if (module, name) == ("collections", "OrderedDict"):
            return collections.OrderedDict
        if (module, name) == ("torch._utils", "_rebuild_tensor_v2"):
            return _rebuild_tensor
        if (module, name) == ("torch._utils", "_rebuild_parameter"):
            return _rebuild_parameter
        if module == "torch" and name in _STORAGE_DTYPES:
            return _StorageType(_STORAGE_DTYPES[name])
        raise BackboneWeightsMismatch(f"the weights file asks for {module}.{name}, which a state dict never needs")

    def persistent_load(self, pid):
        # ('storage', type, key, location, numel, view metadata); views of storages never occur in state dicts
        if not (isinstance(pid, tuple) and len(pid) == 6 and pid[0] == "storage" and pid[5] is None):
            raise BackboneWeightsMismatch("the weights file holds an object other than tensor storages")
        _, storage_type, key, _location, numel, _view = pid
        if not isinstance(storage_type, _StorageType):
            raise BackboneWeightsMismatch("the weights file names an unknown storage type")
        self._storages.setdefault(str(key), (storage_type.dtype, int(numel)))
        return str(key)


def read_state_dict(data: bytes) -> dict[str, np.ndarray]:
    """The tensors of a legacy ``.pth`` file's bytes, as numpy arrays (copies, C-contiguous)."""
    fh = io.BytesIO(data)
    try:
        if _safe_load(fh) != MAGIC:
            raise BackboneWeightsMismatch("not a legacy PyTorch weights file (wrong magic number)")
        if _safe_load(fh) != PROTOCOL:
            raise BackboneWeightsMismatch("unsupported legacy PyTorch protocol version")
        _safe_load(fh)  # system info: endianness and type sizes (little endian assumed below)
        storages: dict[str, tuple[type, int]] = {}
        obj = _StateDictUnpickler(fh, storages).load()
        keys = _safe_load(fh)
        raw: dict[str, np.ndarray] = {}
        for key in keys:
            dtype, _numel = storages[str(key)]
            count = int(np.frombuffer(fh.read(8), "<i8")[0])
            itemsize = np.dtype(dtype).itemsize
            buf = fh.read(count * itemsize)
            if len(buf) != count * itemsize:
                raise BackboneWeightsMismatch("the weights file ends inside a tensor")
            raw[str(key)] = np.frombuffer(buf, np.dtype(dtype).newbyteorder("<"))
    except (pickle.UnpicklingError, EOFError, KeyError, IndexError, ValueError, TypeError) as exc:
        raise BackboneWeightsMismatch(f"the weights file cannot be read as a state dict ({exc})") from exc
    if not isinstance(obj, dict):
        raise BackboneWeightsMismatch("the weights file does not hold a state dict")
    out = {}
    for name, ref in obj.items():
        if not isinstance(ref, _TensorRef):
            continue  # e.g. a stored hyper-parameter
        flat = raw[ref.key]
        itemsize = flat.itemsize
        view = np.lib.stride_tricks.as_strided(
            flat[ref.offset:], shape=ref.size, strides=tuple(s * itemsize for s in ref.stride))
        out[name] = np.ascontiguousarray(view).astype(view.dtype.newbyteorder("="))
    return out


def _safe_load(fh):
    """A pickle of plain values only (numbers, strings, lists, dicts)."""
    return _PlainUnpickler(fh).load()


class _PlainUnpickler(pickle.Unpickler):
    def find_class(self, module, name):
        raise BackboneWeightsMismatch(f"the weights file's header asks for {module}.{name}")
