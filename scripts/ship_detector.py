"""Ship a bundle trained from a recipe into models/, its card completed from measurements.

    .venv/bin/python scripts/ship_detector.py TRAINED_BUNDLE --id default-frame \\
        --unseen /tmp/dfi-eval/unseen.json --recipe scripts/recipes/default-frame.json \\
        --speed /tmp/dfi-eval/speed.json [--default]

Copies ``model.keras``, the card and the reliability diagram; adds to the card what the training
run cannot know: the video AUC per unseen source with 95 % intervals and robustness
(``scripts/eval_unseen.py``), speed (``bench/engine_speed.py --json``), the recipe, the families of
manipulation it covers, and limits written from those numbers. Nothing here trains or scores.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.forensic import atomic  # noqa: E402
from core.models.bundle import CARD_FILE, MODEL_FILE, parse_card, read_bundle  # noqa: E402

FAMILIES = {
    "celebdf_pairs": "face swap (Celeb-DF v2)",
    "celebdf_pairs_validation": "face swap (Celeb-DF v2, the validation groups: they chose the epoch, threshold and "
                                "calibration)",
    "celebdf_faceclips": "face swap (Celeb-DF v2 face clips, hard cases picked against a published detector)",
    "deepfacelive": "real-time face swap (DeepFaceLive)",
    "deepfacelive_validation": "real-time face swap (DeepFaceLive, the groups earlier defaults validated on)",
    "talking_heads": "fully synthetic / re-animated talking heads (SadTalker, AniPortrait, DreamTalk, MuseV)",
}


def unseen_summary(doc: dict, model_key: str) -> dict:
    summary = doc["models"][model_key]["summary"]
    return {"command": doc.get("command"), "every_nth_frame": doc.get("every"), "by_source": summary}


def limits_from(summary: dict, threshold: float) -> list[str]:
    out = []
    for key, m in summary.items():
        v = m["video"]
        if v["auc"] is None:
            continue
        source, variant = key.split("/", 1)
        what = FAMILIES.get(source, source)
        if variant == "original" and v["auc"] < 0.7:
            out.append(f"Weak on {what}: video AUC {v['auc']:.2f} [{v['low']:.2f}, {v['high']:.2f}] "
                       f"({v['real']} real, {v['fake']} fake videos).")
        if variant in ("jpeg30", "half", "blur"):
            out.append(f"{what}, {variant}: video AUC {v['auc']:.2f} [{v['low']:.2f}, {v['high']:.2f}].")
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("bundle")
    ap.add_argument("--id", required=True)
    ap.add_argument("--name")
    ap.add_argument("--description", help="replaces the architecture's text the training run wrote")
    ap.add_argument("--unseen", help="scripts/eval_unseen.py output")
    ap.add_argument("--unseen-key", help="the model's key in that file (default: the bundle path)")
    ap.add_argument("--speed", help="bench/engine_speed.py --json output")
    ap.add_argument("--recipe")
    ap.add_argument("--families", default="", help="what it covers, in words; several separated by ';'")
    ap.add_argument("--note", action="append", default=[], help="a limit or failure case seen, in words")
    ap.add_argument("--default", action="store_true", help="make it the app's default model")
    a = ap.parse_args()
    src = read_bundle(a.bundle)
    card = json.loads((Path(src.path) / CARD_FILE).read_text())
    if a.name:
        card["name"] = a.name
    if a.description:
        card["description"] = a.description
    metrics = dict(card.get("metrics", {}))
    limits = list(card.get("limits", []))
    if a.unseen:
        doc = json.loads(Path(a.unseen).read_text())
        u = unseen_summary(doc, a.unseen_key or a.bundle)
        metrics["unseen_sources"] = u
        limits += limits_from(u["by_source"], card["threshold"])
    if a.speed:
        metrics["speed"] = json.loads(Path(a.speed).read_text())
    if a.families:
        card["training"]["covers"] = [f.strip() for f in a.families.split(";") if f.strip()]
    if a.recipe:
        card["training"]["recipe"] = {"file": str(Path(a.recipe).relative_to(ROOT)) if Path(a.recipe).is_absolute()
                                      else a.recipe, "content": json.loads(Path(a.recipe).read_text())}
    card["metrics"], card["limits"] = metrics, limits + a.note
    parse_card(card, a.id)
    target = ROOT / "models" / a.id
    if target.exists():
        shutil.rmtree(target)
    with atomic.staged_folder(target, f"ship {a.id}") as tmp:
        shutil.copyfile(Path(src.path) / MODEL_FILE, tmp / MODEL_FILE)
        for extra in Path(src.path).glob("*.png"):
            shutil.copyfile(extra, tmp / extra.name)
        (tmp / CARD_FILE).write_text(json.dumps(card, indent=2, allow_nan=False) + "\n")
    if a.default:
        (ROOT / "models" / "default_model.txt").write_text(a.id + "\n")
    info = read_bundle(target)
    print(f"{info.id}: {info.card.name}, {info.size_bytes} bytes, sha256 {info.weights_sha256()}")


if __name__ == "__main__":
    main()
