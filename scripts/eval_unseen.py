"""Video-level validation on sources no candidate trained on, through the real engine.

    .venv/bin/python scripts/eval_unseen.py --model default-frame --model /tmp/meso4 --every 10 \\
        --out /tmp/dfi-eval/unseen.json [--robustness] [--sources celebdf_pairs,deepfacelive]

Each video is analysed as the app analyses it (``core.analysis.Engine``, every Nth frame, MTCNN,
tracking, the card's crop); its score is the app's own verdict score. Per source it reports the
video and frame ROC AUC with 95 % intervals from resampling whole identity / recording groups
(a real clip, its fakes and their re-encodes share a group), and the same on degraded copies
(``--robustness``: JPEG quality 30, half resolution, Gaussian blur) written once to a cache.
Results land in one JSON file; ``--markdown`` prints the table the README and cards quote.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
import time
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared" / "data"

sys.path.insert(0, str(ROOT / "scripts"))
from detector_data import celebdf_validation_groups, dfl_supervised_groups, dfl_validation_groups  # noqa: E402

from core.training.metrics import expected_calibration_error, roc_auc  # noqa: E402

SEED = 20261202
BOOT = 1000


class _Groups:
    """Union-find that names a group by the last identity joined. Not core.training.splits' (named by
    the smallest): the names order the bootstrap's groups, so the intervals quoted in the README and
    the cards reproduce only with these."""
    def __init__(self):
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            x = self.parent[x]
        return x

    def union(self, a: str, b: str) -> None:
        self.parent[self.find(a)] = self.find(b)


def _rows(folder: str):
    with open(SHARED / folder / "labels.csv", newline="", encoding="utf-8") as fh:
        yield from csv.DictReader(fh)


def celebdf(folder: str, source: str) -> list[dict]:
    """Celeb-DF videos grouped by identity: a fake idA_idB joins A's scene and B's face."""
    g, rows = _Groups(), []
    for row in _rows(folder):
        stem = Path(row["path"]).stem.split("_segment")[0]
        ids = re.findall(r"id\d+", stem) or [stem]  # a YouTube real clip has no identity id
        for other in ids[1:]:
            g.union(ids[0], other)
        rows.append((row, ids[0]))
    variant = {"": "original", "compressed_variant": "H.264 re-encode"}
    return [{"source": source, "path": str(SHARED / folder / r["path"]), "label": int(r["label"] == "fake"),
             "group": g.find(first), "variant": variant.get(r.get("variant") or "", r.get("variant") or "original"),
             "method": r["method"] if r["label"] == "fake" else "real"} for r, first in rows]


def grouped(folder: str, source: str, keep=lambda group: True) -> list[dict]:
    return [{"source": source, "path": str(SHARED / folder / r["path"]), "label": int(r["label"] == "fake"),
             "group": r["group"], "variant": "original", "method": r["method"] if r["label"] == "fake" else "real"}
            for r in _rows(folder) if keep(r["group"])]


def _pairs(source: str, validation: bool) -> list[dict]:
    keep = celebdf_validation_groups()
    return [dict(v, source=source) for v in celebdf("celebdf_v2_pairs", source) if (v["group"] in keep) == validation]


SOURCES = {
    # the groups the shipped detector's recipe validates on are reported apart (selection-biased)
    "celebdf_pairs": lambda: _pairs("celebdf_pairs", False),
    "celebdf_pairs_validation": lambda: _pairs("celebdf_pairs_validation", True),
    "celebdf_faceclips": lambda: celebdf("celebdf_v2_faceclips", "celebdf_faceclips"),
    # the recording groups earlier defaults validated on are reported apart
    "deepfacelive": lambda: grouped("deepfacelive_pairs", "deepfacelive", lambda g: g not in dfl_validation_groups()),
    "deepfacelive_validation": lambda: grouped("deepfacelive_pairs", "deepfacelive_validation",
                                               lambda g: g in dfl_validation_groups()),
    "talking_heads": lambda: grouped("talking_head_synthesis", "talking_heads"),
    # for the variant trained on DeepFaceLive swaps: the components it met neither the recordings nor
    # the face models of
    "deepfacelive_unseen_models": lambda: grouped("deepfacelive_pairs", "deepfacelive_unseen_models",
                                                  lambda g: g in dfl_supervised_groups()["held_out"]),
}

# --- degraded copies -------------------------------------------------------------------------------


def _degrade(rgb: np.ndarray, how: str) -> np.ndarray:
    if how == "jpeg30":
        bgr = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
        ok, buf = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, 30])
        return cv2.cvtColor(cv2.imdecode(buf, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
    if how == "half":
        h, w = rgb.shape[:2]
        return cv2.resize(rgb, (w // 2, h // 2), interpolation=cv2.INTER_AREA)
    if how == "blur":
        return cv2.GaussianBlur(rgb, (0, 0), 2.0)
    raise ValueError(how)


def degraded_copy(path: str, how: str, every: int, folder: Path) -> str:
    """The video's every-Nth frames, degraded, as a near-lossless MJPG clip at fps / N (cached)."""
    from core.video import iter_frames, probe

    out = folder / how / f"{Path(path).parent.name}__{Path(path).stem}.avi"
    if out.is_file():
        return str(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    info = probe(path)
    writer, tmp = None, out.with_suffix(".part.avi")
    for _, _, rgb in iter_frames(path, every=every):
        if rgb is None:
            continue
        img = _degrade(rgb, how)
        if writer is None:
            writer = cv2.VideoWriter(str(tmp), cv2.VideoWriter_fourcc(*"MJPG"), max(1.0, info.fps / every),
                                     (img.shape[1], img.shape[0]))
            writer.set(cv2.VIDEOWRITER_PROP_QUALITY, 100)
        writer.write(cv2.cvtColor(img, cv2.COLOR_RGB2BGR))
    if writer is not None:
        writer.release()
        tmp.rename(out)
    return str(out)


# --- scoring and statistics ------------------------------------------------------------------------


def score_videos(model: str, videos: list[dict], every: int, log) -> list[dict]:
    from core.analysis import AnalysisParams, Engine

    engine = Engine(model)
    out = []
    for k, v in enumerate(videos):
        t0 = time.perf_counter()
        r = engine.analyze(v["path"], AnalysisParams(every=v.get("every", every)))
        frames = [f.score for f in r.frames if f.score is not None]
        out.append({**v, "score": r.verdict.score if frames else None, "frames_scored": len(frames),
                    "frame_scores": frames, "seconds": round(time.perf_counter() - t0, 2)})
        log(f"  [{k + 1}/{len(videos)}] {Path(v['path']).name}: "
            f"{'no face' if not frames else f'{r.verdict.score:.3f}'} ({len(frames)} frames)")
    return out


def auc_with_interval(items: list[dict], level: str, seed: int = SEED) -> dict:
    """AUC and its 95 % interval, resampling whole groups; ``level`` 'video' or 'frame'."""
    def flat(rows):
        if level == "video":
            ys = [r["label"] for r in rows if r["score"] is not None]
            ss = [r["score"] for r in rows if r["score"] is not None]
        else:
            ys = [r["label"] for r in rows for _ in r["frame_scores"]]
            ss = [s for r in rows for s in r["frame_scores"]]
        return np.array(ys), np.array(ss)

    y, s = flat(items)
    if len(set(y.tolist())) < 2:
        return {"auc": None, "low": None, "high": None, "n": int(len(y))}
    by_group: dict[str, list[dict]] = {}
    for r in items:
        by_group.setdefault(r["group"], []).append(r)
    groups = sorted(by_group)
    rng = np.random.default_rng(seed)
    vals = []
    for _ in range(BOOT):
        pick = [r for g in rng.choice(groups, len(groups)) for r in by_group[g]]
        yb, sb = flat(pick)
        if len(set(yb.tolist())) == 2:
            vals.append(roc_auc(yb, sb))
    lo, hi = np.percentile(vals, [2.5, 97.5])
    return {"auc": round(float(roc_auc(y, s)), 4), "low": round(float(lo), 4), "high": round(float(hi), 4),
            "n": int(len(y)), "real": int((y == 0).sum()), "fake": int((y == 1).sum()), "groups": len(groups)}


def within_groups(items: list[dict]) -> dict:
    """How often a fake scores above a real video *of the same group* (its own original recording or
    scene), ties counted half: video AUC with the difference between recordings taken out. Far above
    the plain video AUC means the score carries each recording's look as much as the manipulation."""
    by_group: dict[str, list[dict]] = {}
    for r in items:
        if r["score"] is not None:
            by_group.setdefault(r["group"], []).append(r)
    wins = pairs = 0.0
    for rows in by_group.values():
        for f in (r["score"] for r in rows if r["label"] == 1):
            for t in (r["score"] for r in rows if r["label"] == 0):
                wins += 1.0 if f > t else 0.5 if f == t else 0.0
                pairs += 1
    return {"auc": round(wins / pairs, 4) if pairs else None, "pairs": int(pairs)}


def calibration_error(items: list[dict]) -> dict:
    """Expected calibration error of the (calibrated) scores on these videos, frame and video level:
    whether a score read as a probability holds on footage the calibration never saw."""
    frames = [(r["label"], s) for r in items for s in r["frame_scores"]]
    videos = [(r["label"], r["score"]) for r in items if r["score"] is not None]

    def ece(pairs):
        if not pairs:
            return None
        y, s = zip(*pairs, strict=True)
        return round(float(expected_calibration_error(y, s)), 4)
    return {"frame": ece(frames), "video": ece(videos)}


def summarise(rows: list[dict]) -> dict:
    out = {}
    keys = sorted({(r["source"], r["variant"]) for r in rows})
    def entry(sel):
        return {"video": auc_with_interval(sel, "video"), "frame": auc_with_interval(sel, "frame"),
                "within_groups": within_groups(sel), "ece": calibration_error(sel),
                "no_face_videos": sum(r["score"] is None for r in sel)}

    for source, variant in keys:
        out[f"{source}/{variant}"] = entry([r for r in rows if r["source"] == source and r["variant"] == variant])
    for source in sorted({r["source"] for r in rows}):
        sel = [r for r in rows if r["source"] == source and r["variant"] in ("original", "H.264 re-encode")]
        if len({r["variant"] for r in sel}) > 1:
            out[f"{source}/all"] = entry(sel)
    return out


def markdown(doc: dict) -> str:
    lines = ["| model | source / variant | video AUC [95 % CI] | frame AUC [95 % CI] | within groups | "
             "ECE frame / video | videos (real/fake) |", "|---|---|---|---|---|---|---|"]
    for model, res in doc["models"].items():
        for key, m in res["summary"].items():
            v, f = m["video"], m["frame"]

            def fmt(a):
                return "n/a" if a["auc"] is None else f"{a['auc']:.3f} [{a['low']:.2f}, {a['high']:.2f}]"

            w, e = m.get("within_groups") or {}, m.get("ece") or {}
            within = "n/a" if w.get("auc") is None else f"{w['auc']:.3f} ({w['pairs']} pairs)"
            ece = " / ".join("n/a" if e.get(k) is None else f"{e[k]:.3f}" for k in ("frame", "video"))
            lines.append(f"| {model} | {key} | {fmt(v)} | {fmt(f)} | {within} | {ece} | "
                         f"{v.get('real', 0)}/{v.get('fake', 0)} |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", action="append", help="bundle id or folder (repeat)")
    ap.add_argument("--resummarise", metavar="JSON", help="recompute the summaries of an earlier --out file "
                    "from its stored scores (no scoring), written back to it")
    ap.add_argument("--every", type=int, default=10)
    ap.add_argument("--sources", default=",".join(s for s in SOURCES if s != "deepfacelive_unseen_models"),
                    help=f"comma list of: {', '.join(SOURCES)} (default: all but the last, a subset of deepfacelive "
                         "for the variant trained on its swaps)")
    ap.add_argument("--robustness", action="store_true", help="also on JPEG 30, half-size and blurred copies")
    ap.add_argument("--robust-sources", default="celebdf_pairs,deepfacelive")
    ap.add_argument("--cache", default="/tmp/dfi-eval/degraded", help="where degraded copies are kept")
    ap.add_argument("--out")
    ap.add_argument("--markdown", action="store_true")
    a = ap.parse_args()
    if a.resummarise:
        doc = json.loads(Path(a.resummarise).read_text())
        for res in doc["models"].values():
            res["summary"] = summarise(res["videos"])
        Path(a.resummarise).write_text(json.dumps(doc, indent=1))
        print(markdown(doc))
        return
    if not a.model or not a.out:
        ap.error("--model and --out are needed to score")
    from core.forensic import offline

    offline.install()
    videos = [v for name in a.sources.split(",") for v in SOURCES[name]()]
    if a.robustness:
        base = [v for v in videos if v["source"] in a.robust_sources.split(",") and v["variant"] == "original"]
        for how in ("jpeg30", "half", "blur"):
            for v in base:
                p = degraded_copy(v["path"], how, a.every, Path(a.cache))
                videos.append({**v, "path": p, "variant": how, "every": 1})
    doc = {"every": a.every, "command": " ".join(sys.argv), "models": {}}
    for model in a.model:
        print(f"{model}: {len(videos)} videos", file=sys.stderr, flush=True)
        rows = score_videos(model, videos, a.every, lambda m: print(m, file=sys.stderr, flush=True))
        doc["models"][model] = {"summary": summarise(rows), "videos": rows}
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(doc, indent=1))
    print(markdown(doc) if a.markdown else json.dumps({m: r["summary"] for m, r in doc["models"].items()}, indent=1))


if __name__ == "__main__":
    main()
