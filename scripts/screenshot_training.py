"""Screenshots of the Training tab on real footage: after reading the folder, during a run, and
at its end; then the Model library comparing the new model with the shipped one on the same
folder. Under Xvfb when there is no display.

    python scripts/screenshot_training.py [DATA] [--arch compact_cnn] [--epochs 8] [--out DIR]

DATA defaults to the Celeb-DF face clips in ../shared/data (research data: read, never copied).
Uses a throwaway DFI_HOME, so the user's models and settings are untouched. The real MTCNN
finds the faces.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DEFAULT_DATA = ROOT.parent / "shared/data/celebdf_v2_faceclips"
SIZE = (1366, 768)
BIG = (1920, 1080)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data", nargs="?", default=str(DEFAULT_DATA))
    ap.add_argument("--arch", default="compact_cnn")
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--out", default=str(ROOT / "out" / "screenshots"))
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("DFI_HOME", tempfile.mkdtemp(prefix="dfi-screenshot-"))
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    from scripts.screenshot import start_xvfb

    xvfb = start_xvfb(*BIG)
    try:
        return shoot(Path(args.data), args, out)
    finally:
        if xvfb is not None:
            xvfb.terminate()
            xvfb.wait(5)


def shoot(data: Path, args, out: Path) -> int:
    from PySide6.QtCore import QSettings
    from PySide6.QtGui import QGuiApplication

    from gui.app import create_app
    from gui.main_window import MainWindow
    from gui.qtwait import wait, wait_until
    from gui.settings import Settings

    _app = create_app()  # held until the end: the window needs it
    settings = Settings(QSettings(str(Path(os.environ["DFI_HOME"]) / "screenshot.ini"), QSettings.IniFormat))
    w = MainWindow(settings, notify=lambda _p, m: print(f"MESSAGE: {m.title}: {m.text}", file=sys.stderr),
                   confirm=lambda *_: True)
    tab = w.training

    def save(name: str, size) -> None:
        w.setGeometry(0, 0, *size)
        wait(0.6)
        g = w.frameGeometry()
        shot = QGuiApplication.primaryScreen().grabWindow(0, g.x(), g.y(), g.width(), g.height())
        if shot.isNull() or shot.width() < size[0] // 2:
            shot = w.grab()
        path = out / f"{name}_{size[0]}x{size[1]}.png"
        shot.save(str(path))
        print(f"saved {path}")

    w.setGeometry(0, 0, *SIZE)
    w.show()
    w.tabs.setCurrentWidget(tab)
    tab.form.set_data_folder(str(data))
    tab.form.select_arch(args.arch)
    tab.form.epochs.setValue(args.epochs)
    tab.scan()
    wait_until(lambda: not tab.scanning(), 600)
    save("training_scanned", SIZE)
    tab.start()
    wait_until(lambda: len(tab.plots.epochs) >= max(2, args.epochs // 2) or not tab.running(), 3600)
    save("training_running", SIZE)
    wait_until(lambda: not tab.running(), 7200)
    wait(1.0)
    if tab.result is None or tab.staged is None:
        print(f"the run ended without a model: {tab.message}", file=sys.stderr)
        return 1
    save("training_done", SIZE)
    save("training_done", BIG)
    tab.pages.setCurrentIndex(1)
    save("training_curves", SIZE)
    # the saved model in the Model library, compared with the shipped detector on the same folder
    tab.save()
    wait_until(lambda: tab.staged is None, 120)
    lib = w.library
    w.tabs.setCurrentWidget(lib)
    saved = lib.current()
    shipped = [b.id for b in lib.infos if b.read_only]
    lib.select(saved.id, *shipped[:1])
    lib.compare(str(data))
    wait_until(lambda: not lib.evaluation.running(), 3600)
    save("library_compare", SIZE)
    save("library_compare", BIG)
    r = tab.result
    print(f"{r.status}: {r.epochs_run} epochs in {r.elapsed_s:.0f} s, threshold {r.threshold:.3f}, "
          f"val AUC {r.val_metrics.roc_auc}, test AUC {r.test_metrics.roc_auc if r.test_metrics else None}")
    w.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
