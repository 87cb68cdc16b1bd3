"""Store a bundle's kernels as float16 if that moves its validation AUC by less than 0.005.

    DFI_HOME=/tmp/dfi-home .venv/bin/python scripts/halve_bundle.py models/sbi-efficientnet-lite0-v2 \\
        --data /tmp/dfi-data3 --frames-per-video 48

Scores the validation split twice through ``main.py evaluate`` (the real engine: detection,
crops, calibration), with the weights as they are and halved (core.models.storage), and only if
the AUC moves less than the bound replaces ``model.keras`` and records both measurements in the
card (``training.weights_storage``, ``metrics.float16_storage``). Nothing here trains.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.forensic import atomic  # noqa: E402
from core.models.bundle import CARD_FILE, MODEL_FILE, read_bundle  # noqa: E402
from core.models.storage import halve_weights  # noqa: E402

MAX_AUC_CHANGE = 0.005  # the detector issue's bound for shipping float16 weights


def evaluate(bundle: Path, data: str, frames: int, out: Path) -> dict:
    cmd = [sys.executable, str(ROOT / "main.py"), "evaluate", data, "--split", "validation",
           "--model", str(bundle), "--frames-per-video", str(frames), "--json", str(out)]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return json.loads(out.read_text())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("bundle", type=Path)
    ap.add_argument("--data", required=True, help="the training data folder whose validation split chose the model")
    ap.add_argument("--frames-per-video", type=int, default=48)
    args = ap.parse_args()
    info = read_bundle(args.bundle)
    if info.card.training.get("weights_storage"):
        raise SystemExit(f"{args.bundle} is already stored as {info.card.training['weights_storage']['kernels']}")
    with tempfile.TemporaryDirectory() as tmp:
        half = Path(tmp) / "half"  # a bundle beside the original, only its weights halved
        shutil.copytree(args.bundle, half)
        report = halve_weights(args.bundle / MODEL_FILE, half / MODEL_FILE)
        a = evaluate(args.bundle, args.data, args.frames_per_video, Path(tmp) / "full.json")
        b = evaluate(half, args.data, args.frames_per_video, Path(tmp) / "half.json")
        # frame AUC, the card's val_auc (validation has few videos: their AUC is reported beside it)
        auc_a, auc_b = a["frame"]["roc_auc"], b["frame"]["roc_auc"]
        scores_a = {f["path"]: f["score"] for f in a["files"] if f["score"] is not None}
        scores_b = {f["path"]: f["score"] for f in b["files"] if f["score"] is not None}
        if scores_a.keys() != scores_b.keys():
            raise SystemExit("the two runs scored different files")
        change = max(abs(scores_a[k] - scores_b[k]) for k in scores_a)
        print(f"validation frame AUC float32 {auc_a:.4f}, float16 kernels {auc_b:.4f} (video "
              f"{a['video']['roc_auc']:.4f} / {b['video']['roc_auc']:.4f}); largest change of a file's mean score "
              f"{change:.4f}; {report.bytes_before:,} -> {report.bytes_after:,} bytes")
        if abs(auc_a - auc_b) >= MAX_AUC_CHANGE:
            print(f"not stored: the AUC moved by {abs(auc_a - auc_b):.4f} (bound {MAX_AUC_CHANGE})")
            return 1
        card = info.card.to_json()
        card["training"]["weights_storage"] = {
            "kernels": "float16", "other": "float32", "computed_in": "float32",
            "kernels_halved": report.halved, "arrays": report.arrays,
            "bytes_float32": report.bytes_before, "bytes": report.bytes_after,
        }
        card["metrics"]["float16_storage"] = {
            "command": "scripts/halve_bundle.py " + " ".join(sys.argv[1:]),
            "split": "validation", "files": len(scores_a), "crops": a["frame"]["n"],
            "frame_auc_float32": auc_a, "frame_auc_float16": auc_b,
            "video_auc_float32": a["video"]["roc_auc"], "video_auc_float16": b["video"]["roc_auc"],
            "max_file_score_change": change,
        }
        shutil.move(half / MODEL_FILE, args.bundle / MODEL_FILE)
        atomic.write_json(args.bundle / CARD_FILE, card)
    read_bundle(args.bundle)  # the result still loads and validates
    print(f"stored: {args.bundle / MODEL_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
