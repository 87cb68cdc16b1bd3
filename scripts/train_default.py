"""Train, compare and ship the default detector bundles from ../shared/data.

    .venv/bin/python scripts/default_model_data.py /tmp/dfi-train/all.npz   # face crops (cached)
    .venv/bin/python scripts/train_default.py /tmp/dfi-train/all.npz --out /tmp/dfi-train/runs
    .venv/bin/python scripts/train_default.py /tmp/dfi-train/all.npz --out ... --ship face_cnn:sbi+cdf

Training data: every real face in the research data, self-blended pseudo-fakes made on the fly
from them (core.training.self_blend), plus the labelled Celeb-DF fakes, with compression, blur,
noise and colour augmentation. Validation is split by identity group (a real clip, its fakes and
their re-encodes share a group; so do the swapped-in identities). Each candidate is trained in
two data modes: ``sbi+cdf`` and ``sbi`` (self-blended only); the second, tested on the Celeb-DF
fakes it never saw, is the cross-method check. Every number printed is written to runs/*.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from core.models import registry  # noqa: E402
from core.models.preprocess import preprocess  # noqa: E402
from core.training.metrics import choose_threshold, expected_calibration_error, roc_auc  # noqa: E402
from core.training.self_blend import self_blend  # noqa: E402

SEED = 20261122
VAL_REALS = 900


# --- data ---------------------------------------------------------------------------------


def load(npz: Path):
    d = np.load(npz)
    meta = json.loads(npz.with_suffix(".json").read_text())
    return d["crops"], d["points"], meta


def split_groups(meta, seed: int = SEED, val_share: float = 0.25) -> np.ndarray:
    """True for validation crops. Groups are drawn per source so each source is represented."""
    rng = np.random.default_rng(seed)
    val_groups: set[str] = set()
    by_folder: dict[str, set[str]] = {}
    for m in meta:
        by_folder.setdefault("celebdf" if m["folder"].startswith("celebdf") else m["folder"], set()).add(m["group"])
    for folder, groups in sorted(by_folder.items()):
        groups = sorted(groups)
        if folder == "liveportrait_real_videos":
            val_groups.update(groups)  # one group: the whole folder validates
        elif folder == "grid_real_videos":
            continue  # one group: the whole folder trains
        else:
            n = max(1, round(val_share * len(groups)))
            val_groups.update(rng.choice(groups, n, replace=False).tolist())
    return np.array([m["group"] in val_groups for m in meta])


def augment(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Compression, blur, noise, colour and flip: how real footage differs from clean training faces."""
    if rng.random() < 0.5:
        img = img[:, ::-1]
    img = img.astype(np.float32)
    if rng.random() < 0.5:
        img = img * rng.uniform(0.8, 1.2) + rng.uniform(-20, 20)
    if rng.random() < 0.2:
        img = cv2.GaussianBlur(img, (0, 0), rng.uniform(0.3, 1.2))
    if rng.random() < 0.2:
        img = img + rng.normal(0, rng.uniform(2, 8), img.shape)
    img = np.clip(img, 0, 255).astype(np.uint8)
    if rng.random() < 0.5:
        ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(35, 95))])
        img = cv2.imdecode(buf, cv2.IMREAD_UNCHANGED)
    return np.ascontiguousarray(img)


