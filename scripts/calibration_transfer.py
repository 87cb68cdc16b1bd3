"""Does a calibration fitted on some sources hold on others? Refits the model's Platt scaling on the
frame scores of chosen sources and prints the calibration error it then has on every source.

    .venv/bin/python scripts/calibration_transfer.py EVAL.json --card models/ID/card.json \\
        --fit celebdf_pairs_validation --fit celebdf_pairs_validation,deepfacelive_validation

EVAL is ``scripts/eval_unseen.py`` output for the model whose card is given: its stored scores are
calibrated with that card's calibration, which is undone first. Each ``--fit`` (a comma list of
sources, repeatable) is one refit; the first line is the card's own calibration. Video scores here
are the mean of a video's calibrated frame scores, not the app's verdict score.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.models.calibration import apply, fit_platt, logit  # noqa: E402
from core.training.metrics import expected_calibration_error  # noqa: E402

VARIANTS = ("original", "H.264 re-encode")


def uncalibrated(scores, card_calibration: dict | None) -> np.ndarray:
    s = np.asarray(scores, np.float64)
    if not card_calibration:
        return s
    z = (logit(s) - float(card_calibration["intercept"])) / float(card_calibration["slope"])
    return 1.0 / (1.0 + np.exp(-z))


def report(videos: list[dict], calibration: dict | None) -> dict[str, tuple[float, float]]:
    """{source: (frame ECE, video ECE)} with ``calibration`` applied to the raw scores."""
    out = {}
    for src in sorted({v["source"] for v in videos}):
        sel = [v for v in videos if v["source"] == src and v["raw"].size]
        y = np.concatenate([np.full(v["raw"].size, v["label"]) for v in sel])
        frames = np.concatenate([apply(v["raw"], calibration) for v in sel])
        means = [float(np.mean(apply(v["raw"], calibration))) for v in sel]
        out[src] = (expected_calibration_error(y, frames),
                    expected_calibration_error([v["label"] for v in sel], means))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("eval_json", type=Path)
    ap.add_argument("--card", type=Path, required=True, help="the card whose calibration the scores carry")
    ap.add_argument("--model-key", help="the model's key in EVAL (default: its only one)")
    ap.add_argument("--fit", action="append", default=[], help="comma list of sources to refit on")
    a = ap.parse_args()
    doc = json.loads(a.eval_json.read_text())
    res = doc["models"][a.model_key] if a.model_key else next(iter(doc["models"].values()))
    card_cal = json.loads(a.card.read_text()).get("calibration")
    videos = [dict(v, raw=uncalibrated(v["frame_scores"], card_cal)) for v in res["videos"]
              if v["variant"] in VARIANTS]
    fits = [("card", card_cal)]
    for spec in a.fit:
        chosen = [v for v in videos if v["source"] in spec.split(",") and v["raw"].size]
        y = np.concatenate([np.full(v["raw"].size, v["label"]) for v in chosen])
        slope, intercept = fit_platt(y, np.concatenate([v["raw"] for v in chosen]))
        fits.append((f"fit on {spec}", {"slope": slope, "intercept": intercept}))
    every = np.concatenate([v["raw"] for v in videos])
    for name, cal in fits:
        cells = " | ".join(f"{src} {f:.3f} / {v:.3f}" for src, (f, v) in report(videos, cal).items())
        lo, hi = np.percentile(apply(every, cal), [5, 95])
        print(f"{name} (slope {cal['slope']:.2f}, intercept {cal['intercept']:+.2f}; 90 % of frame scores in "
              f"[{lo:.2f}, {hi:.2f}]): ECE frame / video: {cells}")


if __name__ == "__main__":
    main()
