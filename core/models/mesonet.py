"""Import MesoNet's published Keras weights (Afchar et al., WIFS 2018) as a model bundle.

The files are Keras 2.1.5 ``save_weights`` HDF5 files: one group per layer, numbered by Keras
in the order the layers were created. Weights are mapped onto :mod:`core.models.zoo_meso`'s
layers type by type in that creation order, with every shape checked, so a Meso4 file given
as MesoInception4 (or any other file) is refused with a message instead of loading garbage.

MesoNet's generator sorted the class folders alphabetically (df=0, real=1), so the network
outputs P(real); the card says ``output: p_real`` and the scorer turns it into P(fake).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from core import paths
from core.errors import BundleInvalid
from core.forensic.hashing import sha256_file
from core.models import registry
from core.models.bundle import BundleInfo, ModelCard, save_bundle

MESONET_ARCHS = ("meso4", "meso_inception4")
# MesoNet's aligned crops are tight: on the four published test faces, crop side / MTCNN box side
# is 1.05-1.28 (two boxes touch the image edge), so crops for these weights use margin 0.2, not
# the engine's default 0.3.
MESONET_FACE_MARGIN = 0.2
_KIND = {"conv2d": "conv", "batch_normalization": "bn", "dense": "dense"}
_ORDER = {
    "conv": ("kernel", "bias"),
    "bn": ("gamma", "beta", "moving_mean", "moving_variance"),
    "dense": ("kernel", "bias"),
}


def _decode(value) -> str:
    return value.decode("utf-8") if isinstance(value, bytes | np.bytes_) else str(value)


def read_legacy_weights(path: str | Path) -> dict[str, list[tuple[str, list[np.ndarray]]]]:
    """Per layer type ('conv', 'bn', 'dense'): [(layer name, weights in Keras order)] in creation order."""
    import h5py

    p = Path(path)
    if not p.is_file():
        raise BundleInvalid(f"No weights file at {p}.")
    try:
        fh = h5py.File(p, "r")
    except OSError as exc:
        raise BundleInvalid(f"{p.name} is not an HDF5 weights file ({exc}).") from exc
    with fh:
        root = fh["model_weights"] if "model_weights" in fh else fh  # a full-model save holds weights here
        if "layer_names" not in root.attrs:
            raise BundleInvalid(f"{p.name} is not a Keras weights file (no layer list).")
        found: dict[str, list[tuple[int, str, list[np.ndarray]]]] = {k: [] for k in _ORDER}
        for raw in root.attrs["layer_names"]:
            name = _decode(raw)
            group = root[name]
            weight_names = [_decode(w) for w in group.attrs.get("weight_names", [])]
            if not weight_names:
                continue
            m = re.fullmatch(r"([a-z0-9_]+?)(?:_(\d+))?", name)
            kind = _KIND.get(m.group(1)) if m else None
            if kind is None:
                raise BundleInvalid(f"{p.name}: layer '{name}' is not part of a MesoNet model.")
            by_role = {}
            for wn in weight_names:
                role = wn.split("/")[-1].split(":")[0]
                by_role[role] = np.asarray(group[wn])
            try:
                weights = [by_role[r] for r in _ORDER[kind]]
            except KeyError as exc:
                raise BundleInvalid(f"{p.name}: layer '{name}' lacks its {exc.args[0]} weights.") from None
            found[kind].append((int(m.group(2) or 0), name, weights))
    return {k: [(n, w) for _, n, w in sorted(v, key=lambda t: t[0])] for k, v in found.items()}


def _model_layers(model) -> dict[str, list]:
    out: dict[str, list] = {k: [] for k in _ORDER}
    for layer in model.layers:
        m = re.fullmatch(r"(conv|bn|dense)_(\d+)", layer.name)
        if m:
            out[m.group(1)].append((int(m.group(2)), layer))
    return {k: [layer for _, layer in sorted(v, key=lambda t: t[0])] for k, v in out.items()}


def load_mesonet_weights(model, path: str | Path) -> None:
    """Set a zoo_meso model's weights from a published MesoNet file; every shape is checked."""
    found = read_legacy_weights(path)
    mine = _model_layers(model)
    name = Path(path).name
    for kind, layers in mine.items():
        if len(found[kind]) != len(layers):
            raise BundleInvalid(
                f"{name} holds {len(found[kind])} {kind} layers but {model.name} has {len(layers)}: "
                f"the file is for another architecture (MesoNet files: Meso4_* -> meso4, MesoInception_* -> "
                f"meso_inception4)."
            )
        for layer, (src_name, weights) in zip(layers, found[kind], strict=True):
            want = [tuple(w.shape) for w in layer.get_weights()]
            got = [tuple(w.shape) for w in weights]
            if want != got:
                raise BundleInvalid(
                    f"{name}: layer '{src_name}' has weights of shapes {got}, but {model.name}'s layer "
                    f"'{layer.name}' needs {want}; the file is for another architecture."
                )
            layer.set_weights(weights)


def import_mesonet(path: str | Path, arch: str = "meso4", name: str | None = None,
                   out_dir: str | Path | None = None, overwrite: bool = False) -> BundleInfo:
    """Write a bundle (into the user's models folder unless ``out_dir``) holding the published weights."""
    if arch not in MESONET_ARCHS:
        registry.get(arch)  # an unknown name raises UnknownArchitecture with the list
        raise BundleInvalid(f"import-weights reads MesoNet weights; use --arch {' or '.join(MESONET_ARCHS)}.")
    src = Path(path)
    spec = registry.get(arch)
    model = spec.build_model()
    load_mesonet_weights(model, src)
    label = name or src.stem
    folder = Path(out_dir) if out_dir else paths.user_models_dir() / paths.slug(label, "imported")
    card = ModelCard.for_architecture(
        arch,
        label,
        output="p_real",
        threshold=0.5,
        face_margin=MESONET_FACE_MARGIN,
        description=f"{spec.description} Published weights {src.name} (Afchar et al., WIFS 2018); "
        "the network outputs P(real), turned into P(fake) by the engine.",
        training={
            "imported_from": src.name,
            "imported_sha256": sha256_file(src),
            "source": "MesoNet published Keras 2.1.5 weights (github.com/DariusAf/MesoNet, Apache-2.0)",
            "label_convention": "classes sorted alphabetically by the original generator: df=0, real=1",
            "trained_on": "Deepfake faces (DF)" if "DF" in src.stem.upper() else
            ("Face2Face faces (F2F)" if "F2F" in src.stem.upper() else "unknown"),
        },
        limits=[
            "Trained on the MesoNet dataset's aligned face crops (2018 deepfakes); weak on modern face swaps "
            "and on compression it has not seen.",
            "The weight file lists no layer after Dense 16; the LeakyReLU 0.1 of the MesoNet code is assumed.",
        ],
    )
    return save_bundle(model, card, folder, overwrite=overwrite)
