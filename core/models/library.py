"""The model library: what an analyst does with installed bundles, without any GUI.

A bundle's id is its folder name. Ids are recorded in analyses' provenance, the audit log, the
user's ``default_model.txt`` and the window's settings, so **rename changes the display name in
the card only; the folder (the id) stays**. Shipped bundles, and folders outside the user's
models folder, are never changed or deleted (:class:`~core.errors.BundleReadOnly`).

Copies (export, install) go into a hidden sibling folder first, are checked file by file against
the source's SHA-256 and read back as a bundle, and only then take their name, so a half-written
copy is never listed.
"""

from __future__ import annotations

import math
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from core import paths
from core.errors import BundleNotFound, BundleReadOnly, ModelNameInvalid, OutputNotWritable
from core.forensic import atomic
from core.forensic.hashing import sha256_file
from core.models.bundle import (
    CARD_FILE,
    DEFAULT_FILE,
    BundleInfo,
    bundle_dirs,
    default_bundle_id,
    list_bundles,
    read_bundle,
    with_card,
)

MAX_NAME = 120
SUMS_FILE = "SHA256SUMS"


# --- summary rows ---------------------------------------------------------------------------


@dataclass(frozen=True)
class BundleSummary:
    """One row of the library: what an analyst compares at a glance."""

    id: str
    name: str
    path: str
    shipped: bool
    is_default: bool
    architecture: str  # "compact_cnn (frame)"
    input: str  # "128 px, scale_-1_1"
    threshold: float
    output: str
    training: str  # one line on the data it learned from
    metrics: str  # one line, the headline numbers of the card
    size_bytes: int
    sha256: str | None  # of model.keras; None until hashed
    date: str  # YYYY-MM-DD the bundle was made


def summarize(info: BundleInfo, sha256: str | None = None, default_id: str | None = None) -> BundleSummary:
    c = info.card
    return BundleSummary(
        id=info.id, name=c.name, path=info.path, shipped=info.read_only, is_default=info.id == default_id,
        architecture=f"{c.architecture} ({c.kind})", input=f"{c.input_size} px, {c.preprocessing}",
        threshold=float(c.threshold), output=c.output, training=training_summary(c.training),
        metrics=metrics_summary(c.metrics), size_bytes=info.size_bytes, sha256=sha256, date=_date(info),
    )


def summaries(hashes: dict[str, str] | None = None) -> tuple[list[BundleSummary], list[str]]:
    """Every installed bundle's row (hashes given by id, else None) and the broken folders' messages."""
    bundles, problems = list_bundles()
    default = default_bundle_id()
    hashes = hashes or {}
    return [summarize(b, hashes.get(b.id), default) for b in bundles], problems


def _date(info: BundleInfo) -> str:
    created = info.card.created
    if created:
        try:
            return datetime.fromisoformat(created).date().isoformat()
        except ValueError:
            return created[:10]
    try:
        return datetime.fromtimestamp(info.weights_path.stat().st_mtime, UTC).date().isoformat()
    except OSError:
        return ""


def training_summary(training: dict) -> str:
    """A line on the training data, from the cards this app writes (trained, shipped, imported)."""
    if not isinstance(training, dict) or not training:
        return "not recorded"
    data = training.get("data")
    if isinstance(data, dict):
        parts = []
        for split, n in (data.get("samples") or {}).items():
            if isinstance(n, dict) and (n.get("real") or n.get("fake")):
                parts.append(f"{split} {n.get('real', 0)} real / {n.get('fake', 0)} fake")
        unit = data.get("sample_unit", "crop")
        folder = Path(str(data.get("folder", ""))).name
        text = "; ".join(parts) + (f" {unit}s" if parts else "")
        return (f"{folder}/: {text}" if folder else text) or "not recorded"
    if isinstance(data, str) and data:
        return _clip(data)
    if training.get("imported_from"):
        on = training.get("trained_on", "unknown data")
        return f"{on}; imported from {training['imported_from']}"
    return "not recorded"


_FLAT = (("val_auc", "val AUC"), ("test_auc", "test AUC"), ("val_accuracy", "val acc."),
         ("test_accuracy", "test acc."), ("val_eer", "val EER"), ("test_eer", "test EER"))
_NESTED = (("auc_all", "AUC"), ("auc", "AUC"), ("accuracy_at_threshold", "acc."), ("accuracy", "acc."),
           ("eer", "EER"))


def metrics_summary(metrics: dict) -> str:
    """The headline numbers: flat ``val_auc``-style keys (trained cards), else per-split dicts."""
    if not isinstance(metrics, dict):
        return ""
    parts = [f"{label} {metrics[k]:.3f}" for k, label in _FLAT if _number(metrics.get(k))]
    if not parts:
        for split, short in (("validation", "val"), ("val", "val"), ("test", "test")):
            d = metrics.get(split)
            if not isinstance(d, dict):
                continue
            seen = set()
            for k, label in _NESTED:
                if label not in seen and _number(d.get(k)):
                    parts.append(f"{short} {label} {d[k]:.3f}")
                    seen.add(label)
    return ", ".join(parts) or "none recorded"


def _number(v) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def _clip(text: str, n: int = 140) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


