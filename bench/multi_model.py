"""What a second model costs in one analysis: each model alone, both in one pass, and the second
model's own scoring time (the time spent inside its scorer during the joint pass).

A second model should add only its scoring time: the joint pass should take about
``alone(first) + scoring(second)``, well under ``alone(first) + alone(second)``.

    .venv/bin/python bench/multi_model.py [--models ID_A ID_B] [--frames 300] [--every 1] [--json OUT]

The clip is generated (720p, 30 fps, a moving real face); every run ignores the cache.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "bench")]
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("DFI_HOME", tempfile.mkdtemp(prefix="dfi-bench-"))


class Timed:
    """Wraps a scorer's calls and adds up the time spent in them."""

    def __init__(self, scorer):
        self.scorer, self.seconds = scorer, 0.0
        for name in ("score_crops", "encode_crops", "score_windows"):
            setattr(self, name, self._wrap(getattr(scorer, name)))

    def _wrap(self, fn):
        def timed(*a, **k):
            t = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                self.seconds += time.perf_counter() - t
        return timed

    def __getattr__(self, name):
        return getattr(self.scorer, name)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", nargs=2, default=["sbi-efficientnet-lite0-v2", "default-frame"])
    ap.add_argument("--frames", type=int, default=300)
    ap.add_argument("--every", type=int, default=1)
    ap.add_argument("--json")
    a = ap.parse_args()
    from engine_speed import make_clip

    from core.analysis import AnalysisParams, Engine, analyze_together

    clip = make_clip(Path(tempfile.mkdtemp()) / "clip.mp4", a.frames)
    engines = [Engine(m) for m in a.models]
    engines[1]._detector = engines[0].detector(640, 0.9)  # one detector, as the window shares it
    p = AnalysisParams(every=a.every)
    for e in engines:  # load, trace, warm caches
        e.analyze(clip, p, use_cache=False)

    def timed(fn):
        t = time.perf_counter()
        fn()
        return time.perf_counter() - t

    alone = [timed(lambda e=e: e.analyze(clip, p, use_cache=False)) for e in engines]
    engines[1].scorer = Timed(engines[1].scorer)
    together = timed(lambda: analyze_together(clip, engines, p, use_cache=False))
    second_scoring = engines[1].scorer.seconds
    n = -(-a.frames // a.every)
    out = {
        "frames": n, "models": a.models,
        "alone_s": [round(x, 2) for x in alone],
        "together_s": round(together, 2),
        "second_model_scoring_s": round(second_scoring, 2),
        "added_by_second_s": round(together - alone[0], 2),
        "sum_alone_s": round(sum(alone), 2),
    }
    print(f"{n} frames of 720p, every {a.every}:")
    for m, s in zip(a.models, alone, strict=True):
        print(f"  {m} alone: {s:.2f} s ({n / s:.1f} frames/s)")
    print(f"  both in one pass: {together:.2f} s ({n / together:.1f} frames/s); "
          f"the two alone add up to {sum(alone):.2f} s")
    print(f"  the second model added {together - alone[0]:.2f} s; its scorer ran {second_scoring:.2f} s of that pass")
    if a.json:
        Path(a.json).write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
