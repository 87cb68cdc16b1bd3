"""Which validation measure picks the checkpoint that does best on footage no model saw?

    .venv/bin/python scripts/selection_study.py CKPT=EVAL.json [CKPT=EVAL.json ...]

Each CKPT is a bundle saved after one epoch of a run (its card's last history entry is that
epoch); each EVAL is ``scripts/eval_unseen.py --model CKPT --sources celebdf_pairs_validation,
deepfacelive_validation,celebdf_pairs,deepfacelive`` for it. Prints, per checkpoint, the
validation measures one could select on (the trainer's frame AUC and loss on the validation
split; the engine's video and frame AUC on the same Celeb-DF validation groups; video AUC on the
DeepFaceLive groups earlier defaults validated on) beside the held-out video AUC, then each
measure's Spearman rank correlation with the held-out figures over the checkpoints, and the held-out
figures' mean over the checkpoints (a comparison of two runs' data that does not hang on which
epoch either kept).

A run validated on several sources (``detector_data.py --validate-on-deepfacelive``) adds the
trainer's own per-source measures: each source's frame AUC and their mean, ``val_source_auc``. The
engine's measures on validation videos are left out where the EVAL file did not score them.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

HELD_OUT = ("unseen CDF video", "unseen DFL-A video")


def _auc(summary: dict, key: str, level: str = "video") -> float | None:
    return float(summary[key][level]["auc"]) if key in summary else None


def row(ckpt: Path, eval_json: Path) -> dict:
    last = json.loads((ckpt / "card.json").read_text())["training"]["history"][-1]
    (summary,) = [m["summary"] for m in json.loads(eval_json.read_text())["models"].values()]
    r = {"checkpoint": ckpt.name, "val frame AUC": last["val_auc"], "-val loss": -last["val_loss"]}
    for source, auc in (last.get("val_auc_by_source") or {}).items():
        r[f"val {source} frame"] = auc
    if last.get("val_source_auc") is not None:
        r["val_source_auc"] = last["val_source_auc"]
    r |= {"CDF-val video": _auc(summary, "celebdf_pairs_validation/all"),
          "CDF-val frame": _auc(summary, "celebdf_pairs_validation/all", "frame"),
          "DFL-B video": _auc(summary, "deepfacelive_validation/original"),
          "unseen CDF video": _auc(summary, "celebdf_pairs/all"),
          "unseen DFL-A video": _auc(summary, "deepfacelive/original")}
    return r


def spearman(a, b) -> float:
    """Rank correlation, ties given their mean rank."""
    def ranks(v):
        v = np.asarray(v, float)
        ordinal = np.argsort(np.argsort(v)).astype(float)
        for x in np.unique(v):
            ordinal[v == x] = ordinal[v == x].mean()
        return ordinal
    return float(np.corrcoef(ranks(a), ranks(b))[0, 1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("pairs", nargs="+", metavar="CKPT=EVAL.json")
    args = ap.parse_args()
    if any("=" not in a for a in args.pairs):
        ap.error("each argument is CKPT=EVAL.json")
    rows = [row(Path(c), Path(e)) for c, e in (a.split("=", 1) for a in args.pairs)]
    measures = [k for k in rows[0] if k not in ("checkpoint", *HELD_OUT) and all(r.get(k) is not None for r in rows)]
    cols = ("checkpoint", *measures, *HELD_OUT)
    print(" | ".join(cols))
    for r in rows:
        print(" | ".join(r["checkpoint"] if c == "checkpoint" else f"{r[c]:.3f}" for c in cols))
    for m in measures:
        rho = [spearman([r[m] for r in rows], [r[h] for r in rows]) for h in HELD_OUT]
        print(f"{m}: Spearman with {HELD_OUT[0]} {rho[0]:+.2f}, with {HELD_OUT[1]} {rho[1]:+.2f}")
    means = [float(np.mean([r[h] for r in rows])) for h in HELD_OUT]
    print(f"mean over the {len(rows)} checkpoints: {HELD_OUT[0]} {means[0]:.3f}, {HELD_OUT[1]} {means[1]:.3f}")


if __name__ == "__main__":
    main()
