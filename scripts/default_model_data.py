"""Face crops for training the shipped default models, from ../shared/data.

Every real and fake face in the research data is found with the engine's own MTCNN path
(core.faces) and cut with the engine's crop (square, card margin), so the models train on
exactly what they will see at analysis time. Crops are cached per source file (keyed by its
SHA-256 and the crop settings) outside the project, so re-running is cheap.

Each crop carries: label (0 real, 1 fake), method (real, celebdf), group (identity key: every
file that shares a person or a scene shares a group, so a split by group cannot leak), source
folder, file, frame index, and the five landmarks in crop pixels (for self-blended masks).
"""

from __future__ import annotations

import csv
import json
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core import paths  # noqa: E402
from core.faces import FaceDetector, crop_face, square_around  # noqa: E402
from core.hashing import sha256_file  # noqa: E402
from core.video import iter_frames, probe, to_rgb  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"
CROP = 256
MARGIN = 0.3
FRAMES_PER_VIDEO = 24  # spread evenly over each clip
SETTINGS = f"crop{CROP}-margin{MARGIN}-fpv{FRAMES_PER_VIDEO}-v1"


@dataclass
class Source:
    path: Path
    label: int
    method: str
    group: str
    folder: str


class _Groups:
    """Union-find over identity ids: a fake idA_idB joins A's scene and B's face.

    Kept apart from core.training.splits._UnionFind on purpose: that one names a group by its
    smallest id, this one by the last joined, and the group names decide the shipped model's
    seeded validation split, which must stay reproducible.
    """

    def __init__(self):
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: str, b: str) -> None:
        self.parent[self.find(a)] = self.find(b)


def celebdf_ids(name: str) -> list[str]:
    return re.findall(r"id\d+", name.split("_segment")[0]) or [name]


def sources() -> list[Source]:
    out: list[Source] = []
    groups = _Groups()
    cdf = []
    for folder in ("celebdf_v2_pairs", "celebdf_v2_faceclips"):
        for row in csv.DictReader(open(SHARED / folder / "labels.csv")):
            ids = celebdf_ids(Path(row["path"]).stem)
            for other in ids[1:]:
                groups.union(ids[0], other)
            cdf.append((folder, row, ids[0]))
    for folder, row, first in cdf:
        label = int(row["label"] == "fake")
        out.append(Source(SHARED / folder / row["path"], label, "celebdf" if label else "real",
                          "cdf:" + groups.find(first), folder))
    for row in csv.DictReader(open(SHARED / "utkface_real" / "identities.csv")):
        out.append(Source(SHARED / "utkface_real" / row["path"], 0, "real", "utk:" + row["group"], "utkface_real"))
    for row in csv.DictReader(open(SHARED / "celeba_wild_real" / "identities.csv")):
        out.append(Source(SHARED / "celeba_wild_real" / row["path"], 0, "real", row["identity"], "celeba_wild_real"))
    # Speakers are not named in these file names (and two LivePortrait clips may be one man):
    # each folder is one group, so it stays whole on one side of a split.
    for folder in ("grid_real_videos", "liveportrait_real_videos"):
        for row in csv.DictReader(open(SHARED / folder / "labels.csv")):
            out.append(Source(SHARED / folder / row["path"], 0, "real", folder, folder))
    return [s for s in out if s.path.is_file()]  # identities.csv also lists photos not shipped


def _largest_face_crop(rgb: np.ndarray, faces):
    if not faces:
        return None
    face = faces[0]  # the detector returns the largest first
    if min(face.box[2] - face.box[0], face.box[3] - face.box[1]) < 40:
        return None
    crop = crop_face(rgb, face.box, MARGIN, CROP)
    x0, y0, x1, _ = square_around(face.box, MARGIN)
    scale = CROP / (x1 - x0)
    points = np.array([((x - x0) * scale, (y - y0) * scale) for x, y in face.landmarks], np.float32)
    return crop, points


def extract(src: Source, detector: FaceDetector, cache: Path) -> dict | None:
    key = f"{sha256_file(src.path)[:32]}-{SETTINGS}"
    npz = cache / f"{key}.npz"
    if npz.exists():
        d = np.load(npz)
        return {k: d[k] for k in d.files}
    crops, points, frames = [], [], []
    if src.path.suffix.lower() in (".jpg", ".png", ".jpeg"):
        rgb = to_rgb(cv2.imread(str(src.path), cv2.IMREAD_COLOR))
        got = _largest_face_crop(rgb, detector.detect([rgb])[0])
        if got:
            crops.append(got[0])
            points.append(got[1])
            frames.append(0)
    else:
        n = probe(src.path).frames
        every = max(1, n // FRAMES_PER_VIDEO)
        batch = [(i, rgb) for i, _, rgb in iter_frames(src.path, every=every) if rgb is not None][:FRAMES_PER_VIDEO]
        found = detector.detect([rgb for _, rgb in batch]) if batch else []
        for (i, rgb), faces in zip(batch, found, strict=True):
            got = _largest_face_crop(rgb, faces)
            if got:
                crops.append(got[0])
                points.append(got[1])
                frames.append(i)
    d = {
        "crops": np.array(crops, np.uint8).reshape(-1, CROP, CROP, 3),
        "points": np.array(points, np.float32).reshape(-1, 5, 2),
        "frames": np.array(frames, np.int32),
    }
    np.savez(npz, **d)
    return d


def build(out: Path) -> Path:
    """All crops in one npz (plus a JSON list of sources) at ``out``; returns its path."""
    cache = paths.ensure_dir(paths.cache_dir() / "default-model-crops")
    detector = FaceDetector(detect_width=640)
    all_crops, all_points, meta = [], [], []
    srcs = sources()
    for n, src in enumerate(srcs):
        d = extract(src, detector, cache)
        k = len(d["crops"])
        all_crops.append(d["crops"])
        all_points.append(d["points"])
        for f in d["frames"]:
            meta.append({"label": src.label, "method": src.method, "group": src.group, "folder": src.folder,
                         "file": str(src.path.relative_to(SHARED)), "frame": int(f)})
        if n % 200 == 0 or src.path.suffix not in (".jpg",):
            print(f"[{n + 1}/{len(srcs)}] {src.path.name}: {k} crops", flush=True)
    crops = np.concatenate(all_crops)
    points = np.concatenate(all_points)
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez(out, crops=crops, points=points)
    out.with_suffix(".json").write_text(json.dumps(meta))
    print(f"{len(crops)} crops from {len(srcs)} files -> {out}")
    return out


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    build(Path(sys.argv[1]) if len(sys.argv) > 1 else paths.cache_dir() / "default-model-crops" / "all.npz")
