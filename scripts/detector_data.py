"""Lay out ../shared/data as the training folders the shipped detector's recipe expects.

    .venv/bin/python scripts/detector_data.py DIR [--utkface N]   # then: main.py train DIR --recipe scripts/recipes/...
    .venv/bin/python scripts/detector_data.py --unseen DIR   # real/ fake/ of the unseen videos (evaluate, bench)
    .venv/bin/python scripts/detector_data.py --with-deepfacelive DIR   # the variant that also sees DeepFaceLive
    .venv/bin/python scripts/detector_data.py --validate-on-deepfacelive DIR   # validation on two sources
    .venv/bin/python scripts/detector_data.py --train-on-deepfacelive-reals DIR   # webcam recordings train too

Nothing is copied: ``DIR`` holds symbolic links into ../shared/data (which must never be copied
into the project), in the layout ``core.training`` reads:

- ``train/real/``: every real face that no evaluation uses: UTKFace and CelebA photos, GRID and
  LivePortrait talking-head videos. ``train/fake/`` stays empty: the fakes are self-blends made
  from these reals while training (the protocol of Shiohara and Yamasaki), so no face-swap method
  is ever seen. UTKFace's chips are cut tight to the face, so a crop of one is the face inside black
  bands with no skin, hair or background around it for a blending boundary to cross; only ``N``
  of them (default 1,000, spread evenly through the list) join, so they do not
  outnumber the photos and video frames that show a face in its surroundings.
- ``validation/``: real face swaps, for choosing the epoch, the threshold and the calibration (the
  model never trains on them): the Celeb-DF v2 pairs of every other identity group
  (:func:`celebdf_validation_groups`: a real clip, its fakes and their re-encodes share a group), both
  as published and re-encoded. Not the Celeb-DF face clips: they were picked as hard cases for a
  published detector, and a model that ranks ordinary Celeb-DF fakes well ranks these backwards
  (one run's checkpoints: video AUC 0.12-0.29 on them while 0.69-0.77 on the pairs), so choosing on
  them chose worse models. Not DeepFaceLive either: every model tried scores it near chance, so as 80 % of the
  validation faces it drowned the signal; all 25 of its recording groups are kept unseen.

``--with-deepfacelive`` lays out the one variant that trains on real face swaps as well: the same folders
plus DeepFaceLive recordings and their swaps (:func:`dfl_supervised_groups`: recording groups joined
where they share a swapped-in face model, the largest such component trains, the next two validate
beside Celeb-DF, the rest stays unseen by face model and by recording). DeepFaceLive no longer counts
as an unseen source for that variant; its held-out part is ``deepfacelive_unseen_models`` in
``scripts/eval_unseen.py``.

``--validate-on-deepfacelive`` keeps training on real faces only and validates on two sources, each in
its own folder: the Celeb-DF pairs above and the DeepFaceLive recording groups earlier defaults
validated on (:func:`dfl_validation_groups`; the other groups stay unseen), for choosing on
``val_source_auc``.

``--train-on-deepfacelive-reals`` is that layout with half of those DeepFaceLive groups moved to
training, their *real* recordings only (:func:`dfl_real_training_groups`): more varied real recordings
(webcams, streams, beauty filters) among the faces that are self-blended, and still no face swap seen.
Their swaps are used nowhere; the other half validates; the unseen groups stay as they are.

Evaluation on what nothing was trained or selected on (the other Celeb-DF v2 pair groups, the face
clips, DeepFaceLive, the talking-head generators) is ``scripts/eval_unseen.py``.
"""

from __future__ import annotations

import argparse
import csv
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
TRAIN_REAL = ("utkface_real", "celeba_wild_real", "grid_real_videos", "liveportrait_real_videos")
CELEBDF_PAIRS = "celebdf_v2_pairs"
DFL = "deepfacelive_pairs"
TIGHT_CHIPS = "utkface_real"


def dfl_validation_groups() -> set[str]:
    """Every other DeepFaceLive recording group, in sorted order: the previous defaults validated on these."""
    groups = sorted({row["group"] for row in _rows(DFL)})
    return set(groups[::2])


def _face_model(path: str) -> str | None:
    """The swapped-in face model a DeepFaceLive file is named for (``Kim_Jarrey_1_swap_rightpanel.mp4``
    and its original ``Kim_Jarrey_1_original_leftpanel.mp4``: ``Kim_Jarrey``); None for other names."""
    m = re.match(r"(.+?)_\d+_(?:swap|original)_", Path(path).name)
    return m.group(1) if m else None


