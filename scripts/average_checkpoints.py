"""Average the weights of a run's per-epoch checkpoints into one bundle (weight averaging over epochs).

    .venv/bin/python scripts/average_checkpoints.py OUT CKPT [CKPT ...]

Each CKPT is a bundle a run saved after one of its epochs (the same architecture, so the same
weights in the same order). OUT gets the mean of every weight array, batch-norm statistics
included, with the last checkpoint's card (its name marked as averaged, its calibration
dropped, since that was fitted to other weights). A probe for whether averaging epochs gives a
model that does better on unseen footage than the epochs it averages; measure it with
``scripts/eval_unseen.py --model OUT``. Nothing here trains.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.errors import TrainingError  # noqa: E402
from core.models.bundle import CARD_FILE, MODEL_FILE, load_keras_model, read_bundle  # noqa: E402
from core.training.averaging import WeightAverage  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", type=Path)
    ap.add_argument("checkpoints", type=Path, nargs="+")
    args = ap.parse_args()
    if args.out.exists():
        raise SystemExit(f"{args.out} exists: write the average to a new folder")
    average = WeightAverage()  # the trainer's running mean (--average-from), here over saved checkpoints
    for i, path in enumerate(args.checkpoints, 1):
        model = load_keras_model(read_bundle(path))
        try:
            average.add(model.get_weights(), i)
        except TrainingError as exc:
            raise SystemExit(f"{path}: {exc}") from None
    model.set_weights(average.weights_like(model.get_weights()))
    shutil.copytree(args.checkpoints[-1], args.out, ignore=shutil.ignore_patterns("*.npz", MODEL_FILE, "*.png"))
    model.save(args.out / MODEL_FILE)
    card = json.loads((args.out / CARD_FILE).read_text(encoding="utf-8"))
    card["name"] = f"{card.get('name', '')} (weights averaged over {average.count} checkpoints)"
    card["calibration"] = None
    card.setdefault("training", {})["averaged_checkpoints"] = [str(p) for p in args.checkpoints]
    (args.out / CARD_FILE).write_text(json.dumps(card, indent=2), encoding="utf-8")
    print(f"wrote {args.out}: the mean of {average.count} checkpoints")


if __name__ == "__main__":
    main()
