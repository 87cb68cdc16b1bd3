"""How long the heatmap of one frame takes, as the window computes it: Grad-CAM of the analysing
model over each face on screen (core.explain.GradCam), on a real face crop.

Prints the first call for a model (building the explainer: loading the model and the feature
model) apart from the calls after it (what the analyst waits for when stepping through frames),
for one face and for a frame with two faces.

    .venv/bin/python bench/heatmap_speed.py [--model ID] [--repeat 20]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default=None, help="installed model id (default: the default model)")
    ap.add_argument("--repeat", type=int, default=20)
    a = ap.parse_args()
    from media import astronaut

    from core.explain import GradCam
    from core.faces import crop_face
    from core.models.bundle import resolve

    info = resolve(a.model)
    rgb = astronaut()
    box = (170.0, 40.0, 330.0, 230.0)  # the astronaut's face
    crop = crop_face(rgb, box, info.card.face_margin, info.card.input_size)
    t = time.perf_counter()
    cam = GradCam(info)
    built = time.perf_counter() - t
    t = time.perf_counter()
    cam(crop)
    first = time.perf_counter() - t
    one, two = [], []
    for _ in range(a.repeat):
        t = time.perf_counter()
        cam(crop)
        one.append(time.perf_counter() - t)
        t = time.perf_counter()
        cam(crop)
        cam(crop[:, ::-1].copy())
        two.append(time.perf_counter() - t)
    print(f"model {info.id} ({info.card.architecture}, {info.card.input_size} px), {os.cpu_count()} CPU cores")
    print(f"  building the explainer (model loaded): {built:.2f} s; first heatmap {first:.2f} s")
    print(f"  one face: median {statistics.median(one) * 1000:.0f} ms, max {max(one) * 1000:.0f} ms")
    print(f"  two faces: median {statistics.median(two) * 1000:.0f} ms, max {max(two) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
