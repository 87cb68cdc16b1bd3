"""The Model library tab driven as an analyst drives it: list, set the default for analysis, rename,
delete, export and install, evaluate one bundle and compare two on a labelled folder, import MesoNet
weights. Real bundle folders in a private user folder, generated data, the colour face detector."""

from __future__ import annotations

import shutil

import pytest
from conftest import shared_path
from detectors import SlowDetector
from PySide6.QtCore import QSettings
from trainset import make_images, make_videos

from core import paths
from core.errors import OutputNotWritable
from core.forensic.hashing import sha256_file
from core.models.bundle import default_bundle_id, list_bundles, read_bundle
from gui import library_tab, messages
from gui.main_window import MainWindow
from gui.settings import Settings
from gui.workers import EnginePool


@pytest.fixture
def home(monkeypatch, tmp_path):
    monkeypatch.setenv("DFI_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


@pytest.fixture
def mine(home, tiny_bundle):
    """The tiny bundle installed among the user's models as 'mine'."""
    return read_bundle(shutil.copytree(tiny_bundle.path, paths.user_models_dir() / "mine"))


@pytest.fixture
def other(home):
    """A second tiny_cnn with other weights, installed as 'other'."""
    import keras

    from core.models import registry
    from core.models.bundle import ModelCard, save_bundle

    keras.utils.set_random_seed(7)
    card = ModelCard.for_architecture("tiny_cnn", "other tiny", min_face_px=12)
    return save_bundle(registry.get("tiny_cnn").build_model(), card, paths.user_models_dir() / "other")


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    root = make_images(tmp_path_factory.mktemp("gui_library") / "labelled", identities=3, per_identity=2)
    return make_videos(root, identities=2, frames=6)


class Harness:
    def __init__(self, qtbot, tmp_path, detector):
        self.qtbot, self.tmp_path, self.detector = qtbot, tmp_path, detector
        self.answers: list[bool] = []  # confirm() answers, True when empty
        self.asked: list[str] = []
        self.windows: list[MainWindow] = []

    def confirm(self, _parent, title, _text) -> bool:
        self.asked.append(title)
        return self.answers.pop(0) if self.answers else True

    def window(self, settings_name: str = "settings.ini") -> tuple[MainWindow, library_tab.LibraryTab]:
        settings = Settings(QSettings(str(self.tmp_path / settings_name), QSettings.IniFormat))
        w = MainWindow(settings, EnginePool(), notify=lambda _p, m: None, confirm=self.confirm)
        tab = w.library  # the window installs the tab (library_tab.install)
        tab.evaluation.detector = self.detector
        self.qtbot.addWidget(w)
        w.resize(1366, 768)
        w.show()
        w.tabs.setCurrentWidget(tab)
        self.windows.append(w)
        return w, tab

    def wait_job(self, tab, timeout=60_000):
        self.qtbot.waitUntil(lambda: not tab.busy(), timeout=timeout)


@pytest.fixture
def harness(qtbot, tmp_path, home, colour_detector):
    h = Harness(qtbot, tmp_path, colour_detector)
    yield h
    for w in h.windows:
        w.shutdown()
        w.close()
    h.windows.clear()


def _shipped_ids() -> list[str]:
    shipped = [b.id for b in list_bundles()[0] if b.read_only]
    if not shipped:
        pytest.skip("no shipped model in this checkout")
    return shipped


def _shipped_id():
    return _shipped_ids()[0]


def _ids(tab):
    return [b.id for b in tab.infos]


def test_lists_shipped_and_user_bundles_with_their_hash_and_card(qtbot, harness, mine):
    every = _shipped_ids()
    shipped = every[0]
    w, tab = harness.window()
    assert w.tabs.tabText(w.tabs.indexOf(tab)) == "Model library"
    assert [w.tabs.tabText(i) for i in range(w.tabs.count())].count("Model library") == 1
    assert set(_ids(tab)) == {*every, "mine"} and tab.table.rowCount() == len(every) + 1
    r = _ids(tab).index("mine")
    assert tab.table.item(r, library_tab.WHERE).text() == "yours"
    assert tab.table.item(_ids(tab).index(shipped), library_tab.WHERE).text() == "shipped"
    assert tab.table.item(r, library_tab.NAME).text() == "test tiny_cnn"
    assert tab.table.item(r, 3).text() == "32 px, scale_0_1"
    qtbot.waitUntil(lambda: not tab.hashing(), timeout=10_000)
    assert tab.table.item(r, library_tab.SHA_COL).text() == sha256_file(mine.weights_path)
    tab.select("mine")
    assert sha256_file(mine.weights_path) in tab.details.toPlainText()
    assert "test tiny_cnn" in tab.details.toPlainText() and mine.path in tab.details.toPlainText()
    # a model saved elsewhere (the training tab) shows after refresh()
    shutil.copytree(mine.path, paths.user_models_dir() / "later")
    tab.refresh()
    assert "later" in _ids(tab) and [b.id for b in tab.selected()] == ["mine"]


def test_set_default_changes_what_analysis_uses(qtbot, harness, mine, other):
    w, tab = harness.window()
    before = default_bundle_id()
    assert before != "other"
    assert w.analysis.bundle().id == before
    tab.select("other")
    with qtbot.waitSignal(tab.bundles_changed, timeout=1000):
        qtbot.mouseClick(tab.default_button, library_tab.Qt.LeftButton)
    assert default_bundle_id() == "other"
    assert w.analysis.bundle().id == "other"
    assert tab.row_of("other").is_default and not tab.row_of("mine").is_default
    assert tab.table.item(_ids(tab).index("other"), library_tab.NAME).text().startswith("★")
    assert not tab.default_button.isEnabled()
    # a window opened later (no remembered model) picks it too
    w2, _tab2 = harness.window("fresh.ini")
    assert w2.analysis.bundle().id == "other"


def test_rename_then_delete_a_user_bundle_after_confirming(qtbot, harness, mine, other):
    w, tab = harness.window()
    tab.select("mine")
    assert tab.rename_button.isEnabled() and tab.delete_button.isEnabled()
    with qtbot.waitSignal(tab.bundles_changed, timeout=1000):
        tab.rename("Case 42 detector")
    assert read_bundle(mine.path).card.name == "Case 42 detector"
    assert tab.table.item(_ids(tab).index("mine"), library_tab.NAME).text() == "Case 42 detector"
    assert "Case 42 detector" in [b.card.name for b in w.analysis.bundles]
    tab.rename("other tiny")  # another model's name: refused, with the mapped message
    assert w.last_message.title == "Choose another name" and read_bundle(mine.path).card.name == "Case 42 detector"

    combo = w.analysis.model
    combo.setCurrentIndex(combo.findData("mine"))  # the analyst analyses with it
    harness.answers = [False]
    assert not tab.delete()
    assert harness.asked == ["Delete model"] and (paths.user_models_dir() / "mine").is_dir()
    with qtbot.waitSignal(tab.bundles_changed, timeout=1000):
        assert tab.delete()
    assert not (paths.user_models_dir() / "mine").exists()
    assert "mine" not in _ids(tab) and "mine" not in [b.id for b in w.analysis.bundles]
    assert w.analysis.bundle().id == default_bundle_id()


def test_shipped_bundles_cannot_be_renamed_or_deleted(qtbot, harness, mine):
    shipped = _shipped_id()
    w, tab = harness.window()
    tab.select(shipped)
    assert not tab.rename_button.isEnabled() and not tab.delete_button.isEnabled()
    assert "read-only" in tab.rename_button.toolTip()
    assert tab.export_button.isEnabled() and tab.evaluate_button.isEnabled()
    card = (paths.shipped_models_dir() / shipped / "card.json").read_bytes()
    assert not tab.delete()
    assert w.last_message.title == "Model is read-only" and harness.asked == []
    assert tab.rename("mine now") is None
    assert (paths.shipped_models_dir() / shipped / "card.json").read_bytes() == card
    assert shipped in _ids(tab)


def test_export_then_install_round_trip(qtbot, harness, mine, tmp_path):
    w, tab = harness.window()
    tab.select("mine")
    assert tab.export(tmp_path / "usb") is not None
    assert not tab.export_button.isEnabled()  # one copy at a time
    harness.wait_job(tab)
    exported = read_bundle(tmp_path / "usb" / "mine")
    assert exported.card == mine.card
    assert sha256_file(exported.weights_path) == sha256_file(mine.weights_path)
    assert w.last_message.title == "Model exported" and exported.path in w.last_message.text
    # moved to another machine: delete here, install the exported folder back
    assert tab.delete()
    assert "mine" not in _ids(tab)
    with qtbot.waitSignal(tab.bundles_changed, timeout=10_000):
        tab.install_bundle(exported.path)
        harness.wait_job(tab)
    assert "mine" in _ids(tab) and [b.id for b in tab.selected()] == ["mine"]
    assert "mine" in [b.id for b in w.analysis.bundles]
    # a second install of the same id is refused with a message, nothing changes
    tab.install_bundle(exported.path)
    harness.wait_job(tab)
    assert w.last_message.title == messages.TABLE[OutputNotWritable][0]
    assert "installed already" in w.last_message.text


def test_evaluate_a_bundle_from_the_tab_fills_the_metrics(qtbot, harness, mine, data):
    from core.training.config import DataConfig
    from core.training.evaluate import evaluate

    w, tab = harness.window()
    tab.select("mine")
    view = tab.evaluation
    view.frames.setValue(3)
    assert tab.evaluate(data) is not None
    assert not tab.evaluate_button.isEnabled() and view.cancel_button.isEnabled()
    qtbot.waitUntil(lambda: not view.running(), timeout=60_000)
    assert view.status == "done" and len(view.results) == 1
    r = view.results[0]
    assert r.model["id"] == "mine" and r.split == "all"
    assert [view.table.horizontalHeaderItem(c).text() for c in range(view.table.columnCount())] == \
        ["frames", "videos"]
    expected = evaluate(mine, DataConfig(str(data), frames_per_video=3), detector=harness.detector)
    assert r.frame.n == expected.frame.n == 12 + 4 * 3
    for key in ("accuracy", "precision", "recall", "f1", "roc_auc", "log_loss", "eer"):
        v = getattr(expected.frame, key)
        assert view.value(key, 0) == ("n/a" if v is None else f"{v:.3f}"), key
    assert view.value("n", 1) == f"{expected.video.n:,} ({expected.video.n_real:,} / {expected.video.n_fake:,})"
    assert not view.roc.pixmap().isNull() and view.roc.pixmap().width() == 380
    confusions = [view.confusion_row.itemAt(i).widget() for i in range(view.confusion_row.count())]
    assert len([c for c in confusions if c is not None and not c.pixmap().isNull()]) == 2
    assert tab.evaluate_button.isEnabled() and view.save_button.isEnabled()
    written = view.save(harness.tmp_path / "results")
    assert {p.name for p in written} >= {"evaluation.json", "roc.png", "confusion_frames.png"}
    assert all(p.is_file() for p in written)


def test_cancel_an_evaluation(qtbot, harness, mine, data):
    harness.detector = SlowDetector(harness.detector, 0.3)
    w, tab = harness.window()
    tab.select("mine")
    view = tab.evaluation
    assert not view.cancel_button.isEnabled()  # nothing runs yet: nothing to cancel
    tab.evaluate(data)
    qtbot.waitUntil(lambda: "cropping" in view.progress.format(), timeout=20_000)
    assert view.cancel_button.isEnabled()
    view.cancel()
    qtbot.waitUntil(lambda: not view.running(), timeout=20_000)
    assert view.status == "cancelled" and view.results == () and view.table.columnCount() == 0
    assert "cancelled" in view.summary.text() and tab.evaluate_button.isEnabled()


def test_an_unusable_folder_shows_its_message(qtbot, harness, mine, tmp_path):
    w, tab = harness.window()
    tab.select("mine")
    (tmp_path / "empty" / "real").mkdir(parents=True)
    tab.evaluate(tmp_path / "empty")
    qtbot.waitUntil(lambda: not tab.evaluation.running(), timeout=20_000)
    assert tab.evaluation.status == "failed" and w.last_message.title == "Dataset problem"


def test_compare_two_bundles_side_by_side(qtbot, harness, mine, other, data):
    w, tab = harness.window()
    tab.select("mine")
    assert not tab.compare_button.isEnabled()
    tab.select("mine", "other")
    assert tab.compare_button.isEnabled() and not tab.evaluate_button.isEnabled()
    view = tab.evaluation
    view.frames.setValue(2)
    assert tab.compare(data) is not None
    qtbot.waitUntil(lambda: not view.running(), timeout=90_000)
    assert view.status == "done"
    assert [r.model["id"] for r in view.results] == ["mine", "other"]
    heads = [view.table.horizontalHeaderItem(c).text() for c in range(view.table.columnCount())]
    assert heads == ["model 1\nframes", "model 1\nvideos", "model 2\nframes", "model 2\nvideos"]
    tips = [view.table.horizontalHeaderItem(c).toolTip() for c in range(view.table.columnCount())]
    assert tips == ["test tiny_cnn", "test tiny_cnn", "other tiny", "other tiny"]
    assert "model 1: test tiny_cnn" in view.summary.text() and "model 2: other tiny" in view.summary.text()
    mine_r, other_r = view.results
    assert mine_r.frame.n == other_r.frame.n  # the same crops, two models
    assert view.value("roc_auc", 0) == f"{mine_r.frame.roc_auc:.3f}"
    assert view.value("roc_auc", 2) == f"{other_r.frame.roc_auc:.3f}"
    assert view.value("log_loss", 2) == f"{other_r.frame.log_loss:.3f}"
    assert [f.path for f in mine_r.files] == [f.path for f in other_r.files]
    assert [f.score for f in mine_r.files] != [f.score for f in other_r.files]  # other weights, other scores
    assert not view.roc.pixmap().isNull()
    assert "test tiny_cnn" in view.summary.text() and "other tiny" in view.summary.text()


@pytest.mark.shared_data
def test_mesonet_import_from_the_tab(qtbot, harness):
    weights = shared_path("mesonet", "weights", "Meso4_DF.h5")
    w, tab = harness.window()
    with qtbot.waitSignal(tab.bundles_changed, timeout=120_000):
        assert tab.import_weights(weights) is not None
        harness.wait_job(tab, timeout=120_000)
    assert "Meso4_DF" in _ids(tab) and [b.id for b in tab.selected()] == ["Meso4_DF"]
    row = tab.row_of("Meso4_DF")
    assert row.architecture == "meso4 (frame)" and row.input == "256 px, scale_0_1" and row.output == "p_real"
    assert row.training == "Deepfake faces (DF); imported from Meso4_DF.h5"
    assert "Meso4_DF" in [b.id for b in w.analysis.bundles]
    # the same path as the command line: the same card
    from core.models.mesonet import import_mesonet

    cli_made = import_mesonet(weights, "meso4", out_dir=harness.tmp_path / "cli")
    card = read_bundle(paths.user_models_dir() / "Meso4_DF").card
    assert card.training == cli_made.card.training and card.face_margin == cli_made.card.face_margin
