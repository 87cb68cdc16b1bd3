"""Batch throughput: videos per minute for 1 and 2 local worker processes and for Ray with 2 workers.

Generates a folder of short 720p clips (a moving real face on a textured background), then runs
``core.batch.run.run_batch`` on it once per executor, each into a fresh output folder with the
analysis cache off, so every run analyses every clip. The time counted is the whole batch as an
analyst waits for it: hashing, starting the workers, loading the model in each, analysing and
writing the results and the summary.

    .venv/bin/python bench/batch_speed.py [--model ID_OR_DIR] [--videos 8] [--frames 150] [--every 1]
                                          [--runs inline,2,ray2]

``--runs``: a comma list of ``inline`` (this process), ``N`` (N worker processes) and ``rayN``
(a throwaway local Ray instance with N actors; needs the cluster extra).
"""

from __future__ import annotations

import argparse
import os
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

    return drifting_face_720p(path, frames, fps, seed=len(path.name))


def _executor(run: str) -> tuple[int, str | None]:
    if run == "inline":
        return 1, None
    if run.startswith("ray"):
        return int(run[3:] or 2), "local"
    return int(run), None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", help="installed model id or bundle folder (default: the default model)")
    ap.add_argument("--videos", type=int, default=8)
    ap.add_argument("--frames", type=int, default=150, help="frames per clip (30 fps)")
    ap.add_argument("--every", type=int, default=1)
    ap.add_argument("--runs", default="inline,2,ray2")
    args = ap.parse_args()

    from core.analysis import AnalysisParams
    from core.batch.run import BatchRequest, run_batch
    from core.forensic.audit import AuditLog
    from core.models.bundle import resolve

    work = Path(tempfile.mkdtemp(prefix="dfi-batch-bench-"))
    clips = work / "evidence"
    clips.mkdir()
    for k in range(args.videos):
        make_clip(clips / f"clip{k:02d}.avi", args.frames)
    bundle = resolve(args.model)
    print(f"model {bundle.id} ({bundle.card.architecture}, {bundle.card.input_size}px); "
          f"{args.videos} clips of {args.frames} frames at 1280x720, every {args.every}; {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f} before the runs")
    for run in args.runs.split(","):
        workers, ray = _executor(run.strip())
        req = BatchRequest(inputs=(str(clips),), out=str(work / f"out-{run}"), model=args.model,
                           params=AnalysisParams(every=args.every), workers=workers, ray=ray, use_cache=False)
        t = time.perf_counter()
        s = run_batch(req, log=AuditLog(work / f"audit-{run}.jsonl"))
        wall = time.perf_counter() - t
        done = s.counts["done"]
        per_video = sorted(r.seconds for r in s.rows if r.seconds is not None)
        median = per_video[len(per_video) // 2] if per_video else float("nan")
        label = "this process" if run == "inline" else (f"Ray, {workers} actors" if ray else f"{workers} processes")
        print(f"{label:>16}: {done}/{len(s.rows)} videos in {wall:6.1f} s = {60 * done / wall:5.1f} videos/min "
              f"({done * args.frames / args.every / wall:5.1f} analysed frames/s; median {median:.1f} s per video "
              f"inside a worker)")


if __name__ == "__main__":
    main()
