"""Start-up of the window: launch to first paint, and to the models loaded, measured from outside.

    python3 bench/startup_time.py                                   # the built app, 5 runs
    python3 bench/startup_time.py --runs 3 -- .venv/bin/python main.py  # from source
    python3 bench/startup_time.py --installed                       # the .deb's /usr/bin/deepfake-inspector

The app prints ``startup-probe`` lines when ``DFI_STARTUP_PROBE=1`` (gui/app.py) and closes itself
once the models are ready. Without a DISPLAY the runs go to a private Xvfb. Each run gets an empty
DFI_HOME (a first start); the file cache is warm after the first run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILT = ROOT / "dist" / "DeepfakeInspector" / "DeepfakeInspector"
INSTALLED = "/usr/bin/deepfake-inspector"  # the .deb's launcher (scripts/build_deb.sh)


def one_run(cmd: list[str], env: dict[str, str], timeout: float) -> dict[str, float]:
    """Seconds from launch to each probe event ('painted', 'models-ready'), and to the process exit."""
    with tempfile.TemporaryDirectory() as home:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, env={**env, "DFI_HOME": home, "DFI_STARTUP_PROBE": "1"},
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        marks: dict[str, float] = {}
        try:
            for line in proc.stdout:
                if line.startswith("startup-probe "):
                    event = line.split()[2]
                    marks[event] = time.perf_counter() - t0
                    if "tensorflow_imported=True" in line:
                        raise SystemExit("TensorFlow was imported before the window showed")
            proc.wait(timeout)
        finally:
            proc.kill()
        marks["exit"] = time.perf_counter() - t0
    if "painted" not in marks:
        raise SystemExit(f"no window painted: {cmd}")
    return marks


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--timeout", type=float, default=120)
    ap.add_argument("--installed", action="store_true", help=f"time the installed package ({INSTALLED})")
    ap.add_argument("cmd", nargs="*", help="command that starts the window (default: the built app)")
    args = ap.parse_args()
    cmd = args.cmd or [INSTALLED if args.installed else str(BUILT)]
    env = dict(os.environ)
    xvfb = None
    if not env.get("DISPLAY"):
        if not shutil.which("Xvfb"):
            raise SystemExit("no DISPLAY and no Xvfb")
        xvfb = subprocess.Popen(["Xvfb", ":97", "-screen", "0", "1600x1000x24"], stderr=subprocess.DEVNULL)
        env["DISPLAY"] = ":97"
        time.sleep(1.0)
    try:
        runs = [one_run(cmd, env, args.timeout) for _ in range(args.runs)]
    finally:
        if xvfb:
            xvfb.terminate()
    print(f"{' '.join(cmd)}: {args.runs} runs (first with the coldest file cache)")
    for event, label in (("painted", "window painted"), ("models-ready", "models loaded"), ("exit", "closed")):
        times = [r[event] for r in runs if event in r]
        if times:
            print(f"  launch -> {label:15s} first {times[0]:5.2f} s  median {statistics.median(times):5.2f} s  "
                  f"[{min(times):.2f}, {max(times):.2f}]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
