"""Start-up: the window shows a loading state while the models load, and nothing is written
outside the app's user folders (Keras's keras.json included)."""

import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMainWindow

from gui.app import LoadingState

ROOT = Path(__file__).resolve().parents[1]


class FakeWarmUp(QObject):
    succeeded = Signal(object)
    failed = Signal(object, str)


def test_loading_state_shows_until_the_models_are_ready(qtbot):
    window, worker = QMainWindow(), FakeWarmUp()
    qtbot.addWidget(window)
    state = LoadingState(window, worker)
    window.show()
    assert state.label.isVisible() and state.label.text() == "Loading models…"
    worker.succeeded.emit(1.0)
    assert not state.label.isVisible()


def test_loading_state_says_when_the_models_failed(qtbot):
    window, worker = QMainWindow(), FakeWarmUp()
    qtbot.addWidget(window)
    state = LoadingState(window, worker)
    window.show()
    worker.failed.emit(RuntimeError("x"), "")
    assert "not loaded" in state.label.text()


def test_startup_probe_reports_paint_and_ready_then_closes(qtbot, capsys):
    window, worker = QMainWindow(), FakeWarmUp()
    qtbot.addWidget(window)
    LoadingState(window, worker, probe=True)
    window.show()
    qtbot.waitUntil(lambda: "painted" in capsys.readouterr().out, timeout=5000)
    worker.succeeded.emit(1.0)
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=5000)


def test_keras_config_goes_to_the_app_config_folder(tmp_path):
    home, dfi = tmp_path / "home", tmp_path / "dfi"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "KERAS_HOME"} | {"HOME": str(home), "DFI_HOME": str(dfi)}
    code = "from core.keras_env import keras; keras()"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert not (home / ".keras").exists()
    assert (dfi / "config" / "keras" / "keras.json").is_file()
