"""Lay out the talking-head material for the second cue: real talking heads against generator outputs,
one generator family held out for validation.

    .venv/bin/python scripts/talking_head_data.py DIR --holdout aniportrait   # or sadtalker, dreamtalk, musev, none

Like ``detector_data.py`` it only makes symbolic links into ../shared/data. Families (by the
method each clip's label names): SadTalker (with the SadTalker-based Linly-Talker), AniPortrait,
DreamTalk, MuseV. With ``--holdout F``, ``validation/`` holds F's outputs and the real clips
published beside them (their recording groups), plus the GRID corpus clips as real talking heads
no fold trains on; ``train/`` holds every other generator's outputs and the remaining real clips
(talking-head references and LivePortrait recordings). A shipped model is one of these folds: its
card names the family it never saw.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from detector_data import SHARED, _link, _rows  # noqa: E402

TH = "talking_head_synthesis"
FAMILIES = ("sadtalker", "aniportrait", "dreamtalk", "musev")


def family(row: dict) -> str:
    m = row["method"].lower()
    for f in ("musev", "aniportrait", "dreamtalk", "sadtalker"):
        if f in m:
            return f
    return {"ali-vilab/dreamtalk": "dreamtalk", "zejun-yang/aniportrait": "aniportrait"}.get(
        row["variant"].lower(), "sadtalker")


def layout(out: Path, holdout: str) -> dict[str, int]:
    rows = list(_rows(TH))
    fake_groups = {r["group"] for r in rows if r["label"] == "fake" and family(r) == holdout}
    real_repos = {r["variant"] for r in rows if r["label"] == "fake" and family(r) == holdout}
    counts: dict[str, int] = {}

    def put(split, label, src, name):
        _link(src, out / split / label / name)
        counts[f"{split}/{label}"] = counts.get(f"{split}/{label}", 0) + 1

    for r in rows:
        src = SHARED / TH / r["path"]
        held = (family(r) == holdout) if r["label"] == "fake" else (
            r["group"] in fake_groups or r["variant"] in real_repos)
        put("validation" if held else "train", r["label"], src, Path(r["path"]).name)
    for r in _rows("grid_real_videos"):
        put("validation", "real", SHARED / "grid_real_videos" / r["path"], "grid__" + Path(r["path"]).name)
    for r in _rows("liveportrait_real_videos"):
        put("train", "real", SHARED / "liveportrait_real_videos" / r["path"], "lp__" + Path(r["path"]).name)
    return counts


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--holdout", choices=FAMILIES, required=True)
    a = ap.parse_args()
    if not SHARED.is_dir():
        raise SystemExit(f"{SHARED} is not there")
    for k, v in sorted(layout(Path(a.out), a.holdout).items()):
        print(f"{v:5d}  {k}")
    sys.exit(0)
