"""Starting the window: QApplication, theme, logging to the user's log folder, settings, crash dialog."""

from __future__ import annotations

import logging
import logging.handlers
import os
import sys
import threading
import time
import traceback

from PySide6.QtCore import QEvent, QObject, QTimer, Slot

from core import paths
from gui import messages

log = logging.getLogger("gui")


def setup_logging() -> str:
    """Log INFO and up to ``<log_dir>/inspector.log`` (rotated); returns the file's path."""
    path = paths.ensure_dir(paths.log_dir()) / messages.LOG_FILE
    root = logging.getLogger()
    if not any(getattr(h, "baseFilename", None) == str(path) for h in root.handlers):
        handler = logging.handlers.RotatingFileHandler(path, maxBytes=2_000_000, backupCount=3, encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s"))
        root.addHandler(handler)
    root.setLevel(logging.INFO)
    return str(path)


def install_excepthook(window_getter) -> None:
    """Uncaught exceptions in slots: logged, and shown with their details and the log path."""

    def hook(exc_type, exc, tb):
        details = "".join(traceback.format_exception(exc_type, exc, tb))
        log.error("uncaught exception\n%s", details)
        window = window_getter()
        if window is not None and issubclass(exc_type, Exception):
            window.show_error(exc, details)
        elif not issubclass(exc_type, Exception):
            sys.__excepthook__(exc_type, exc, tb)

    sys.excepthook = hook


def create_app(argv: list[str] | None = None):
    from PySide6.QtWidgets import QApplication

    from gui import gc_guard, theme

    app = QApplication.instance() or QApplication(argv or [sys.argv[0]])
    gc_guard.install(app)
    app.setOrganizationName(paths.APP_NAME)
    app.setApplicationName(paths.APP_NAME)
    app.setApplicationDisplayName("Deepfake Inspector")
    theme.apply(app)
    import pyqtgraph as pg

    pg.setConfigOptions(antialias=True, background=theme.BG, foreground=theme.TEXT)
    return app


def _close_on_interrupt(window) -> None:
    """Ctrl+C in the terminal closes the window cleanly (cancelling and joining workers).

    Python runs signal handlers only between bytecodes, so a timer wakes it up now and then.
    """
    import signal

    from PySide6.QtCore import QTimer

    signal.signal(signal.SIGINT, lambda *_: window.close())
    timer = QTimer(window)
    timer.timeout.connect(lambda: None)
    timer.start(250)


class LoadingState(QObject):
    """"Loading models…" in the status bar while the warm-up imports TensorFlow and loads the model.

    With ``DFI_STARTUP_PROBE=1`` (bench/startup_time.py) it also prints when the window first paints
    and when the models are ready, then closes the window: start-up measured on the built app.
    """

    def __init__(self, window, worker, probe: bool = False):
        from PySide6.QtWidgets import QLabel

        super().__init__(window)  # lives in the GUI thread: the worker's signals arrive queued
        self.window, self.probe, self.t0 = window, probe, time.perf_counter()
        self.painted, self.ready = False, worker is None
        self.label = QLabel("Loading models…")
        if worker is not None:
            window.statusBar().addPermanentWidget(self.label)
            worker.succeeded.connect(self.done)
            worker.failed.connect(self.failed)
        if probe:
            self._say(f"shown tensorflow_imported={'tensorflow' in sys.modules}")
            window.installEventFilter(self)

    def _say(self, what: str) -> None:
        print(f"startup-probe {time.perf_counter() - self.t0:.3f} {what}", flush=True)

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt's name)
        if event.type() == QEvent.Type.Paint and not self.painted:
            self.painted = True
            self._say("painted")
            self._quit_when_done()
        return False

    def _quit_when_done(self) -> None:
        if self.probe and self.painted and self.ready:
            QTimer.singleShot(0, self.window.close)

    @Slot(object)
    def done(self, seconds) -> None:
        self.label.hide()
        if self.probe:
            self._say("models-ready")
            self.ready = True
            self._quit_when_done()

    @Slot(object, str)
    def failed(self, exc, tb: str) -> None:
        self.label.setText("Models not loaded: see the log")
        if self.probe:
            self._say(f"models-failed {exc!r}")
            self.ready = True
            self._quit_when_done()


def binding_problem() -> str | None:
    """Why the installed Qt binding cannot run the window, or None."""
    import PySide6

    if sys.version_info < (3, 12) and tuple(PySide6.__version_info__[:3]) == (6, 12, 0):
        return ("PySide6 6.12.0 is installed: under Python 3.11 it loses a reference to None on every Qt "
                "call and the window aborts within seconds. Install an earlier one: "
                "pip install 'PySide6-Essentials>=6.6,<6.12'")
    return None


def run_app(video_path: str | None = None) -> int:
    """The desktop application; opens ``video_path`` when given. Returns the exit status."""
    log_file = setup_logging()
    log.info("starting; log file %s", log_file)
    problem = binding_problem()
    if problem:
        log.error(problem)
        print(f"error: {problem}", file=sys.stderr)
        return 3
    app = create_app()
    # Map TensorFlow's ~1 GB library while the window is built: ctypes releases the GIL for it, so
    # this overlaps building and painting instead of delaying the warm-up that follows.
    from gui.workers import preload_tensorflow_native

    threading.Thread(target=preload_tensorflow_native, name="preload-tensorflow", daemon=True).start()
    from gui.icons import icon
    from gui.main_window import MainWindow

    app.setWindowIcon(icon("app"))
    window = MainWindow()
    install_excepthook(lambda: window)
    window.show()
    probe = os.environ.get("DFI_STARTUP_PROBE") == "1"
    window.loading_state = LoadingState(window, window.start_warm_up(), probe)
    _close_on_interrupt(window)
    if video_path:
        window.open_video(video_path)
    try:
        return app.exec()
    finally:
        window.shutdown()
        log.info("exit")
