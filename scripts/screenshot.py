"""Screenshots of the real window with an analysed clip, at the sizes analysts use.

Starts Xvfb when there is no display (``apt-get install xvfb`` on Debian/Ubuntu), opens the
clip, runs the analysis with an installed model (or a demo bundle, see scripts/demo_model.py)
and the real MTCNN, and saves PNGs of the whole screen area of the window: one while the
analysis streams in, one with the verdict at each size, with the player on the most suspicious
frame, with heatmaps once, and the Training and Library pages at each size.

    python scripts/screenshot.py [VIDEO] [--model ID] [--compare ID ...] [--every N] [--out DIR]
                                 [--sizes 1366x768,1920x1080] [--only-review] [--file-panel]

``--compare`` scores further installed models in the same pass (their dashed curves and agreement
marks show on the timeline, their verdicts in the panel). ``--file-panel`` also saves "file" shots at each
size with the File panel (the file's structure) raised and its first notable finding selected.

Writes under ``out/screenshots/`` by default (ignored by git). Uses a throwaway DFI_HOME unless
one is set, so the user's settings and caches are untouched.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DEFAULT_CLIP = ROOT.parent / "shared/data/celebdf_v2_pairs/fake/compressed_variant/id13_id10_0011_c.mp4"


def start_xvfb(width: int, height: int) -> subprocess.Popen | None:
    """A virtual X display when none is set; returns the process to stop afterwards."""
    if os.environ.get("DISPLAY") or os.environ.get("QT_QPA_PLATFORM") == "offscreen":
        return None
    if shutil.which("Xvfb") is None:
        raise SystemExit("No display and no Xvfb: install it (apt-get install xvfb) or set DISPLAY.")
    for n in range(99, 120):
        if not Path(f"/tmp/.X{n}-lock").exists():
            break
    proc = subprocess.Popen(["Xvfb", f":{n}", "-screen", "0", f"{width}x{height}x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.environ["DISPLAY"] = f":{n}"
    os.environ["QT_QPA_PLATFORM"] = "xcb"
    for _ in range(50):
        if Path(f"/tmp/.X11-unix/X{n}").exists():
            return proc
        time.sleep(0.1)
    proc.terminate()
    raise SystemExit("Xvfb did not start.")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("video", nargs="?", default=str(DEFAULT_CLIP))
    ap.add_argument("--model", help="installed bundle id (default: the first installed, else a demo bundle)")
    ap.add_argument("--every", type=int, default=2, help="analyse every Nth frame (default 2)")
    ap.add_argument("--out", default=str(ROOT / "out" / "screenshots"))
    ap.add_argument("--sizes", default="1366x768,1920x1080")
    ap.add_argument("--compare", nargs="*", default=[], help="installed bundle ids to compare in the same pass")
    ap.add_argument("--only-review", action="store_true", help="skip the heatmap, Training and Library shots")
    ap.add_argument("--file-panel", action="store_true",
                    help="also a shot at each size with the File panel raised (the file's structure)")
    args = ap.parse_args()
    video = Path(args.video)
    if not video.is_file():
        print(f"no such video: {video}", file=sys.stderr)
        return 2
    sizes = [tuple(int(v) for v in s.split("x")) for s in args.sizes.split(",")]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("DFI_HOME", tempfile.mkdtemp(prefix="dfi-screenshot-"))
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    xvfb = start_xvfb(max(w for w, _ in sizes), max(h for _, h in sizes))
    try:
        return shoot(video, args, sizes, out)
    finally:
        if xvfb is not None:
            xvfb.terminate()
            xvfb.wait(5)


def shoot(video: Path, args, sizes, out: Path) -> int:
    from scripts.demo_model import DEMO_ID, ensure_model

    model_id = ensure_model(args.model)
    from PySide6.QtCore import QSettings
    from PySide6.QtGui import QGuiApplication

    from gui.app import create_app
    from gui.icons import icon
    from gui.main_window import MainWindow
    from gui.qtwait import wait, wait_until
    from gui.settings import Settings

    app = create_app()
    app.setWindowIcon(icon("app"))
    settings = Settings(QSettings(str(Path(os.environ["DFI_HOME"]) / "screenshot.ini"), QSettings.IniFormat))
    w = MainWindow(settings, notify=lambda _p, m: print(f"MESSAGE: {m.title}: {m.text} {m.hint}", file=sys.stderr))

    def save(name: str, size) -> None:
        wait(0.4)
        g = w.frameGeometry()
        shot = QGuiApplication.primaryScreen().grabWindow(0, g.x(), g.y(), g.width(), g.height())
        if shot.isNull() or shot.width() < size[0] // 2:  # offscreen platform: render the widgets instead
            shot = w.grab()
        path = out / f"{name}_{size[0]}x{size[1]}.png"
        shot.save(str(path))
        print(f"saved {path} ({shot.width()}x{shot.height()})")

    first = sizes[0]
    w.setGeometry(0, 0, *first)
    w.show()
    w.start_warm_up()
    w.open_video(str(video))
    if not wait_until(lambda: w.info is not None and w.video_sha256 is not None, 60):
        print("the video did not open", file=sys.stderr)
        return 1
    if model_id == DEMO_ID:
        calibrate_demo(w, args.every)
    ids = [b.id for b in w.analysis.bundles]
    w.analysis.model.setCurrentIndex(ids.index(model_id))
    w.analysis.every.setValue(args.every)
    w.analysis.set_compared(args.compare)
    wait(0.5)
    t0 = time.perf_counter()
    w.start_analysis(use_cache=False)
    total = -(-w.info.frames // args.every)
    wait_until(lambda: len(w.review.store) >= total // 3 or not w.analysis_running(), 900)
    w.playback.seek(max(0, max(f.index for f in w.review.store.frames()) - 1) if len(w.review.store) else 0)
    save("analysing", first)
    wait_until(lambda: not w.analysis_running(), 1800, poll_ms=100)
    result = w.current_result()
    if result is None:
        print("the analysis produced no result", file=sys.stderr)
        return 1
    print(f"analysed {len(result.frames)} frames in {time.perf_counter() - t0:.1f} s: {result.verdict}")
    target = max(result.segments, key=lambda s: s.peak).peak_frame if result.segments else \
        max((f for f in result.frames if f.score is not None), key=lambda f: f.score, default=result.frames[0]).index
    w.playback.seek(target)
    wait_until(lambda: w.view.exact and w.view.shown_index == target, 10)
    if not args.only_review:
        w.acts.heatmaps.setChecked(True)  # Grad-CAM over the face on screen
        wait_until(lambda: bool(w.view.heatmaps), 120)
        w.setGeometry(0, 0, *sizes[0])
        wait(0.5)
        save("heatmaps", sizes[0])
        w.acts.heatmaps.setChecked(False)
    for size in sizes:
        w.setGeometry(0, 0, *size)
        wait(0.5)
        save("compare" if args.compare else "review", size)
        if args.file_panel:
            shoot_file_panel(w, size, save)
        if args.only_review:
            continue
        for name, page in (("training", w.training), ("library", w.library)):
            w.tabs.setCurrentWidget(page)
            wait(0.5)
            save(name, size)
        w.show_review()
    w.shutdown()
    return 0


def shoot_file_panel(w, size, save) -> None:
    """The File dock on top, its first notable finding (else the first) selected, the analysis panel back after."""
    from gui.qtwait import wait, wait_until

    if not wait_until(lambda: w.file_structure is not None, 60):
        print("the file's structure was not read", file=sys.stderr)
        return
    w.file_dock.raise_()
    fs = w.file_structure
    finding = next((f for f in fs.findings if f.level == "notable"), fs.findings[0] if fs.findings else None)
    if finding is not None:
        w.file_check.panel.select_finding(finding.code)
    wait(0.5)
    save("file", size)
    w.side_dock.raise_()


def calibrate_demo(w, every: int) -> None:
    """Run the demo model once on a sample of the clip and stretch its outputs over 0..1."""
    from gui.qtwait import wait_until
    from scripts.demo_model import DEMO_ID, rescale_demo

    ids = [b.id for b in w.analysis.bundles]
    w.analysis.model.setCurrentIndex(ids.index(DEMO_ID))
    w.analysis.every.setValue(max(every, 4))
    w.start_analysis(use_cache=False)
    wait_until(lambda: not w.analysis_running(), 900, poll_ms=100)
    rescale_demo([f.score for f in w.current_result().frames])
    w.refresh_models()


if __name__ == "__main__":
    sys.exit(main())
