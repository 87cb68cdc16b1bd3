"""Group keys and leak-free splits.

Everything derived from one source must stay on one side of a train/validation/test split:
all crops of a video, a real clip and the fakes made from it, re-encodes of either, and files
of one identity. Files are therefore split by *group*, never one by one.

Group keys, in order of precedence:
- a CSV (``path`` plus one of ``group``, ``identity``, ``source``) naming each file's group;
- Celeb-DF style names: ``id13_0011`` (a real clip of identity 13) and ``id13_id10_0011``
  (identity 10's face swapped into that clip) share the source identity ``id13``; suffixes such
  as ``_c`` or ``_segment_1`` do not matter. With rule ``identities`` every identity a name
  mentions is linked, so ``id13_id10_*`` also joins ``id10``'s group;
- rule ``folder``: the folder holding the file (below ``real/`` or ``fake/``);
- otherwise the file itself.
Files with identical content always share a group.
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path, PurePosixPath

from core.errors import DatasetError

GROUP_RULES = ("auto", "identities", "folder", "file")
CSV_GROUP_COLUMNS = ("group", "identity", "source", "group_key")
_CELEBDF = re.compile(r"^(id\d+)_(?:(id\d+)_)?(\d+)(?:[_.-].*)?$", re.IGNORECASE)
SPLITS = ("train", "validation", "test")


def celebdf_identities(stem: str) -> list[str]:
    """['id13'] for id13_0011, ['id13', 'id10'] for id13_id10_0011_c; [] for other names."""
    m = _CELEBDF.match(stem)
    if not m:
        return []
    return [g.lower() for g in (m.group(1), m.group(2)) if g]


def name_group(stem: str) -> str | None:
    """The source identity of a Celeb-DF style name, else None."""
    ids = celebdf_identities(stem)
    return ids[0] if ids else None


def read_groups_csv(path: str | Path) -> dict[str, str]:
    """``{path as written (posix, lower-case): group}`` from a CSV with a path and a group column."""
    p = Path(path)
    try:
        with open(p, newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            cols = {c.strip().lower(): c for c in (reader.fieldnames or [])}
            if "path" not in cols:
                raise DatasetError(f"{p.name}: a group CSV needs a 'path' column (found: {', '.join(cols) or 'none'}).")
            gcol = next((cols[c] for c in CSV_GROUP_COLUMNS if c in cols), None)
            if gcol is None:
                raise DatasetError(f"{p.name}: a group CSV needs one of the columns {', '.join(CSV_GROUP_COLUMNS)}.")
            out = {}
            for row in reader:
                key, group = (row.get(cols["path"]) or "").strip(), (row.get(gcol) or "").strip()
                if key and group:
                    out[PurePosixPath(key.replace("\\", "/")).as_posix().lower()] = group
            return out
    except OSError as exc:
        raise DatasetError(f"Cannot read the group CSV {p}: {exc.strerror}.") from exc
    except (csv.Error, UnicodeDecodeError) as exc:
        raise DatasetError(f"{p.name} is not a readable CSV file ({exc}).") from exc


class _CsvLookup:
    def __init__(self, mapping: dict[str, str]):
        self.full = mapping
        names: dict[str, set[str]] = defaultdict(set)
        for k, g in mapping.items():
            names[PurePosixPath(k).name].add(g)
        self.by_name = {n: next(iter(gs)) for n, gs in names.items() if len(gs) == 1}

    def get(self, rel: str) -> str | None:
        """Match the path relative to the dataset, any trailing part of it, or the bare file name."""
        parts = PurePosixPath(rel.lower()).parts
        for i in range(len(parts)):
            hit = self.full.get("/".join(parts[i:]))
            if hit is not None:
                return hit
        return self.by_name.get(parts[-1]) if parts else None


class _UnionFind:
    def __init__(self):
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            lo, hi = sorted((ra, rb))
            self.parent[hi] = lo


def assign_groups(rel_paths: Sequence[str], class_dirs: Sequence[str], digests: Sequence[str], rule: str = "auto",
                  csv_groups: dict[str, str] | None = None) -> tuple[list[str], str]:
    """A group key per file, and a one-line description of where the keys came from.

    ``class_dirs[i]`` is the ``real``/``fake`` folder (relative) that holds file i.
    """
    if rule not in GROUP_RULES:
        raise DatasetError(f"Unknown group rule '{rule}'; use one of {', '.join(GROUP_RULES)}.")
    lookup = _CsvLookup(csv_groups) if csv_groups else None
    uf = _UnionFind()
    base: list[str] = []
    sources: dict[str, int] = defaultdict(int)
    for rel, cdir in zip(rel_paths, class_dirs, strict=True):
        stem = PurePosixPath(rel).stem
        key = lookup.get(rel) if lookup else None
        if key is not None:
            key, src = f"csv:{key}", "csv"
        elif rule in ("auto", "identities") and (ids := celebdf_identities(stem)):
            key, src = f"id:{ids[0]}", "name"
            if rule == "identities":
                for other in ids[1:]:
                    uf.union(key, f"id:{other}")
        elif rule == "folder":
            parent = PurePosixPath(rel).parent.as_posix()
            key, src = (f"folder:{parent}", "folder") if parent != cdir else (f"file:{rel}", "file")
        else:
            key, src = f"file:{rel}", "file"
        sources[src] += 1
        base.append(key)
        uf.find(key)
    by_digest: dict[str, str] = {}
    for key, digest in zip(base, digests, strict=True):
        if digest in by_digest:
            uf.union(by_digest[digest], key)
        else:
            by_digest[digest] = key
    groups = [uf.find(k) for k in base]
    names = {"csv": "the group CSV", "name": "Celeb-DF style names (source identity)", "folder": "folders",
             "file": "one group per file"}
    desc = ", ".join(f"{n} files by {names[s]}" for s, n in sorted(sources.items(), key=lambda t: -t[1]))
    if rule == "identities":
        desc += "; every identity a name mentions is linked"
    return groups, desc + "; identical files share a group"


def _rank(seed: int, key: str) -> str:
    return hashlib.sha256(f"{seed}:{key}".encode()).hexdigest()


def split_groups(groups: Sequence[str], labels: Sequence[int], fractions: dict[str, float],
                 seed: int = 0) -> list[str]:
    """Assign each file's group to a split so each class is divided close to ``fractions``.

    Deterministic for a seed, whole groups only. Largest groups are placed first, each into the
    split furthest below its target share of the classes the group holds; afterwards a split
    that should have both classes but lacks one receives the smallest train group holding it.
    """
    names = [s for s in SPLITS if fractions.get(s, 0.0) > 0]
    if not names:
        raise ValueError("at least one split needs a positive fraction")
    total_frac = sum(fractions[s] for s in names)
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for g, y in zip(groups, labels, strict=True):
        counts[g][int(y)] += 1
    n_class = [sum(c[0] for c in counts.values()), sum(c[1] for c in counts.values())]
    target = {s: [fractions[s] / total_frac * n for n in n_class] for s in names}
    current = {s: [0, 0] for s in names}
    order = sorted(counts, key=lambda g: (-sum(counts[g]), _rank(seed, g)))
    where: dict[str, str] = {}
    for g in order:
        cg = counts[g]

        def need(s, cg=cg):
            return sum(cg[c] * (target[s][c] - current[s][c]) / max(n_class[c], 1) for c in (0, 1))

        best = max(names, key=lambda s: (need(s), -names.index(s)))
        where[g] = best
        current[best][0] += cg[0]
        current[best][1] += cg[1]
    if "train" in names:
        for s in names:
            if s == "train":
                continue
            for c in (0, 1):
                if current[s][c] == 0 and n_class[c] > 0:
                    movable = [g for g in order if where[g] == "train" and counts[g][c] > 0]
                    if len(movable) >= 2:
                        g = min(movable, key=lambda g: (sum(counts[g]), _rank(seed, g)))
                        where[g] = s
                        for k in (0, 1):
                            current["train"][k] -= counts[g][k]
                            current[s][k] += counts[g][k]
    return [where[g] for g in groups]
