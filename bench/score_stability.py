"""How steady a frame model's scores are: the same face crops shifted by half a pixel and one pixel,
and mirrored, and what averaging those views does to video AUC and frame-to-frame jitter.

Crops come from the training crop pipeline (MTCNN, the card's margin and size; cached), from a
``real/ fake/`` folder of videos. Files are grouped by the name prefix before ``__`` (e.g. ``cdf__``,
``dfl__`` as laid out by hand), so each source gets its own AUC.

    .venv/bin/python bench/score_stability.py FOLDER [--model ID_OR_DIR] [--frames-per-video 16]

Prints the mean and largest score change per view, then per group: video AUC (mean score per video)
and jitter (mean absolute change between a video's consecutive sampled frames) for one view, the
mirror average, and a five-view average (plain, mirrored, shifted right by 0.5 and 1 px, left by 1 px).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import cv2  # noqa: E402
import numpy as np  # noqa: E402


def shifted(crops: np.ndarray, dx: float, dy: float) -> np.ndarray:
    m = np.float32([[1, 0, dx], [0, 1, dy]])
    return np.stack([cv2.warpAffine(c, m, (c.shape[1], c.shape[0]), flags=cv2.INTER_LINEAR,
                                    borderMode=cv2.BORDER_REFLECT_101) for c in crops])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder")
    ap.add_argument("--model", default=None, help="bundle id or folder (default: the default model)")
    ap.add_argument("--frames-per-video", type=int, default=16)
    a = ap.parse_args()

    from core.faces import FaceDetector
    from core.models.bundle import default_bundle_id, resolve
    from core.models.scorer import Scorer
    from core.training.config import DataConfig
    from core.training.crops import CropSettings, build_table
    from core.training.dataset import scan_dataset
    from core.training.metrics import roc_auc

    info = resolve(a.model or default_bundle_id())
    card = info.card
    summary = scan_dataset(DataConfig(root=a.folder, frames_per_video=a.frames_per_video), None, lambda: False,
                           purpose="evaluate")
    settings = CropSettings(size=card.input_size, margin=card.face_margin, frames_per_video=a.frames_per_video,
                            min_face_px=card.min_face_px)
    table, _ = build_table(summary, settings, lambda: FaceDetector(),
                           splits=tuple(sorted({f.split for f in summary.files})))
    scorer = Scorer(info)
    crops = np.asarray(table.crops)

    def score(x: np.ndarray) -> np.ndarray:
        return np.concatenate([scorer.score_crops(x[i:i + 64]) for i in range(0, len(x), 64)])

    views = {"plain": score(crops), "mirrored": score(np.ascontiguousarray(crops[:, :, ::-1])),
             "0.5 px": score(shifted(crops, 0.5, 0.5)), "1 px": score(shifted(crops, 1.0, 0.0)),
             "-1 px": score(shifted(crops, -1.0, 0.0))}
    print(f"{info.id} on {a.folder}: {len(crops)} crops of {len(table.files)} files")
    for name, s in views.items():
        if name != "plain":
            d = np.abs(s - views["plain"])
            print(f"  {name:9s} changes a score by {d.mean():.3f} on average, at most {d.max():.3f}")
    groups = sorted({Path(f.path).name.split("__")[0] for f in table.files})
    ways = {"one view": views["plain"], "mirror average": (views["plain"] + views["mirrored"]) / 2,
            "five-view average": np.mean(list(views.values()), axis=0)}
    for way, s in ways.items():
        cells = []
        for g in groups:
            y, v, jitter = [], [], []
            for k, f in enumerate(table.files):
                rows = np.flatnonzero(table.file == k)
                if Path(f.path).name.split("__")[0] == g and len(rows):
                    y.append(f.label)
                    v.append(float(s[rows].mean()))
                    jitter.append(float(np.abs(np.diff(s[rows])).mean()) if len(rows) > 1 else 0.0)
            auc = roc_auc(y, v)
            cells.append(f"{g}: AUC {'n/a' if auc is None else f'{auc:.3f}'} jitter {np.mean(jitter):.3f}")
        print(f"  {way:17s} " + " | ".join(cells))
    return 0


if __name__ == "__main__":
    sys.exit(main())
