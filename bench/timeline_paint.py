"""How long the timeline takes to draw long videos: first paint, a playhead move, a zoomed paint.

Synthetic scores (a random walk) for N frames and 3 face tracks, offscreen.

    python bench/timeline_paint.py [--frames 108000]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=108_000, help="default: one hour at 30 fps")
    args = ap.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import numpy as np

    from core.result import FaceScore, FrameResult
    from gui.app import create_app
    from gui.qtwait import wait
    from gui.scores import ScoreStore
    from gui.timeline import Timeline

    create_app()
    n = args.frames
    rng = np.random.default_rng(0)
    walk = np.cumsum(rng.normal(0, 0.05, n)) % 1.0
    frames = [FrameResult(i, i / 30, float(walk[i]), "scored",
                          tuple(FaceScore(t, (0, 0, 1, 1), float(walk[i] * (0.5 + 0.2 * t)) % 1) for t in (1, 2, 3)))
              for i in range(n)]
    store = ScoreStore(n, 30.0, 1)
    tl = Timeline()
    tl.resize(1000, 250)
    tl.show()
    wait(0.3)
    tl.set_video(n, 30.0, store)
    wait(0.2)
    store.add(frames)

    def timed(fn) -> float:
        t = time.perf_counter()
        fn()
        return (time.perf_counter() - t) * 1000

    refresh = timed(tl.refresh)
    first = timed(tl.view.viewport().repaint)
    drawn = len(tl.max_curve.curve.xData)
    moves = []
    for i in range(20):
        tl.set_playhead(n // 3 + i * 7)
        moves.append(timed(tl.view.viewport().repaint))
    tl.plot.setXRange(n / 60, n / 60 + 10)
    wait(0.05)
    zoomed = timed(tl.view.viewport().repaint)
    print(f"{n:,} frames, 3 tracks, 1000x250 px: refresh {refresh:.1f} ms, first paint {first:.1f} ms "
          f"({drawn:,} points drawn for the max curve), playhead move paint "
          f"median {np.median(moves):.1f} ms / max {max(moves):.1f} ms, zoomed to 10 s {zoomed:.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