# --- changing the library -------------------------------------------------------------------


def user_bundle(info: BundleInfo) -> BundleInfo:
    """``info`` when it may be changed (a user bundle in the user's models folder), else BundleReadOnly."""
    if info.read_only:
        raise BundleReadOnly(f"{info.card.name} ({info.id}) ships with the application and is read-only.")
    try:
        inside = Path(info.path).resolve().parent == paths.user_models_dir().resolve()
    except OSError:
        inside = False
    if not inside:
        raise BundleReadOnly(f"{info.path} is not in your models folder ({paths.user_models_dir()}); "
                             "only models there can be renamed or deleted.")
    return info


def rename(info: BundleInfo, name: str) -> BundleInfo:
    """The bundle with ``name`` as its display name (the card's ``name``); its folder and id stay."""
    user_bundle(info)
    name = " ".join(name.split())
    if not name:
        raise ModelNameInvalid("A model needs a name.")
    if len(name) > MAX_NAME:
        raise ModelNameInvalid(f"Keep the name under {MAX_NAME} characters.")
    if name == info.card.name:
        return info
    for other in list_bundles()[0]:
        if other.id != info.id and other.card.name.casefold() == name.casefold():
            raise ModelNameInvalid(f"The model {other.id} is already called '{other.card.name}'.")
    atomic.write_json(Path(info.path) / CARD_FILE, with_card(info, name=name).to_json())
    return read_bundle(info.path, info.read_only)


def delete(info: BundleInfo) -> str:
    """Remove a user bundle; a default that named it is cleared. Returns the id removed."""
    user_bundle(info)
    folder = Path(info.path)
    trash = folder.with_name(f".{folder.name}.deleting")
    try:
        shutil.rmtree(trash, ignore_errors=True)
        folder.rename(trash)  # gone from the list at once, even if the removal below is interrupted
    except OSError as exc:
        raise OutputNotWritable(f"Cannot delete {folder}: {exc.strerror}.") from exc
    shutil.rmtree(trash, ignore_errors=True)
    chosen = paths.user_data_dir() / DEFAULT_FILE
    if chosen.is_file() and chosen.read_text().strip() == info.id:
        chosen.unlink()
    return info.id


def set_default(bundle_id: str) -> str:
    """Make an installed bundle the default for analysis (the user's ``default_model.txt``)."""
    installed = [b.id for b in list_bundles()[0]]
    if bundle_id not in installed:
        raise BundleNotFound(f"No installed model called '{bundle_id}'. Installed: {', '.join(installed) or 'none'}.")
    atomic.write_text(paths.user_data_dir() / DEFAULT_FILE, bundle_id + "\n")
    return bundle_id


def export(info: BundleInfo, dest: str | Path, overwrite: bool = False) -> BundleInfo:
    """Copy the bundle into ``dest``/<id>, checked by SHA-256, with a SHA256SUMS file for the recipient."""
    dest = Path(dest)
    target = dest / info.id
    source = Path(info.path).resolve()
    if target.resolve() == source or source in target.resolve().parents:
        raise OutputNotWritable(f"Choose a folder outside the bundle itself ({source}).")
    return _copy_bundle(info, target, overwrite, sums=True)


def install(folder: str | Path, overwrite: bool = False) -> BundleInfo:
    """Copy a bundle folder (e.g. an exported one) into the user's models, under its folder name."""
    info = read_bundle(folder)
    target = paths.user_models_dir() / info.id
    if target.resolve() == Path(info.path).resolve():
        return read_bundle(target)
    for base, read_only in bundle_dirs():
        if (base / info.id).exists() and (read_only or not overwrite):
            raise OutputNotWritable(f"A model called {info.id} is installed already; rename the folder first.")
    return _copy_bundle(info, target, overwrite, sums=False)


def _copy_bundle(info: BundleInfo, target: Path, overwrite: bool, sums: bool) -> BundleInfo:
    if target.exists() and not overwrite:
        raise OutputNotWritable(f"{target} exists already; choose another folder.")
    files = sorted(f for f in Path(info.path).iterdir() if f.is_file() and f.name != SUMS_FILE)
    with atomic.staged_folder(target, f"copy the model to {target}") as tmp:
        digests = {}
        for f in files:
            shutil.copy2(f, tmp / f.name)
            want, got = sha256_file(f), sha256_file(tmp / f.name)
            if want != got:
                raise OutputNotWritable(f"The copy of {f.name} in {target.parent} differs from the original "
                                        "(SHA-256); the disk may be failing. Nothing was kept.")
            digests[f.name] = got
        if sums:
            atomic.write_text(tmp / SUMS_FILE, "".join(f"{h}  {n}\n" for n, h in digests.items()))
        read_bundle(tmp)  # the copy reads back before it takes the name
    return read_bundle(target)


def verify_sums(folder: str | Path) -> list[str]:
    """Files of an exported bundle whose SHA-256 no longer matches its SHA256SUMS (empty: all match)."""
    folder = Path(folder)
    bad = []
    for line in (folder / SUMS_FILE).read_text().splitlines():
        digest, _, name = line.partition("  ")
        if not (folder / name).is_file() or sha256_file(folder / name) != digest:
            bad.append(name)
    return bad
