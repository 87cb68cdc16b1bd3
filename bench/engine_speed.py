"""Engine speed on a generated 720p clip with a moving real face, against a naive baseline.

Prints: decode-only fps; engine fps (every frame, given model and stride); the naive baseline in
the style of the papers (read every frame, MTCNN at full resolution, model.predict per crop) on
the same clip and model; their ratio; time to the first scored frame once the model is loaded;
peak memory after a short and a 3x longer clip.

    .venv/bin/python bench/engine_speed.py [--model ID_OR_DIR] [--frames 300] [--every 1]

Without --model it builds a randomly initialised face_cnn bundle (speed does not depend on the weights).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("DFI_HOME", tempfile.mkdtemp(prefix="dfi-bench-"))



def make_clip(path: Path, frames: int, fps: float = 30.0) -> Path:
    from media import drifting_face_720p

    return drifting_face_720p(path, frames, fps, seed=0)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def decode_only(path: Path) -> float:
    from core.video import iter_frames

    t = time.perf_counter()
    n = sum(1 for _ in iter_frames(path))
    return n / (time.perf_counter() - t)


def naive(path: Path, bundle, frames: int) -> float:
    """Every frame, MTCNN on the full frame, model.predict on each crop one at a time."""
    from mtcnn import MTCNN

    from core.faces import crop_face
    from core.models.bundle import load_keras_model
    from core.models.preprocess import preprocess
    from core.video import iter_frames

    model, card, det = load_keras_model(bundle), bundle.card, MTCNN()
    t, n = time.perf_counter(), 0
    for _, _, rgb in iter_frames(path, stop=frames):
        for face in det.detect_faces(rgb):
            x, y, w, h = face["box"]
            crop = crop_face(rgb, (x, y, x + w, y + h), card.face_margin, card.input_size)
            model.predict(preprocess(card.preprocessing, crop[None]), verbose=0)
        n += 1
    return n / (time.perf_counter() - t)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model")
    ap.add_argument("--frames", type=int, default=300)
    ap.add_argument("--every", type=int, default=1)
    ap.add_argument("--naive-frames", type=int, default=40, help="the baseline is slow: frames it runs on")
    ap.add_argument("--json", metavar="OUT", help="also write the figures to this JSON file (model cards quote it)")
    args = ap.parse_args()

    from core.analysis import AnalysisParams, Engine
    from core.models import registry
    from core.models.bundle import ModelCard, resolve, save_bundle

    work = Path(tempfile.mkdtemp(prefix="dfi-bench-"))
    if args.model:
        bundle = resolve(args.model)
    else:
        bundle = save_bundle(registry.get("face_cnn").build_model(),
                             ModelCard.for_architecture("face_cnn", "bench face_cnn"), work / "face_cnn")
    clip = make_clip(work / "clip720.avi", args.frames)
    long_clip = make_clip(work / "clip720_long.avi", args.frames * 3)
    print(f"clip: 1280x720 MJPG, {args.frames} frames; model {bundle.card.architecture} "
          f"({bundle.card.input_size} px); {os.cpu_count()} CPUs")
    print(f"decode only:           {decode_only(clip):7.1f} frames/s")

    engine = Engine(bundle)
    engine.analyze(make_clip(work / "warm.avi", 20), use_cache=False)  # trace tf.functions, load MTCNN
    params = AnalysisParams(every=args.every)
    first = {}
    t0 = time.perf_counter()

    def progress(p):
        if "t" not in first and any(f.score is not None for f in p.frames):
            first["t"] = time.perf_counter() - t0

    r = engine.analyze(clip, params, progress=progress, use_cache=False)
    dt = time.perf_counter() - t0
    engine_fps = args.frames / dt
    print(f"engine (every {args.every}):      {engine_fps:7.1f} video frames/s "
          f"({len(r.frames)} analysed, {r.verdict.frames_scored} scored, {dt:.1f} s)")
    print(f"first scored frame:    {first.get('t', float('nan')):7.2f} s after start (model loaded)")
    rss_short = peak_rss_mb()

    naive_fps = naive(clip, bundle, args.naive_frames)
    print(f"naive baseline:        {naive_fps:7.2f} frames/s (every frame, MTCNN full-res, predict per crop)")
    print(f"speed-up:              {engine_fps / naive_fps:7.1f} x")

    engine.analyze(long_clip, params, use_cache=False)
    print(f"peak RSS: {rss_short:.0f} MB after {args.frames} frames, {peak_rss_mb():.0f} MB after "
          f"{3 * args.frames} more (the naive run in between)")
    if args.json:
        figures = {"clip": f"1280x720 MJPG, {args.frames} frames, one moving face", "cpus": os.cpu_count(),
                   "every": args.every, "engine_fps": round(engine_fps, 1), "naive_fps": round(naive_fps, 2),
                   "first_score_s": round(first.get("t", float("nan")), 2), "peak_rss_mb": round(rss_short),
                   "command": "bench/engine_speed.py " + " ".join(sys.argv[1:])}
        Path(args.json).write_text(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()
