"""Finding labelled images and videos in a folder, and splitting them without leaks.

Layouts:
- ``train/ validation/ test/``, each with ``real/`` and ``fake/`` (the papers' layout; ``val/`` and
  ``valid/`` are accepted; without ``validation/`` a validation share is carved from ``train/``);
- just ``real/`` and ``fake/``: split automatically by group (:mod:`core.training.splits`).
Files may sit in sub-folders of ``real/`` and ``fake/``; images and videos can be mixed.

:func:`scan_dataset` reads nothing but names and bytes (for the SHA-256 of each file, memoised
by path, size and modification time), so a GUI can show the summary before any training.
"""

from __future__ import annotations

import json
import os
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from core import paths
from core.errors import Cancelled, DatasetError, OutputNotWritable
from core.forensic import atomic
from core.forensic.hashing import sha256_file, sha256_text
from core.training import splits
from core.training.config import DataConfig, TrainProgress
from core.wording import plural

IMAGE_EXT = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff"})
VIDEO_EXT = frozenset({".mp4", ".avi", ".mov", ".mkv", ".mpg", ".mpeg", ".m4v", ".webm", ".wmv"})
CLASSES = ("real", "fake")  # label 0, 1
SPLIT_ALIASES = {"train": "train", "training": "train", "validation": "validation", "val": "validation",
                 "valid": "validation", "test": "test", "testing": "test"}
GROUP_CSV_NAMES = ("groups.csv", "identities.csv")
TINY_FILES = 20  # per class in train: fewer is a warning
IMBALANCE_RATIO = 1.5


@dataclass(frozen=True)
class DataFile:
    path: str  # relative to the dataset root, '/'-separated
    label: int  # 0 real, 1 fake
    kind: str  # "image" | "video"
    split: str  # "train" | "validation" | "test"
    group: str
    sha256: str
    size_bytes: int


DIGEST_CHARS = 16  # of a file's SHA-256 kept in the card (64 bits: no accidental collision among millions)


@dataclass(frozen=True)
class Skipped:
    path: str
    reason: str


@dataclass(frozen=True)
class DatasetSummary:
    root: str
    layout: str  # "split folders" | "automatic split"
    files: tuple[DataFile, ...]
    skipped: tuple[Skipped, ...]  # unusable files, with the reason
    ignored: int  # files that are neither images nor videos
    warnings: tuple[str, ...]
    split_rule: str
    group_source: str
    file_list_hash: str  # SHA-256 over (path, sha256, label, split) of every file

    def count(self, split: str | None = None, label: int | None = None, kind: str | None = None) -> int:
        return sum(1 for f in self.files if (split is None or f.split == split)
                   and (label is None or f.label == label) and (kind is None or f.kind == kind))

    def counts(self) -> dict:
        """``{split: {"real": {"image": n, "video": n}, "fake": {...}}}``."""
        out: dict = {}
        for s in splits.SPLITS:
            out[s] = {c: {k: self.count(s, i, k) for k in ("image", "video")} for i, c in enumerate(CLASSES)}
        return out

    def groups(self, split: str | None = None) -> int:
        return len({f.group for f in self.files if split is None or f.split == split})

    def to_card(self) -> dict:
        return {
            "folder": self.root,
            "layout": self.layout,
            "counts": self.counts(),
            "groups": {s: self.groups(s) for s in splits.SPLITS},
            "files": len(self.files),
            "skipped": [{"path": s.path, "reason": s.reason} for s in self.skipped],
            "file_list_sha256": self.file_list_hash,
            "split_rule": self.split_rule,
            "group_source": self.group_source,
            "warnings": list(self.warnings),
            # what it learned from and was selected on, by content: an evaluation that reuses any of it says so
            "file_digests": {s: sorted({f.sha256[:DIGEST_CHARS] for f in self.files if f.split == s})
                             for s in ("train", "validation")},
        }

    def lines(self) -> list[str]:
        """A short human-readable report."""
        out = [f"{self.root} ({self.layout})", f"split: {self.split_rule}", f"groups: {self.group_source}"]
        for s in splits.SPLITS:
            parts = []
            for i, c in enumerate(CLASSES):
                im, vi = self.count(s, i, "image"), self.count(s, i, "video")
                parts.append(f"{c} {plural(im, 'image')} + {plural(vi, 'video')}")
            out.append(f"  {s:10s} {', '.join(parts)}  ({self.groups(s)} groups)")
        if self.skipped:
            out.append(f"skipped {plural(len(self.skipped), 'file')}:")
            out += [f"  {s.path}: {s.reason}" for s in self.skipped]
        out += [f"warning: {w}" for w in self.warnings]
        return out


