"""Fuzzing the analysis with damaged videos: every outcome must be a result or a clean, typed error.

Mutates seed clips (the shipped demo clip, H.264, and an MJPG copy of it) with fixed seeds: bit
flips, overwritten and zeroed runs of bytes, truncation, a cut-out chunk, a duplicated chunk, a
damaged header. Each damaged file is analysed by a long-lived worker process running the real
engine (the default model, real MTCNN, every 5th frame), so a crash or a hang is seen as such and
the worker is restarted. Prints the counts of: ok (a result), clean error (an InspectorError with a
message), traceback (any other exception), crash (the worker died) and hang (no answer within the
time limit), and the first examples of each bad outcome.

    .venv/bin/python bench/fuzz.py [--count 100] [--seed 0] [--budget-s 900] [--timeout-s 60] [--keep DIR]

Not run in CI (it takes minutes); run it before a release and put its counts in the notes.
"""

from __future__ import annotations

import argparse
import json
import os
import select
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SEED_CLIP = ROOT / "resources" / "demo" / "demo.mp4"
OUTCOMES = ("ok", "clean error", "traceback", "crash", "hang")


# -- the worker ---------------------------------------------------------------------------------
def worker() -> int:
    """Read paths from stdin, analyse each, answer one JSON line per path."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    from core.forensic import offline

    offline.install()
    from core.analysis import AnalysisParams, Engine
    from core.errors import InspectorError
    from core.models.bundle import resolve

    engine = Engine(resolve(None))
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        path = line.strip()
        if not path:
            continue
        try:
            r = engine.analyze(path, AnalysisParams(every=5), use_cache=False)
            answer = {"outcome": "ok", "detail": f"{r.verdict.label}, {len(r.frames)} frames, "
                                                 f"{r.coverage.decode_errors if r.coverage else 0} decode errors"}
        except InspectorError as exc:
            answer = {"outcome": "clean error", "detail": f"{type(exc).__name__}: {str(exc)[:200]}"}
        except Exception as exc:  # what the fuzz run is looking for  # noqa: BLE001
            answer = {"outcome": "traceback", "detail": f"{type(exc).__name__}: {str(exc)[:200]}"}
        print(json.dumps(answer), flush=True)
    return 0


class Worker:
    def __init__(self):
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen([sys.executable, __file__, "--worker"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, bufsize=1)
        answer = self._read(300)
        if not answer or not answer.get("ready"):
            raise SystemExit("the fuzz worker did not start")

    def _read(self, timeout: float) -> dict | None:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            ready, _, _ = select.select([self.proc.stdout], [], [], max(0.0, end - time.monotonic()))
            if not ready:
                return None
            line = self.proc.stdout.readline()
            if not line:
                return {"outcome": "crash", "detail": f"worker exited with {self.proc.wait()}"}
            try:
                return json.loads(line)
            except ValueError:
                continue  # a library printed something
        return None

    def analyse(self, path: Path, timeout: float) -> dict:
        if self.proc is None or self.proc.poll() is not None:
            self.start()
        try:
            self.proc.stdin.write(f"{path}\n")
            self.proc.stdin.flush()
        except BrokenPipeError:
            self.proc = None
            return {"outcome": "crash", "detail": "worker gone"}
        answer = self._read(timeout)
        if answer is None:
            self.stop()
            return {"outcome": "hang", "detail": f"no answer in {timeout:.0f} s"}
        if answer["outcome"] == "crash":
            self.proc = None
        return answer

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None


# -- mutations ----------------------------------------------------------------------------------
def mjpg_copy(src: Path, dst: Path) -> Path:
    import cv2

    cap = cv2.VideoCapture(str(src))
    fps = cap.get(cv2.CAP_PROP_FPS) or 25.0
    writer = None
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        if writer is None:
            h, w = frame.shape[:2]
            writer = cv2.VideoWriter(str(dst), cv2.VideoWriter_fourcc(*"MJPG"), fps, (w, h))
        writer.write(frame)
    cap.release()
    writer.release()
    return dst


def mutate(data: bytes, rng) -> tuple[bytes, str]:
    b = bytearray(data)
    n = len(b)
    kind = rng.choice(["bitflips", "overwrite", "zero", "truncate", "cut", "duplicate", "header"])
    if kind == "bitflips":
        k = int(rng.integers(1, 64))
        for pos in rng.integers(0, n, k):
            b[int(pos)] ^= 1 << int(rng.integers(0, 8))
        return bytes(b), f"{k} bit flips"
    if kind == "overwrite":
        at, length = int(rng.integers(0, n)), int(rng.integers(1, 4096))
        b[at:at + length] = rng.integers(0, 256, min(length, n - at), dtype="uint8").tobytes()
        return bytes(b), f"{length} random bytes at {at}"
    if kind == "zero":
        at, length = int(rng.integers(0, n)), int(rng.integers(1, 65536))
        b[at:at + length] = bytes(min(length, n - at))
        return bytes(b), f"{length} zero bytes at {at}"
    if kind == "truncate":
        keep = int(rng.integers(0, n))
        return bytes(b[:keep]), f"cut to {keep} of {n} bytes"
    if kind == "cut":
        at, length = int(rng.integers(0, n)), int(rng.integers(1, n // 4))
        return bytes(b[:at] + b[at + length:]), f"{length} bytes cut out at {at}"
    if kind == "duplicate":
        at, length = int(rng.integers(0, n)), int(rng.integers(1, 65536))
        return bytes(b[:at] + b[at:at + length] + b[at:]), f"{length} bytes repeated at {at}"
    length = int(rng.integers(1, 256))
    b[:length] = rng.integers(0, 256, length, dtype="uint8").tobytes()
    return bytes(b), f"first {length} bytes random"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--count", type=int, default=100)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--budget-s", type=float, default=900.0, help="stop starting new cases after this long")
    ap.add_argument("--timeout-s", type=float, default=60.0, help="a case with no answer after this is a hang")
    ap.add_argument("--keep", help="folder to keep the damaged files of bad outcomes in")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        return worker()
    import numpy as np

    os.environ.setdefault("DFI_HOME", tempfile.mkdtemp(prefix="dfi-fuzz-"))
    work = Path(tempfile.mkdtemp(prefix="dfi-fuzz-files-"))
    seeds = [SEED_CLIP, mjpg_copy(SEED_CLIP, work / "seed_mjpg.avi")]
    datas = [(p.suffix, p.read_bytes()) for p in seeds]
    w = Worker()
    w.start()
    counts: Counter[str] = Counter()
    examples: dict[str, list[str]] = {}
    t0 = time.perf_counter()
    for case in range(args.count):
        if time.perf_counter() - t0 > args.budget_s:
            print(f"time budget reached after {case} cases")
            break
        rng = np.random.default_rng([args.seed, case])
        suffix, data = datas[case % len(datas)]
        damaged, how = mutate(data, rng)
        path = work / f"case{case:04d}{suffix}"
        path.write_bytes(damaged)
        answer = w.analyse(path, args.timeout_s)
        counts[answer["outcome"]] += 1
        if answer["outcome"] not in ("ok", "clean error"):
            examples.setdefault(answer["outcome"], []).append(f"case {case} ({suffix}, {how}): {answer['detail']}")
            if args.keep:
                Path(args.keep).mkdir(parents=True, exist_ok=True)
                (Path(args.keep) / path.name).write_bytes(damaged)
        path.unlink()
    w.stop()
    total = sum(counts.values())
    print(f"fuzz: {total} damaged clips (seed {args.seed}) in {time.perf_counter() - t0:.0f} s")
    for o in OUTCOMES:
        print(f"  {o:12s} {counts[o]}")
    for o, lines in examples.items():
        print(f"{o}:")
        for line in lines[:5]:
            print(f"  {line}")
    return 0 if not examples else 1


if __name__ == "__main__":
    sys.exit(main())