def make_batches(crops, points, labels, idx_real, idx_fake, size: int, prep: str, batch: int, steps: int,
                 rng: np.random.Generator, use_cdf: bool):
    """Balanced batches: half real, half fake (self-blended, and Celeb-DF fakes when allowed)."""
    for _ in range(steps):
        x, y = [], []
        for _ in range(batch // 2):
            i = int(rng.choice(idx_real))
            x.append(augment(crops[i], rng))
            y.append(0.0)
            if use_cdf and len(idx_fake) and rng.random() < 0.3:
                x.append(augment(crops[int(rng.choice(idx_fake))], rng))
            else:
                j = int(rng.choice(idx_real))
                x.append(augment(self_blend(crops[j], rng, landmarks=points[j]).image, rng))
            y.append(1.0)
        x = np.stack([cv2.resize(a, (size, size), interpolation=cv2.INTER_AREA) for a in x])
        yield preprocess(prep, x), np.array(y, np.float32)[:, None]


def fixed_sbi(crops, points, idx, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.stack([self_blend(crops[i], rng, landmarks=points[i]).image for i in idx])


# --- evaluation ----------------------------------------------------------------------------


def scores(model, images: np.ndarray, size: int, prep: str, out: str, batch: int = 64) -> np.ndarray:
    res = []
    for i in range(0, len(images), batch):
        x = np.stack([cv2.resize(a, (size, size), interpolation=cv2.INTER_AREA) for a in images[i : i + batch]])
        res.append(np.asarray(model(preprocess(prep, x), training=False)).reshape(-1))
    p = np.concatenate(res) if res else np.zeros(0)
    return 1.0 - p if out == "p_real" else p


def bootstrap_auc(y, s, groups, n: int = 200, seed: int = SEED) -> tuple[float, float]:
    """95% interval of the AUC, resampling whole identity groups."""
    rng = np.random.default_rng(seed)
    uniq = np.unique(groups)
    members = {g: np.flatnonzero(groups == g) for g in uniq}
    vals = []
    for _ in range(n):
        pick = np.concatenate([members[g] for g in rng.choice(uniq, len(uniq))])
        if len(np.unique(y[pick])) == 2:
            vals.append(roc_auc(y[pick], s[pick]))
    lo, hi = np.percentile(vals, [2.5, 97.5]) if vals else (float("nan"), float("nan"))
    return float(lo), float(hi)


def evaluate(model, arch, crops, points, meta, val) -> dict:
    size, prep, out = arch.input_size, arch.preprocessing, arch.output
    groups = np.array([m["group"] for m in meta])
    labels = np.array([m["label"] for m in meta])
    is_cdf = np.array([m["folder"].startswith("celebdf") for m in meta])
    real_v = np.flatnonzero(val & (labels == 0))
    if len(real_v) > VAL_REALS:  # a fixed subsample keeps each epoch's check short; Celeb-DF reals stay
        keep = np.isin(real_v, np.flatnonzero(is_cdf)) | (
            np.random.default_rng(SEED).random(len(real_v)) < VAL_REALS / len(real_v))
        real_v = real_v[keep]
    cdf_fake_v = np.flatnonzero(val & (labels == 1) & is_cdf)
    cdf_real_v = np.flatnonzero(val & (labels == 0) & is_cdf)
    s_real = scores(model, crops[real_v], size, prep, out)
    s_sbi = scores(model, fixed_sbi(crops, points, real_v, SEED + 1), size, prep, out)
    s_cdf_fake = scores(model, crops[cdf_fake_v], size, prep, out)
    s_cdf_real = s_real[np.isin(real_v, cdf_real_v)]

    y_all = np.r_[np.zeros(len(s_real)), np.ones(len(s_sbi)), np.ones(len(s_cdf_fake))]
    s_all = np.r_[s_real, s_sbi, s_cdf_fake]
    g_all = np.r_[groups[real_v], groups[real_v], groups[cdf_fake_v]]
    thr = choose_threshold(y_all, s_all, "youden")
    y_cdf = np.r_[np.zeros(len(s_cdf_real)), np.ones(len(s_cdf_fake))]
    s_cdf = np.r_[s_cdf_real, s_cdf_fake]
    g_cdf = np.r_[groups[cdf_real_v], groups[cdf_fake_v]]
    # video level on Celeb-DF validation clips: mean of a clip's crop scores
    files = np.array([m["file"] for m in meta])
    vid_y, vid_s = [], []
    cdf_idx = np.r_[cdf_real_v, cdf_fake_v]
    for f in sorted(set(files[cdf_idx])):
        sel = files[cdf_idx] == f
        vid_y.append(labels[cdf_idx][sel][0])
        vid_s.append(float(s_cdf[sel].mean()))
    pred = s_all >= thr
    return {
        "threshold": thr,
        "auc_all": roc_auc(y_all, s_all),
        "auc_all_ci95": bootstrap_auc(y_all, s_all, g_all),
        "auc_real_vs_selfblended": roc_auc(np.r_[np.zeros(len(s_real)), np.ones(len(s_sbi))], np.r_[s_real, s_sbi]),
        "auc_celebdf_frames": roc_auc(y_cdf, s_cdf),
        "auc_celebdf_frames_ci95": bootstrap_auc(y_cdf, s_cdf, g_cdf),
        "auc_celebdf_videos": roc_auc(np.array(vid_y), np.array(vid_s)),
        "celebdf_videos": {f: round(s, 4) for f, s in zip(sorted(set(files[cdf_idx])), vid_s, strict=True)},
        "accuracy_at_threshold": float(np.mean(pred == y_all)),
        "ece": expected_calibration_error(y_all, s_all),
        "counts": {"real": len(s_real), "self_blended": len(s_sbi), "celebdf_fake": len(s_cdf_fake),
                   "celebdf_real": len(s_cdf_real), "celebdf_videos": len(vid_y)},
    }


# --- training ------------------------------------------------------------------------------


def train_one(arch_name: str, mode: str, data, val, epochs: int, steps: int, batch: int, lr: float,
              init: Path | None = None) -> tuple:
    import keras

    crops, points, meta = data
    arch = registry.get(arch_name)
    keras.utils.set_random_seed(SEED)
    model = arch.build_model()
    if init is not None:  # continue from an earlier run's weights (e.g. a lower learning rate)
        model.set_weights(keras.models.load_model(init, compile=False).get_weights())
    model.compile(optimizer=keras.optimizers.Adam(lr), loss="binary_crossentropy")
    labels = np.array([m["label"] for m in meta])
    idx_real = np.flatnonzero(~val & (labels == 0))
    idx_fake = np.flatnonzero(~val & (labels == 1))
    rng = np.random.default_rng(SEED)
    history, best, best_weights = [], -1.0, None
    t0 = time.perf_counter()
    for epoch in range(epochs):
        losses = []
        for x, y in make_batches(crops, points, labels, idx_real, idx_fake, arch.input_size, arch.preprocessing,
                                 batch, steps, rng, use_cdf=(mode == "sbi+cdf")):
            if arch.output == "p_real":
                y = 1.0 - y
            losses.append(float(model.train_on_batch(x, y)))
        m = evaluate(model, arch, crops, points, meta, val)
        history.append({"epoch": epoch + 1, "loss": float(np.mean(losses)), "val_auc_all": m["auc_all"],
                        "val_auc_celebdf": m["auc_celebdf_frames"], "elapsed_s": time.perf_counter() - t0})
        print(f"  {arch_name} {mode} epoch {epoch + 1}: loss {np.mean(losses):.4f} val AUC all "
              f"{m['auc_all']:.3f} celebdf {m['auc_celebdf_frames']:.3f}", flush=True)
        # The self-blended-only run selects its epoch without looking at Celeb-DF fakes, so its
        # Celeb-DF numbers stay a clean cross-method check.
        key = m["auc_real_vs_selfblended"] if mode == "sbi" else m["auc_all"]
        if key > best:
            best, best_weights = key, model.get_weights()
            best_metrics = dict(m, epoch=epoch + 1)
    model.set_weights(best_weights)
    return model, arch, best_metrics, history, time.perf_counter() - t0


def crops_per_second(model, arch, n: int = 256) -> float:
    x = np.random.default_rng(0).integers(0, 255, (n, arch.input_size, arch.input_size, 3), np.uint8)
    scores(model, x[:64], arch.input_size, arch.preprocessing, arch.output)
    t = time.perf_counter()
    scores(model, x, arch.input_size, arch.preprocessing, arch.output, batch=32)
    return n / (time.perf_counter() - t)


def git_revision() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                              text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("crops", type=Path)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--archs", default="face_cnn,meso4")
    ap.add_argument("--modes", default="sbi+cdf,sbi")
    ap.add_argument("--epochs", type=int, default=6)
    ap.add_argument("--steps", type=int, default=120)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--init", help="run name in --out to continue from, e.g. compact_cnn__sbi_cdf")
    ap.add_argument("--tag", default="", help="suffix for the run name")
    args = ap.parse_args()

    revision = git_revision()  # the code that trains, taken before anything runs
    data = load(args.crops)
    crops, points, meta = data
    val = split_groups(meta)
    args.out.mkdir(parents=True, exist_ok=True)
    print(f"{len(crops)} crops; validation {int(val.sum())} crops in "
          f"{len({m['group'] for m, v in zip(meta, val, strict=True) if v})} groups", flush=True)
    for arch_name in args.archs.split(","):
        for mode in args.modes.split(","):
            init = args.out / f"{args.init}.keras" if args.init else None
            model, arch, metrics, history, seconds = train_one(arch_name, mode, data, val, args.epochs, args.steps,
                                                               args.batch, args.lr, init)
            run = {
                "architecture": arch_name, "mode": mode, "seed": SEED, "epochs": args.epochs, "steps": args.steps,
                "batch": args.batch, "lr": args.lr, "train_seconds": round(seconds, 1),
                "crops_per_second": round(crops_per_second(model, arch), 1),
                "params": int(model.count_params()), "metrics": metrics, "history": history,
                "revision": revision, "init": args.init,
            }
            name = f"{arch_name}__{mode.replace('+', '_')}{args.tag}"
            model.save(args.out / f"{name}.keras")
            (args.out / f"{name}.json").write_text(json.dumps(run, indent=2))
            print(json.dumps({k: v for k, v in run.items() if k != "history"}, indent=1)[:1500], flush=True)


if __name__ == "__main__":
    main()