def dfl_components() -> list[set[str]]:
    """DeepFaceLive's recording groups, joined where they share a face model, largest first (most
    videos; ties by their smallest group name). One face model swapped onto several recordings puts
    them all on one side of a split, so a variant trained on some swaps meets neither the recordings
    nor the face models of those it is measured on."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            x = parent[x]
        return x

    videos: dict[str, int] = {}
    for row in _rows(DFL):
        group = "g:" + row["group"]
        find(group)
        videos[row["group"]] = videos.get(row["group"], 0) + 1
        model = _face_model(row["path"])
        if model:
            parent[find(group)] = find("m:" + model)
    comps: dict[str, set[str]] = {}
    for node in list(parent):
        if node.startswith("g:"):
            comps.setdefault(find(node), set()).add(node[2:])
    return sorted(comps.values(), key=lambda c: (-sum(videos[g] for g in c), min(c)))


def dfl_supervised_groups() -> dict[str, set[str]]:
    """Which DeepFaceLive recording groups the variant trained on swaps uses: the largest component
    trains, the next two validate, every other one is held out."""
    comps = dfl_components()
    return {"train": set(comps[0]), "validation": set().union(*comps[1:3]),
            "held_out": set().union(*comps[3:])}


def dfl_real_training_groups() -> dict[str, set[str]]:
    """:func:`dfl_validation_groups` split in two, every other one in sorted order: the first half's
    real recordings train, the second half validates (real and fake)."""
    groups = sorted(dfl_validation_groups())
    return {"train": set(groups[::2]), "validation": set(groups[1::2])}


def celebdf_validation_groups() -> set[str]:
    """Every other Celeb-DF v2 pair group, in sorted order, starting with the second: these validate, the
    rest (the larger half, with the most videos) are held out. Groups as ``scripts/eval_unseen.py`` makes them."""
    from eval_unseen import celebdf  # it imports this module: import when called

    groups = sorted({v["group"] for v in celebdf(CELEBDF_PAIRS, "celebdf_pairs")})
    return set(groups[1::2])


def _rows(folder: str):
    with open(SHARED / folder / "labels.csv", newline="", encoding="utf-8") as fh:
        yield from csv.DictReader(fh)


def _link(src: Path, dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    if dest.is_symlink() or dest.exists():
        dest.unlink()
    dest.symlink_to(src.resolve())


def _spread(rows: list[dict], n: int | None) -> list[dict]:
    """``n`` rows evenly spaced through ``rows`` (all of them when ``n`` is None or larger)."""
    if n is None or n >= len(rows):
        return rows
    return [rows[int(i * len(rows) / n)] for i in range(n)] if n > 0 else []


def layout(out: Path, tight_chips: int | None = 1000, by_source: bool = False) -> dict[str, int]:
    """The shipped default's folders. ``by_source``: validation files go one folder deeper, under
    ``celebdf_pairs/``, so that the trainer measures each validation source on its own."""
    counts: dict[str, int] = {}
    (out / "train" / "fake").mkdir(parents=True, exist_ok=True)
    for folder in TRAIN_REAL:
        rows = [r for r in _rows(folder) if r["label"] == "real"]
        for row in _spread(rows, tight_chips) if folder == TIGHT_CHIPS else rows:
            src = SHARED / folder / row["path"]
            if not src.is_file():
                continue
            # one folder per source keeps names unique; CelebA's identity folders become file prefixes
            _link(src, out / "train" / "real" / folder / row["path"].replace("/", "__"))
            counts[f"train/real/{folder}"] = counts.get(f"train/real/{folder}", 0) + 1
    from eval_unseen import celebdf

    chosen = celebdf_validation_groups()
    for v in celebdf(CELEBDF_PAIRS, "celebdf_pairs"):
        if v["group"] in chosen:
            label = "fake" if v["label"] else "real"
            where = out / "validation" / label / ("celebdf_pairs" if by_source else "")
            _link(Path(v["path"]), where / f"celebdf__{Path(v['path']).name}")
            key = f"validation/{label} (Celeb-DF v2 pairs)"
            counts[key] = counts.get(key, 0) + 1
    return counts


def layout_with_dfl(out: Path, tight_chips: int | None = 1000) -> dict[str, int]:
    """:func:`layout`, plus the DeepFaceLive recordings and swaps of :func:`dfl_supervised_groups`'s
    training component in ``train/`` and of its validation components in ``validation/``; each
    validation source in a folder of its own (``celebdf_pairs/``, ``deepfacelive/``)."""
    counts = layout(out, tight_chips, by_source=True)
    sides = dfl_supervised_groups()
    for split in ("train", "validation"):
        _link_dfl(out, split, sides[split], counts)
    return counts


def layout_two_sources(out: Path, tight_chips: int | None = 1000) -> dict[str, int]:
    """:func:`layout` with validation in ``celebdf_pairs/`` and ``deepfacelive/`` (the recording groups
    of :func:`dfl_validation_groups`); training stays on real faces only."""
    counts = layout(out, tight_chips, by_source=True)
    _link_dfl(out, "validation", dfl_validation_groups(), counts)
    return counts


def layout_dfl_reals(out: Path, tight_chips: int | None = 1000) -> dict[str, int]:
    """:func:`layout_two_sources` with half its DeepFaceLive groups training, as real recordings only
    (:func:`dfl_real_training_groups`)."""
    counts = layout(out, tight_chips, by_source=True)
    sides = dfl_real_training_groups()
    _link_dfl(out, "train", sides["train"], counts, labels=("real",))
    _link_dfl(out, "validation", sides["validation"], counts)
    return counts


def _link_dfl(out: Path, split: str, groups: set[str], counts: dict[str, int],
              labels: tuple[str, ...] = ("real", "fake")) -> None:
    """Link the DeepFaceLive videos of recording ``groups`` (those of class ``labels``) into
    ``split/<class>/deepfacelive/``."""
    for row in _rows(DFL):
        if row["group"] in groups and row["label"] in labels:
            _link(SHARED / DFL / row["path"], out / split / row["label"] / "deepfacelive" / Path(row["path"]).name)
            key = f"{split}/{row['label']} (DeepFaceLive)"
            counts[key] = counts.get(key, 0) + 1


UNSEEN_PREFIX = {"celebdf_pairs": "cdf", "celebdf_faceclips": "fc", "deepfacelive": "dfl",
                 "deepfacelive_validation": "dfl"}


def layout_unseen(out: Path) -> dict[str, int]:
    """``out/real`` and ``out/fake`` holding links to the unseen videos of the face-swap sources, named
    ``<source>__<file>`` (``cdf``: held-out Celeb-DF pair groups, ``fc``: Celeb-DF face clips, ``dfl``:
    all of DeepFaceLive), for ``main.py evaluate`` and ``bench/score_stability.py``."""
    from eval_unseen import SOURCES

    counts: dict[str, int] = {}
    for source, prefix in UNSEEN_PREFIX.items():
        for v in SOURCES[source]():
            label = "fake" if v["label"] else "real"
            _link(Path(v["path"]), out / label / f"{prefix}__{Path(v['path']).name}")
            counts[f"{label} ({prefix})"] = counts.get(f"{label} ({prefix})", 0) + 1
    return counts


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", type=Path)
    ap.add_argument("--utkface", type=int, default=1000, help="how many UTKFace chips join (default 1000)")
    ap.add_argument("--unseen", action="store_true", help="lay out the unseen face-swap videos instead")
    ap.add_argument("--with-deepfacelive", action="store_true",
                    help="also train and validate on part of DeepFaceLive (the supervised variant)")
    ap.add_argument("--validate-on-deepfacelive", action="store_true",
                    help="real faces only, validated on Celeb-DF and half of DeepFaceLive, each apart")
    ap.add_argument("--train-on-deepfacelive-reals", action="store_true",
                    help="as --validate-on-deepfacelive, with half its DeepFaceLive groups' real recordings training")
    args = ap.parse_args()
    if not SHARED.is_dir():
        raise SystemExit(f"{SHARED} is not there: this script lays out the research data beside the project")
    if args.out.exists() and any(args.out.iterdir()):
        raise SystemExit(f"{args.out} is not empty: lay the data out in a new folder")
    if args.unseen:
        done = layout_unseen(args.out)
    else:
        how = (layout_with_dfl if args.with_deepfacelive else
               layout_two_sources if args.validate_on_deepfacelive else
               layout_dfl_reals if args.train_on_deepfacelive_reals else layout)
        done = how(args.out, args.utkface)
    for k, v in done.items():
        print(f"{v:6d}  {k}")
