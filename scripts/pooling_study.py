"""Would another video score, or several models together, rank unseen videos better? From stored scores only.

    .venv/bin/python scripts/pooling_study.py EVAL.json [EVAL.json ...] [--ensemble]

Each EVAL is a ``scripts/eval_unseen.py`` result; nothing is scored again. Two questions:

- *Pooling.* The engine's video score is the mean of its most suspicious track's frame scores
  (``score`` in the file). For every model in every file, each per-source video AUC is recomputed
  with other poolings (median, upper quantiles, the top quarter's mean, the mean log-odds, the
  maximum) of the stored frame scores, which are every scored face of the video (the file keeps no
  tracks; the clips these sources hold show one person); printed per source: the mean AUC over the
  models, the mean change from the engine's score, and how many models each pooling helps and hurts.
- *Ensembles* (``--ensemble``). The models' video scores averaged, over every subset of two or more
  models, on the videos all of them scored: whether models trained apart make errors apart.

No pooling or subset is chosen here; pick on validation sources (``celebdf_pairs_validation``,
``deepfacelive_validation``) before looking at the held-out ones.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from core.models.calibration import logit  # noqa: E402
from core.training.metrics import roc_auc  # noqa: E402

POOLINGS = {
    "median": np.median,
    "75th percentile": lambda f: np.quantile(f, 0.75),
    "90th percentile": lambda f: np.quantile(f, 0.9),
    "top quarter mean": lambda f: np.sort(f)[-max(1, len(f) // 4):].mean(),
    "mean log-odds": lambda f: logit(f).mean(),
    "maximum": np.max,
}


def load(path: Path) -> dict[str, list[dict]]:
    """Each model's scored videos in one eval_unseen result (videos with no scored frame left out)."""
    models = json.loads(path.read_text())["models"]
    return {f"{path.stem}:{name}" if len(models) > 1 else path.stem:
            [v for v in m["videos"] if v.get("frame_scores")] for name, m in models.items()}


def by_source(videos: list[dict]) -> dict[str, list[dict]]:
    out = defaultdict(list)
    for v in videos:
        out[v["source"]].append(v)
    return out


def pooling_table(models: dict[str, list[dict]]) -> list[str]:
    """Per source and pooling: mean AUC over the models, mean change from ``score``, helped/hurt counts."""
    aucs: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for videos in models.values():
        for source, vs in by_source(videos).items():
            y = [int(v["label"]) for v in vs]
            aucs[source]["engine score"].append(roc_auc(y, [float(v["score"]) for v in vs]))
            for name, pool in POOLINGS.items():
                aucs[source][name].append(roc_auc(y, [float(pool(np.asarray(v["frame_scores"], float))) for v in vs]))
    lines = []
    for source, table in sorted(aucs.items()):
        base = np.asarray(table["engine score"], float)
        lines.append(f"{source} ({len(base)} models): engine score mean video AUC {base.mean():.3f}")
        for name in POOLINGS:
            a = np.asarray(table[name], float)
            lines.append(f"  {name:17s} {a.mean():.3f}  change {np.mean(a - base):+.3f}  "
                         f"better for {int(np.sum(a > base + 1e-9))}, worse for {int(np.sum(a < base - 1e-9))}")
    return lines


def ensemble_table(models: dict[str, list[dict]]) -> list[str]:
    """Per source: each model's video AUC, then the mean/min/max over subsets of each size of the averaged score."""
    scores = {name: {(v["source"], v["path"]): (int(v["label"]), float(v["score"])) for v in vs}
              for name, vs in models.items()}
    names = list(scores)
    common = set.intersection(*(set(s) for s in scores.values()))
    lines = []
    for source in sorted({k[0] for k in common}):
        keys = sorted(k for k in common if k[0] == source)
        y = [scores[names[0]][k][0] for k in keys]
        lines.append(f"{source} ({len(keys)} videos)")
        for n in names:
            lines.append(f"  {n:28s} {roc_auc(y, [scores[n][k][1] for k in keys]):.3f}")
        for size in range(2, len(names) + 1):
            a = [roc_auc(y, [np.mean([scores[n][k][1] for n in subset]) for k in keys])
                 for subset in itertools.combinations(names, size)]
            lines.append(f"  mean of {size} models' scores over {len(a)} subsets: "
                         f"mean {np.mean(a):.3f}, min {min(a):.3f}, max {max(a):.3f}")
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("evals", nargs="+", type=Path, metavar="EVAL.json")
    ap.add_argument("--ensemble", action="store_true", help="also average the models' video scores")
    args = ap.parse_args()
    models: dict[str, list[dict]] = {}
    for path in args.evals:
        models |= load(path)
    print("\n".join(pooling_table(models)))
    if args.ensemble:
        if len(models) < 2:
            ap.error("--ensemble needs two models or more")
        print("\n".join(ensemble_table(models)))


if __name__ == "__main__":
    main()