# --- hashing, memoised ---------------------------------------------------------------------


class _HashMemo:
    """SHA-256 of files keyed by (absolute path, size, mtime): a second scan hashes nothing."""

    def __init__(self):
        self.path = paths.cache_dir() / "file_hashes.json"
        try:
            self.data = json.loads(self.path.read_text(encoding="utf-8"))
            if not isinstance(self.data, dict):
                self.data = {}
        except (OSError, ValueError):
            self.data = {}
        self.dirty = False

    def sha256(self, p: Path, st: os.stat_result) -> str:
        key = f"{p.resolve()}|{st.st_size}|{st.st_mtime_ns}"
        hit = self.data.get(key)
        if isinstance(hit, str) and len(hit) == 64:
            return hit
        digest = sha256_file(p)
        self.data[key] = digest
        self.dirty = True
        return digest

    def save(self) -> None:
        if self.dirty:
            try:
                atomic.write_json(self.path, self.data)
            except OutputNotWritable:
                pass  # only a memo: the next scan hashes again


# --- scanning ---------------------------------------------------------------------------------


def _subdirs(folder: Path) -> dict[str, Path]:
    try:
        return {p.name.lower(): p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")}
    except PermissionError as exc:
        raise DatasetError(f"The folder {folder} cannot be read: {exc.strerror}.") from exc


def _media(folder: Path) -> tuple[list[tuple[Path, str]], int]:
    found, ignored = [], 0
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.startswith("."):
                continue
            ext = Path(name).suffix.lower()
            kind = "image" if ext in IMAGE_EXT else "video" if ext in VIDEO_EXT else None
            if kind is None:
                ignored += 1
            else:
                found.append((Path(dirpath) / name, kind))
    return found, ignored


def _layout(root: Path) -> tuple[str, dict[str, dict[str, Path]]]:
    """('split folders' | 'automatic split', {split or '': {class: folder}})."""
    subs = _subdirs(root)
    split_dirs = {SPLIT_ALIASES[n]: p for n, p in subs.items() if n in SPLIT_ALIASES}
    expected = ("expected real/ and fake/ folders, or train/ (and validation/, test/) folders each holding "
                "real/ and fake/")
    if split_dirs:
        if "train" not in split_dirs:
            raise DatasetError(f"{root} has {', '.join(sorted(split_dirs))}/ but no train/ folder; {expected}.")
        out = {}
        for s, p in split_dirs.items():
            cls = _subdirs(p)
            out[s] = {c: cls[c] for c in CLASSES if c in cls}
        return "split folders", out
    cls = {c: subs[c] for c in CLASSES if c in subs}
    if not cls:
        raise DatasetError(f"{root} holds no real/ or fake/ folder; {expected}.")
    return "automatic split", {"": cls}


def _folder(path: str, what: str) -> Path:
    folder = Path(path).expanduser()
    if not folder.exists():
        raise DatasetError(f"No folder {folder}.")
    if not folder.is_dir():
        raise DatasetError(f"{folder} is a file; give {what}.")
    return folder.resolve()


def _given_layout(split_roots) -> tuple[Path, str, dict[str, dict[str, Path]]]:
    """Separate train / validation / test folders, each holding real/ and fake/."""
    tree: dict[str, dict[str, Path]] = {}
    for name, path in split_roots:
        split = SPLIT_ALIASES.get(name.lower())
        if split is None:
            raise DatasetError(f"'{name}' is not a split; use train, validation or test.")
        folder = _folder(path, f"the {split} folder holding real/ and fake/")
        cls = _subdirs(folder)
        if not any(c in cls for c in CLASSES):
            raise DatasetError(f"The {split} folder {folder} holds no real/ or fake/ folder.")
        tree[split] = {c: cls[c] for c in CLASSES if c in cls}
    if "train" not in tree:
        raise DatasetError("Separate split folders need at least a train folder.")
    root = Path(os.path.commonpath([str(p) for c in tree.values() for p in c.values()]))
    return root, "split folders", tree


def scan_dataset(data: DataConfig | str | os.PathLike, progress: Callable[[TrainProgress], None] | None = None,
                 should_cancel: Callable[[], bool] | None = None, purpose: str = "train") -> DatasetSummary:
    """Every usable image and video with its label, split and group; warnings; skipped files.

    ``purpose="evaluate"`` drops the warnings that only concern training (split sizes, balance).
    """
    cfg = data if isinstance(data, DataConfig) else DataConfig(root=str(data))
    report = progress or (lambda p: None)
    cancelled = should_cancel or (lambda: False)
    if cfg.split_roots:
        root, layout, tree = _given_layout(cfg.split_roots)
    else:
        root = _folder(cfg.root, "the folder that holds real/ and fake/")
        layout, tree = _layout(root)

    entries = []  # (path, kind, label, split or '', class folder)
    ignored = 0
    for split, classes in tree.items():
        for label, cname in enumerate(CLASSES):
            folder = classes.get(cname)
            if folder is None:
                continue
            found, ign = _media(folder)
            ignored += ign
            entries += [(p, kind, label, split, folder) for p, kind in found]

    skipped: list[Skipped] = []
    kept = []
    memo = _HashMemo()
    for i, (p, kind, label, split, folder) in enumerate(entries):
        if cancelled():
            memo.save()
            raise Cancelled("Scanning the dataset was cancelled.")
        rel = p.relative_to(root).as_posix()
        try:
            st = p.stat()
            if st.st_size == 0:
                skipped.append(Skipped(rel, "empty file (0 bytes)"))
                continue
            digest = memo.sha256(p, st)
        except OSError as exc:
            skipped.append(Skipped(rel, f"cannot be read ({exc.strerror or exc})"))
            continue
        kept.append((rel, kind, label, split, folder.relative_to(root).as_posix(), digest, st.st_size))
        report(TrainProgress("scanning", i + 1, len(entries), 0.0, message=rel))
    memo.save()

    if not kept:
        where = ", ".join(f"{p.relative_to(root).as_posix()}/" for c in tree.values() for p in c.values())
        raise DatasetError(f"No usable images or videos in {root} (looked in {where or 'nothing'}).")
    present = {k[2] for k in kept}
    for label, cname in enumerate(CLASSES):
        if purpose == "train" and label not in present and not (label == 1 and cfg.self_blend):
            hint = " Add fake examples, or make fakes from the real faces (--self-blend)." if label == 1 else ""
            raise DatasetError(f"{root}: there are no {cname} examples ({cname}/ is missing or empty).{hint}")

    csv_path = Path(cfg.groups_csv) if cfg.groups_csv else next(
        (root / n for n in GROUP_CSV_NAMES if (root / n).is_file()), None)
    csv_groups = splits.read_groups_csv(csv_path) if csv_path else None
    rels = [k[0] for k in kept]
    groups, group_source = splits.assign_groups(rels, [k[4] for k in kept], [k[5] for k in kept],
                                                cfg.group_rule, csv_groups)
    if csv_path:
        group_source += f" (CSV: {csv_path.name})"
    labels = [k[2] for k in kept]
    warnings: list[str] = []

    if layout == "automatic split":
        fr = {"train": 1.0 - cfg.val_fraction - cfg.test_fraction, "validation": cfg.val_fraction,
              "test": cfg.test_fraction}
        if fr["train"] <= 0 or cfg.val_fraction <= 0 or cfg.test_fraction < 0:
            raise DatasetError("The validation share must be positive and validation + test below 1.")
        assigned = splits.split_groups(groups, labels, fr, cfg.split_seed)
        empty = [s for s in ("validation", "test") if fr[s] > 0 and s not in assigned]
        if empty:
            warnings.append(f"The automatic split could not fill {' and '.join(empty)}: the {len(kept)} files form "
                            f"only {len(set(groups))} group(s) (files sharing an identity, a source or identical "
                            "content stay together). Add data from more sources, or make the split folders yourself.")
        split_rule = (f"automatic: about {fr['train']:.0%} / {fr['validation']:.0%} / {fr['test']:.0%} of each class "
                      f"for train / validation / test, whole groups only (seed {cfg.split_seed})")
    else:
        assigned = [k[3] for k in kept]
        split_rule = "as given by the train/ validation/ test/ folders"
        if "validation" not in tree:
            idx = [i for i, s in enumerate(assigned) if s == "train"]
            sub = splits.split_groups([groups[i] for i in idx], [labels[i] for i in idx],
                                      {"train": 1.0 - cfg.val_fraction, "validation": cfg.val_fraction},
                                      cfg.split_seed)
            for i, s in zip(idx, sub, strict=True):
                assigned[i] = s
            split_rule += (f"; no validation/ folder, so {cfg.val_fraction:.0%} of train/ became validation, "
                           f"whole groups only (seed {cfg.split_seed})")
        by_group = defaultdict(set)
        for g, s in zip(groups, assigned, strict=True):
            by_group[g].add(s)
        shared = sorted(g for g, ss in by_group.items() if len(ss) > 1)
        if shared and purpose == "train":
            warnings.append(f"Files of one group in more than one split folder: {plural(len(shared), 'group')} (e.g. "
                            f"{', '.join(_show(g) for g in shared[:4])}): those splits are not independent.")

    files = tuple(
        DataFile(rel, label, kind, s, g, digest, size)
        for (rel, kind, label, _, _, digest, size), g, s in zip(kept, groups, assigned, strict=True)
    )
    warnings += _warnings(files, cfg, purpose)
    listing = json.dumps(sorted((f.path, f.sha256, f.label, f.split) for f in files))
    return DatasetSummary(
        root=str(root),
        layout=layout,
        files=files,
        skipped=tuple(skipped),
        ignored=ignored,
        warnings=tuple(warnings),
        split_rule=split_rule,
        group_source=group_source,
        file_list_hash=sha256_text(listing),
    )


def _show(group: str) -> str:
    return group.split(":", 1)[-1]


def _warnings(files: tuple[DataFile, ...], cfg: DataConfig, purpose: str) -> list[str]:
    out = []
    by_digest = defaultdict(list)
    for f in files:
        by_digest[f.sha256].append(f)
    dup_same = [fs for fs in by_digest.values() if len(fs) > 1 and len({f.split for f in fs}) == 1]
    dup_cross = [fs for fs in by_digest.values() if len({f.split for f in fs}) > 1]
    both = [fs for fs in by_digest.values() if len({f.label for f in fs}) > 1]
    if dup_cross:
        ex = ", ".join(" = ".join(f.path for f in fs[:2]) for fs in dup_cross[:3])
        out.append(f"Identical copies across splits: {plural(len(dup_cross), 'file')} ({ex}); they leak and flatter "
                   "the validation/test figures.")
    if dup_same:
        ex = ", ".join(" = ".join(f.path for f in fs[:2]) for fs in dup_same[:3])
        out.append(f"{sum(len(fs) - 1 for fs in dup_same)} files duplicate another file of the same split ({ex}).")
    if both:
        ex = ", ".join(" = ".join(f.path for f in fs[:2]) for fs in both[:3])
        out.append(f"{len(both)} identical files are labelled both real and fake ({ex}).")
    if purpose != "train":
        return out
    n = Counter((f.split, f.label) for f in files)
    real, fake = n[("train", 0)], n[("train", 1)]
    if cfg.self_blend:
        fake_note = f" (+ self-blended fakes made from the {real} real files)"
    else:
        fake_note = ""
    if real and fake and max(real, fake) / min(real, fake) > IMBALANCE_RATIO:
        how = {"weights": "balanced by class weights", "oversample": "balanced by oversampling the smaller class",
               "none": "NOT balanced (balance: none)"}[cfg.balance]
        out.append(f"Class imbalance in train: {real} real vs {plural(fake, 'fake file')}{fake_note}; {how}.")
    for label, cname in enumerate(CLASSES):
        k = n[("train", label)]
        if 0 < k < TINY_FILES and not (label == 1 and cfg.self_blend and not k):
            out.append(f"Tiny training set: only {plural(k, cname + ' file')} in train; expect unreliable results.")
        v = n[("validation", label)]
        if v == 0 and not (label == 1 and cfg.self_blend):
            out.append(f"The validation split has no {cname} files: validation metrics are incomplete.")
    return out
