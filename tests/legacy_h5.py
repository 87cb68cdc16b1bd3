"""Write weights in the Keras 2 ``save_weights`` HDF5 layout (what keras.applications and MesoNet publish).

Root attributes ``layer_names``, ``backend``, ``keras_version``; one group per layer with a
``weight_names`` attribute (``layer/kernel:0`` ...) and one dataset per weight.
"""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np


def write_keras2_weights(path: Path, layers: list[tuple[str, list[tuple[str, np.ndarray]]]]) -> Path:
    """``layers``: [(layer name, [(weight role e.g. 'kernel', array)])] in file order; empty lists allowed."""
    with h5py.File(path, "w") as f:
        f.attrs["layer_names"] = np.array([n.encode() for n, _ in layers])
        f.attrs["backend"] = b"tensorflow"
        f.attrs["keras_version"] = b"2.1.5"
        for name, weights in layers:
            g = f.create_group(name)
            names = [f"{name}/{role}:0" for role, _ in weights]
            g.attrs["weight_names"] = np.array([n.encode() for n in names])
            for n, (_, arr) in zip(names, weights, strict=True):
                g.create_dataset(n, data=np.asarray(arr))
    return path


def model_layers(model, rename=None) -> list[tuple[str, list[tuple[str, np.ndarray]]]]:
    """A Keras 3 model's layers (model.layers order) as Keras 2 file entries."""
    out = []
    for layer in model.layers:
        name = rename(layer) if rename else layer.name
        out.append((name, [(w.name, np.asarray(w)) for w in layer.weights]))
    return out
