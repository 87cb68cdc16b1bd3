"""How long the window's event loop stalls while an analysis runs (target: never over 100 ms).

Opens the real window (offscreen unless a display is set), opens a clip and, as the app does at
start, imports the model runtime in the background (warm-up; skipped with --cold). Then starts
the analysis with an installed model and the real MTCNN, optionally playing the video at the same
time, and records the gap between ticks of a 5 ms timer on the GUI thread, from the click on
Analyze to the verdict. Prints the maximum stall, percentiles and the worst moments, for the
warm-up and for the analysis.

    python bench/gui_responsiveness.py [VIDEO] [--model ID] [--every N] [--play] [--cold] [--cancel-after S]

Without --model the first installed bundle is used; with none installed, a tiny untrained demo
bundle is created in a throwaway DFI_HOME (see scripts/demo_model.py).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DEFAULT_CLIP = ROOT.parent / "shared/data/celebdf_v2_pairs/fake/compressed_variant/id13_id10_0011_c.mp4"


class StallMeter:
    """Ticks a precise timer on the GUI thread; a stall is a tick that came late."""

    def __init__(self, tick_ms: int, label):
        from PySide6.QtCore import QElapsedTimer, Qt, QTimer

        self.tick_ms, self.label = tick_ms, label
        self.ticks: list[float] = []
        self.labels: list[str] = []
        self.clock = QElapsedTimer()
        self.timer = QTimer()
        self.timer.setTimerType(Qt.PreciseTimer)
        self.timer.timeout.connect(self._tick)

    def _tick(self) -> None:
        self.ticks.append(self.clock.nsecsElapsed() / 1e6)
        self.labels.append(self.label())

    def start(self) -> None:
        self.clock.start()
        self.timer.start(self.tick_ms)

    def stop(self) -> None:
        self.timer.stop()

    def report(self, title: str) -> float:
        import numpy as np

        stall = np.maximum(np.diff(np.array(self.ticks)) - self.tick_ms, 0)
        print(f"{title}: {len(self.ticks)} ticks over {self.ticks[-1] / 1000:.1f} s; event-loop stall max "
              f"{stall.max():.1f} ms, p99 {np.percentile(stall, 99):.1f} ms, p50 {np.percentile(stall, 50):.1f} ms; "
              f"over 50 ms: {(stall > 50).sum()}, over 100 ms: {(stall > 100).sum()}")
        for i in np.argsort(stall)[::-1][:5]:
            print(f"  {stall[i]:7.1f} ms at {self.ticks[i] / 1000:6.2f} s  [{self.labels[i + 1]}]")
        return float(stall.max())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("video", nargs="?", default=str(DEFAULT_CLIP))
    ap.add_argument("--model", help="installed bundle id (default: the first installed, else a demo bundle)")
    ap.add_argument("--every", type=int, default=2, help="analyse every Nth frame (default 2)")
    ap.add_argument("--play", action="store_true", help="play the video (looping) while analysing")
    ap.add_argument("--cold", action="store_true", help="no warm-up: the analysis imports TensorFlow itself")
    ap.add_argument("--cancel-after", type=float, help="press Cancel after this many seconds of analysis")
    ap.add_argument("--baseline", type=float, default=5.0,
                    help="seconds measured first without any analysis (playing with --play): the machine's own noise")
    ap.add_argument("--tick-ms", type=int, default=5)
    args = ap.parse_args()
    if not Path(args.video).is_file():
        print(f"no such video: {args.video}", file=sys.stderr)
        return 2
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen" if not os.environ.get("DISPLAY") else "xcb")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if "DFI_HOME" not in os.environ:
        import tempfile

        os.environ["DFI_HOME"] = tempfile.mkdtemp(prefix="dfi-bench-")
    from scripts.demo_model import ensure_model

    model_id = ensure_model(args.model)

    from PySide6.QtCore import QSettings, QTimer

    from gui.app import create_app
    from gui.main_window import MainWindow
    from gui.qtwait import wait, wait_until
    from gui.settings import Settings

    create_app()
    settings = Settings(QSettings(str(Path(os.environ["DFI_HOME"]) / "bench.ini"), QSettings.IniFormat))
    w = MainWindow(settings, notify=lambda _p, m: print(f"MESSAGE: {m.title}: {m.text}", file=sys.stderr))
    w.resize(1366, 768)
    w.show()
    w.open_video(args.video)
    if not wait_until(lambda: w.info is not None and w.video_sha256 is not None, 30):
        print("the video did not open", file=sys.stderr)
        return 1
    ids = [b.id for b in w.analysis.bundles]
    w.analysis.model.setCurrentIndex(ids.index(model_id))
    w.analysis.every.setValue(args.every)
    wait(0.3)
    print(f"video: {Path(args.video).name}  model: {model_id}  every: {args.every}  play: {args.play}  "
          f"cold: {args.cold}  load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")

    if args.baseline > 0:
        meter = StallMeter(args.tick_ms, lambda: "baseline")
        meter.start()
        if args.play:
            w.playback.play()
        wait(args.baseline)
        w.playback.pause()
        meter.stop()
        meter.report("baseline, no analysis" + (", playing" if args.play else ""))
        w.playback.seek(0)

    if not args.cold:
        meter = StallMeter(args.tick_ms, lambda: "warm-up")
        meter.start()
        t0 = time.perf_counter()
        warm = w.start_warm_up()
        wait_until(lambda: not w.workers.is_running(warm), 300, poll_ms=50)
        meter.stop()
        print(f"warm-up (TensorFlow, Keras, MTCNN imported in the background): {time.perf_counter() - t0:.1f} s")
        meter.report("during warm-up")

    looper = QTimer()
    if args.play:  # keep playing from the start whenever playback reaches the end

        def keep_playing():
            if not w.playback.playing and w.analysis_running():
                w.playback.seek(0)
                w.playback.play()

        looper.timeout.connect(keep_playing)
        looper.start(200)
    meter = StallMeter(args.tick_ms, lambda: w.analysis.detail.text()[:48])
    meter.start()
    t0 = time.perf_counter()
    w.start_analysis(use_cache=False)  # a real run, not the stored result
    cancel_t = None
    if args.cancel_after:
        wait_until(lambda: not w.analysis_running(), args.cancel_after)
        if w.analysis_running():
            cancel_t = time.perf_counter()
            w.cancel_analysis()
    wait_until(lambda: not w.analysis_running(), 1800, poll_ms=50)
    t_end = time.perf_counter()
    meter.stop()
    looper.stop()
    w.playback.pause()
    result = w.current_result()
    if result is not None:
        print(f"analysis: {len(result.frames)} frames in {t_end - t0:.1f} s "
              f"({len(result.frames) / (t_end - t0):.1f} frames/s incl. model load), complete={result.complete}")
    if cancel_t is not None:
        print(f"cancel latency: {t_end - cancel_t:.2f} s (click to worker finished)")
    worst = meter.report("during analysis" + (", playing" if args.play else ""))
    print(f"MAX STALL DURING ANALYSIS: {worst:.1f} ms")
    w.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
