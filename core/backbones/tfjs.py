"""Read the weights of a TensorFlow.js layers model (``model.json`` + binary shards) into numpy.

The manifest lists, per weight group, the shard files in order and each weight's name, shape and
dtype; the weights lie back to back in the concatenated shards. Only float32 and int32 weights
without quantisation are accepted (what a plain converted Keras model holds).
"""

from __future__ import annotations

import json
from collections.abc import Callable

import numpy as np

from core.errors import BackboneWeightsMismatch

_DTYPES = {"float32": np.float32, "int32": np.int32}


def read_weights(model_json: bytes, read_shard: Callable[[str], bytes]) -> dict[str, np.ndarray]:
    """``{weight name: array}``; ``read_shard(path)`` returns a shard's bytes by its manifest path."""
    try:
        manifest = json.loads(model_json)["weightsManifest"]
    except (ValueError, KeyError, TypeError) as exc:
        raise BackboneWeightsMismatch(f"not a TensorFlow.js layers model ({exc})") from exc
    out: dict[str, np.ndarray] = {}
    for group in manifest:
        blob = b"".join(read_shard(p) for p in group["paths"])
        pos = 0
        for w in group["weights"]:
            if w.get("quantization"):
                raise BackboneWeightsMismatch(f"{w['name']} is quantised; only float weights are supported")
            dtype = _DTYPES.get(w.get("dtype", "float32"))
            if dtype is None:
                raise BackboneWeightsMismatch(f"{w['name']} has dtype {w.get('dtype')}, not float32 or int32")
            shape = tuple(int(d) for d in w["shape"])
            n = int(np.prod(shape, dtype=np.int64)) * np.dtype(dtype).itemsize
            if pos + n > len(blob):
                raise BackboneWeightsMismatch(f"the shards end inside {w['name']}")
            out[w["name"]] = np.frombuffer(blob, np.dtype(dtype).newbyteorder("<"), count=n // np.dtype(dtype).itemsize,
                                           offset=pos).reshape(shape).astype(dtype)
            pos += n
        if pos != len(blob):
            raise BackboneWeightsMismatch(f"{len(blob) - pos} bytes of the shards belong to no weight")
    return out
