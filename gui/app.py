"""Starting the window: QApplication, theme, logging to the user's log folder, settings, crash dialog."""

from __future__ import annotations

import logging
import logging.handlers
import sys
import traceback

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

    from gui import theme

    app = QApplication.instance() or QApplication(argv or [sys.argv[0]])
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
    from gui.icons import icon
    from gui.main_window import MainWindow

    app.setWindowIcon(icon("app"))
    window = MainWindow()
    install_excepthook(lambda: window)
    window.show()
    window.start_warm_up()
    _close_on_interrupt(window)
    if video_path:
        window.open_video(video_path)
    try:
        return app.exec()
    finally:
        window.shutdown()
        log.info("exit")
