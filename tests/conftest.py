"""Shared test set-up: offscreen Qt, a private user folder, tiny bundles and generated videos."""

from __future__ import annotations

import gc
import os
import shutil
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
# Every test session writes its caches, logs and user models under a throwaway folder.
os.environ["DFI_HOME"] = tempfile.mkdtemp(prefix="dfi-test-home-")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from detectors import ColourFaceDetector  # noqa: E402,F401  (a fixture below; tests import it from here)
from media import face_image, moving_face_frames, write_video  # noqa: E402

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def shared_path(*parts: str) -> Path:
    """A path under ../shared/data, or a skip when that research data is absent."""
    p = SHARED.joinpath(*parts)
    if not p.exists():
        pytest.skip(f"research data not present: {p}")
    return p


@pytest.fixture(autouse=True)
def _gc_on_gui_thread(request):
    """Qt tests collect garbage on the GUI thread only, as the app does (gui/gc_guard.py); the
    others keep Python's automatic collection."""
    if "qtbot" not in request.fixturenames:
        gc.enable()
        yield
        return
    from gui import gc_guard

    gc_guard.install(request.getfixturevalue("qapp"))
    yield
    gc_guard._held = 0  # a warm-up this test started and did not see finish holds no later test's collections
    gc.unfreeze()  # a warm-up froze what was alive (gc_guard.freeze_long_lived); tests free theirs
    gc.collect()  # this test's windows, here on the GUI thread


@pytest.fixture
def colour_detector():
    return ColourFaceDetector()


def _bundle(tmp_root: Path, arch: str, seed: int = 1):
    import keras

    from core.models import registry
    from core.models.bundle import ModelCard, save_bundle

    keras.utils.set_random_seed(seed)
    model = registry.get(arch).build_model()
    card = ModelCard.for_architecture(arch, f"test {arch}", min_face_px=12)
    return save_bundle(model, card, tmp_root / arch)


@pytest.fixture(scope="session")
def bundles_root(tmp_path_factory):
    return tmp_path_factory.mktemp("bundles")


@pytest.fixture(scope="session")
def tiny_bundle(bundles_root):
    """A saved frame-model bundle (tiny_cnn, 32 px)."""
    return _bundle(bundles_root, "tiny_cnn")


@pytest.fixture(scope="session")
def tiny_seq_bundle(bundles_root):
    """A saved sequence-model bundle (tiny_lstm, windows of 4)."""
    return _bundle(bundles_root, "tiny_lstm")


@pytest.fixture
def evidence(face_video, tmp_path):
    """The face video as an exhibit in a folder of its own (nothing may be written beside it)."""
    d = tmp_path / "evidence"
    d.mkdir()
    return shutil.copy2(face_video, d / "exhibit7.avi")


@pytest.fixture
def log(tmp_path):
    """A private audit log."""
    from core.forensic import audit

    return audit.AuditLog(tmp_path / "audit.jsonl")


@pytest.fixture(scope="session")
def face_video(tmp_path_factory) -> Path:
    """30 frames, 160x120, 10 fps, MJPG: one cartoon face moving right, absent in frames 20-24."""
    frames = moving_face_frames(30, (160, 120), face_image(48))
    blank = np.full_like(frames[0], 30)
    for i in range(20, 25):
        frames[i] = blank
    return write_video(tmp_path_factory.mktemp("video") / "face.avi", frames)


@pytest.fixture
def make_window(qtbot, tmp_path):
    """``make(size, notify)``: the main window with private settings, shown and exposed; shut down after
    the test. ``notify`` receives the window's messages (default: dropped)."""
    from PySide6.QtCore import QSettings

    from gui.main_window import MainWindow
    from gui.settings import Settings

    made = []

    def make(size=(1000, 700), notify=None):
        settings = Settings(QSettings(str(tmp_path / "settings.ini"), QSettings.IniFormat))
        w = MainWindow(settings, notify=notify or (lambda _parent, _msg: None), confirm=lambda *_: True)
        qtbot.addWidget(w)
        w.resize(*size)
        w.show()
        qtbot.waitExposed(w)
        w.activateWindow()
        made.append(w)
        return w

    yield make
    for w in made:
        w.shutdown()
