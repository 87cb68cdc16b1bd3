"""ImageNet backbone weights, offline.

Transfer learning from ResNet50 needs the standard Keras ImageNet weights file. The product
never downloads at run time: it looks for the file in the app's ``models/backbones/`` folder
(:func:`core.paths.backbone_dir`) or at a path the user gives, and checks it before use.

Keras publishes an MD5 digest for this file (``WEIGHTS_HASHES`` in
``keras/src/applications/resnet.py``), not a SHA-256, so the MD5 is what can be checked against
a published value. The SHA-256 of the file actually used is computed too and recorded in the
model card, so a trained model names its backbone unambiguously.

:func:`fetch` downloads and verifies the file; only the explicit ``fetch-backbone`` command of a
networked build machine calls it.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from core import paths
from core.errors import BackboneWeightsMismatch, BackboneWeightsMissing, OutputNotWritable


@dataclass(frozen=True)
class BackboneSpec:
    name: str
    file_name: str
    url: str
    md5: str  # published by Keras
    approx_mb: int


RESNET50 = BackboneSpec(
    name="resnet50",
    file_name="resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5",
    url="https://storage.googleapis.com/tensorflow/keras-applications/resnet/"
    "resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5",
    md5="4d473c1dd8becc155b73f8504c6f6626",
    approx_mb=95,
)


@dataclass(frozen=True)
class BackboneWeights:
    """A weights file that passed verification."""

    name: str
    path: str
    md5: str
    sha256: str
    size_bytes: int
    verified_by: str  # what the digest was checked against

    def to_card(self) -> dict:
        d = asdict(self)
        d["file"] = Path(self.path).name
        del d["path"]  # the card must not leak the training machine's folders
        return d


def _digests(path: Path) -> tuple[str, str]:
    md5, sha = hashlib.md5(usedforsecurity=False), hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(4 * 1024 * 1024):
            md5.update(chunk)
            sha.update(chunk)
    return md5.hexdigest(), sha.hexdigest()


def missing_message(spec: BackboneSpec, looked: list[Path]) -> str:
    where = ", ".join(str(p) for p in looked)
    return (
        f"The ImageNet weights file {spec.file_name} (about {spec.approx_mb} MB) was not found (looked in: {where}). "
        f"Place it in {paths.backbone_dir()}, or give its path (--backbone-weights FILE). "
        "A networked build machine fetches and verifies it with: python main.py fetch-backbone. "
        "To train without ImageNet weights (much weaker on small data), ask for it with --from-scratch."
    )


def verify(path: str | os.PathLike, spec: BackboneSpec = RESNET50, expected_md5: str | None = None) -> BackboneWeights:
    """The file's digests, checked against Keras' published MD5 (or ``expected_md5``)."""
    p = Path(path)
    if not p.is_file():
        raise BackboneWeightsMissing(missing_message(spec, [p]))
    try:
        md5, sha = _digests(p)
    except OSError as exc:
        raise BackboneWeightsMissing(f"The ImageNet weights file {p} cannot be read: {exc.strerror}.") from exc
    want = (expected_md5 or spec.md5).lower()
    if md5 != want:
        raise BackboneWeightsMismatch(
            f"{p} is not the expected {spec.file_name}: its MD5 is {md5}, but "
            f"{'the expected value' if expected_md5 else 'Keras publishes'} {want}. The file is damaged or a "
            f"different file. Replace it with the original (python main.py fetch-backbone on a networked machine)."
        )
    by = "the expected MD5 given by the caller" if expected_md5 else "the MD5 Keras publishes for this file"
    return BackboneWeights(spec.name, str(p.resolve()), md5, sha, p.stat().st_size, by)


def candidate_paths(spec: BackboneSpec = RESNET50, user_path: str | os.PathLike | None = None) -> list[Path]:
    """Where the file is looked for, in order: the user's path (a file or a folder), the app's folder."""
    out = []
    if user_path:
        up = Path(user_path).expanduser()
        out.append(up / spec.file_name if up.is_dir() else up)
    out.append(paths.backbone_dir() / spec.file_name)
    return out


def locate(spec: BackboneSpec = RESNET50, user_path: str | os.PathLike | None = None,
           expected_md5: str | None = None) -> BackboneWeights:
    """The verified weights file; a user-given path that does not exist is an error, not skipped."""
    looked = candidate_paths(spec, user_path)
    if user_path:
        return verify(looked[0], spec, expected_md5)
    for p in looked:
        if p.is_file():
            return verify(p, spec, expected_md5)
    raise BackboneWeightsMissing(missing_message(spec, looked))


def load_into(model, weights: BackboneWeights) -> None:
    """Load verified weights into a freshly built ``keras.applications`` backbone (by layer order)."""
    try:
        model.load_weights(weights.path)
    except (ValueError, OSError, KeyError) as exc:
        raise BackboneWeightsMismatch(
            f"{Path(weights.path).name} does not fit the {weights.name} backbone: {str(exc).splitlines()[0]}"
        ) from exc


def fetch(spec: BackboneSpec = RESNET50, dest: str | os.PathLike | None = None, url: str | None = None,
          expected_md5: str | None = None, progress: Callable[[int, int], None] | None = None,
          timeout: float = 60.0) -> BackboneWeights:
    """Download the weights file into ``dest`` (default: the app's backbone folder) and verify it.

    For build machines with internet access; the product itself never calls this. The file
    appears under its final name only once its digest is verified.
    """
    folder = Path(dest) if dest else paths.backbone_dir()
    target = folder / spec.file_name
    if target.is_file():
        try:
            return verify(target, spec, expected_md5)
        except BackboneWeightsMismatch:
            pass  # replaced below
    url = url or spec.url
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{spec.file_name}.", suffix=".part", dir=folder)
    except OSError as exc:
        raise OutputNotWritable(f"Cannot write the backbone weights into {folder}: {exc.strerror}.") from exc
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310
            total = int(response.headers.get("Content-Length") or 0)
            done = 0
            while chunk := response.read(1024 * 1024):
                out.write(chunk)
                done += len(chunk)
                if progress:
                    progress(done, total)
        verified = verify(tmp, spec, expected_md5)
        os.replace(tmp, target)
    except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
        tmp.unlink(missing_ok=True)
        reason = getattr(exc, "reason", exc)
        raise BackboneWeightsMissing(
            f"Could not download {spec.file_name} from {url} ({reason}). This command needs internet access: "
            f"run it on a networked build machine, or copy the file into {folder} by hand."
        ) from exc
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise OutputNotWritable(f"Cannot write {target}: {exc.strerror}.") from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return BackboneWeights(**{**asdict(verified), "path": str(target.resolve())})
