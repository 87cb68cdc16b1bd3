"""The Training tab driven as an analyst drives it: read a folder, train, watch, cancel, save the
model and analyse a video with it. Tiny generated data, the tiny test architecture, the colour
face detector, offscreen."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from test_gui_window import Harness, _face_video
from trainset import make_images, make_videos

from core import paths
from core.errors import DatasetError
from core.models.bundle import read_bundle
from core.training.dataset import CLASSES
from gui import messages
from gui.training_tab import TrainingTab
from gui.workers import WorkerPool


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """8 identities x 3 images per class, plus 2 short videos per class."""
    root = make_images(tmp_path_factory.mktemp("gui_train") / "faces", identities=8, per_identity=3)
    return make_videos(root, identities=2, frames=8)


@pytest.fixture
def tab(qtbot, colour_detector):
    pool = WorkerPool()
    answers = []
    t = TrainingTab(pool, confirm=lambda *_: answers.pop(0) if answers else True, detector=colour_detector)
    t.answers = answers
    t.form.fill_architectures(include_test=True)
    qtbot.addWidget(t)
    t.resize(1300, 900)
    t.show()
    yield t
    pool.join_all()


def _tiny(tab, data, name, epochs=2):
    f = tab.form
    f.set_data_folder(str(data))
    f.select_arch("tiny_cnn")
    f.epochs.setValue(epochs)
    f.patience.setValue(min(epochs, 100))  # no early stop: a run lasts until cancelled or done
    f.batch.setValue(8)
    f.lr.setValue(0.01)
    for cb in f.augment.values():
        cb.setChecked(False)
    f.name.setText(name)


def test_scan_shows_the_counts_warnings_and_faces(qtbot, tab, data):
    tab.form.set_data_folder(str(data))
    (data / "real" / "broken.png").write_bytes(b"")  # an empty file is listed as unusable
    (data / "notes.txt").write_text("not media")
    try:
        w = tab.scan()
        qtbot.waitUntil(lambda: not tab.scanning(), timeout=60_000)
        s = tab.data_view.summary
        assert s is not None and tab.message is None
        # what was written: 24 images and 2 videos per class, spread over the three splits
        for cname in CLASSES:
            shown = sum(tab.data_view.cell(split, f"{cname} images") for split in ("train", "validation", "test"))
            videos = sum(tab.data_view.cell(split, f"{cname} videos") for split in ("train", "validation", "test"))
            assert (shown, videos) == (24, 2)
        assert tab.data_view.cell("train", "groups") == s.groups("train") > 1
        notes = tab.data_view.notes.text()
        assert "1 file cannot be used" in notes and "broken.png" in notes and "empty file" in notes
        assert tab.data_view.crop_count == {"real": 5, "fake": 5}
        assert w.name == "scan-dataset"
    finally:
        (data / "real" / "broken.png").unlink()
        (data / "notes.txt").unlink()


def test_bad_folders_say_so_in_the_tab_before_anything_starts(qtbot, tab, tmp_path, data):
    assert tab.start() is None
    assert tab.message.title == "Cannot start training" and "data folder" in tab.message.text
    tab.form.set_data_folder(str(tmp_path))  # no real/ or fake/ in it
    tab.scan()
    qtbot.waitUntil(lambda: not tab.scanning(), timeout=10_000)
    assert tab.message.title == messages.TABLE[DatasetError][0]
    assert "real/" in tab.message.text and "could not be read" in tab.data_view.header.text()
    only_real = tmp_path / "only_real"
    shutil.copytree(data / "real", only_real / "real")
    _tiny(tab, only_real, "no-fakes")
    tab.start()
    qtbot.waitUntil(lambda: not tab.running(), timeout=10_000)
    assert "no fake examples" in tab.message.text and tab.staged is None
    assert tab.start_button.isEnabled() and tab.form.isEnabled()  # usable again
    # read first, the folder tells what cannot work before Start is pressed
    _tiny(tab, data, "too-big")
    tab.form.batch.setValue(512)
    tab.scan()
    qtbot.waitUntil(lambda: not tab.scanning(), timeout=60_000)
    assert tab.message.title == "Before training" and "fewer than one batch of 512" in tab.message.text
    assert tab.start() is None and not tab.running() and "fewer than one batch" in tab.message.text


def test_cancel_mid_run_offers_the_best_checkpoint(qtbot, tab, data):
    _tiny(tab, data, "cut", epochs=300)
    tab.start()
    qtbot.waitUntil(lambda: len(tab.plots.epochs) >= 2, timeout=60_000)
    assert tab.running() and not tab.form.isEnabled() and tab.cancel_button.isEnabled()
    tab.cancel()
    qtbot.waitUntil(lambda: not tab.running(), timeout=10_000)
    assert tab.result.status == "cancelled" and tab.result.epochs_run < 300
    qtbot.waitUntil(lambda: tab.staged is not None, timeout=10_000)  # confirm answered yes: kept
    best = tab.result.best_epoch
    assert best is not None and f"checkpoint, epoch {best}" in tab.staged.card.name
    assert read_bundle(tab.staged.path).card.training["epochs_run"] == best
    auc = tab.staged.card.metrics["val_auc"]  # the kept checkpoint's figures fill the result table
    assert tab.results.value("roc_auc", "validation") == f"{auc:.3f}"
    assert tab.results.value("accuracy", "validation") not in ("", "n/a")
    tab.discard()
    assert tab.staged is None and not tab.save_button.isEnabled()


def test_cancel_before_any_epoch_keeps_nothing(qtbot, tab, data):
    _tiny(tab, data, "early", epochs=30)
    tab.start()
    tab.cancel()  # before the first epoch could end
    qtbot.waitUntil(lambda: not tab.running(), timeout=10_000)
    assert tab.result.status == "cancelled" and tab.staged is None


@pytest.fixture
def window(qtbot, tmp_path, colour_detector, tiny_bundle):
    target = paths.user_models_dir() / tiny_bundle.id
    if not target.exists():
        shutil.copytree(tiny_bundle.path, target)
    h = Harness(qtbot, tmp_path, colour_detector)
    w = h.window()
    w.training.detector = colour_detector
    w.training.form.fill_architectures(include_test=True)
    yield h, w
    w.shutdown()


def test_a_run_from_the_tab_becomes_a_model_the_window_analyses_with(qtbot, window, data, tmp_path):
    h, w = window
    video = _face_video(tmp_path, 30, seed=31)
    h.open(w, video)
    w.tabs.setCurrentWidget(w.training)
    assert not w.side_dock.isVisible()  # the review docks make room
    tab = w.training
    _tiny(tab, data, "Case 31 tiny", epochs=3)
    tab.form.keep.setCurrentIndex(tab.form.keep.findData(True))  # the mean of the later half's epochs
    tab.start()
    # while it trains, the review page still answers: seek the open video
    qtbot.waitUntil(lambda: bool(tab.plots.batches), timeout=60_000)
    w.show_review()
    assert w.side_dock.isVisible()
    w.playback.seek(12)
    qtbot.waitUntil(lambda: w.view.shown_index == 12 and w.view.exact, timeout=5000)
    qtbot.waitUntil(lambda: tab.staged is not None, timeout=120_000)

    r = tab.result
    assert r.status == "completed" and len(tab.plots.epochs) == 3 == r.epochs_run
    assert tab.results.value("accuracy", "validation") == f"{r.val_metrics.accuracy:.3f}"
    assert tab.results.value("roc_auc", "test") not in ("", "n/a")
    assert tab.results.confusion["validation"].pixmap() is not None
    assert len(tab.results._roc_items) == 2 and f"{r.threshold:.3f}" in tab.results.summary.text()
    assert r.averaged_epochs == (2, 3) and "epochs 2-3 averaged" in tab.results.summary.text()
    assert str(paths.cache_dir()) in tab.staged.path  # not in the library until saved

    tab.save()
    qtbot.waitUntil(lambda: tab.staged is None and tab.message is not None, timeout=20_000)
    assert tab.message.title == "Model saved"
    saved = paths.user_models_dir() / "Case_31_tiny"
    info = read_bundle(saved)
    assert info.card.name == "Case 31 tiny" and info.card.training["epochs_run"] == 3
    # listed in the model library, selected there
    assert w.library.row_of("Case_31_tiny") is not None and w.library.current().id == "Case_31_tiny"
    # listed for analysis, and analysing with it works
    combo = w.analysis.model
    combo.setCurrentIndex(combo.findData("Case_31_tiny"))
    assert w.analysis.bundle().id == "Case_31_tiny"
    h.analyse(w)
    result = w.current_result()
    assert result is not None and result.complete and result.model.name == "Case 31 tiny"
    # and offered as a starting point for fine-tuning
    assert tab.form.start.findData(str(saved)) >= 0


def test_closing_the_window_mid_run_cancels_joins_and_asks_nothing(qtbot, window, data):
    _h, w = window
    asked = []
    w.training.confirm = lambda *a: asked.append(a) or True
    _tiny(w.training, data, "closing", epochs=300)
    worker = w.training.start()
    qtbot.waitUntil(lambda: len(w.training.plots.epochs) >= 2, timeout=60_000)
    w.close()
    qtbot.waitUntil(lambda: not w.isVisible(), timeout=10_000)
    assert worker.cancelled() and w.workers.running() == [] and asked == []
    assert not (paths.user_models_dir() / "closing").exists()


def test_a_sequence_model_is_offered_a_frame_detectors_features_as_its_encoder(tab, tiny_bundle):
    lite0 = read_bundle(Path(__file__).resolve().parents[1] / "models" / "sbi-efficientnet-lite0-v2")
    f = tab.form
    f.set_bundles([lite0, tiny_bundle])
    f.select_arch("efficientnet_lite0_lstm")
    offered = {f.start.itemData(i): f.start.itemText(i) for i in range(f.start.count())}
    assert offered[lite0.path] == f"Read windows in the features of: {lite0.card.name}"
    assert tiny_bundle.path not in offered  # its backbone is not this model's encoder
    f.start.setCurrentIndex(f.start.findData(lite0.path))
    assert f.train_config("/tmp/out").init_from == lite0.path
    f.select_arch("efficientnet_lite0")  # the frame architecture: the same bundle is fine-tuned further
    assert f.start.itemText(f.start.findData(lite0.path)) == f"Fine-tune further: {lite0.card.name}"


def test_the_form_keeps_the_best_epoch_or_averages_the_later_half(tab):
    f = tab.form
    f.select_arch("tiny_cnn")
    f.epochs.setValue(10)
    assert f.train_config("out").average_from == 0  # the best epoch, unless asked
    f.keep.setCurrentIndex(f.keep.findData(True))
    assert f.train_config("out").average_from == 6  # epochs 6-10
    f.epochs.setValue(3)
    assert f.train_config("out").average_from == 2


def test_the_form_offers_the_imagenet_backbones_with_their_own_depths(tab):
    f = tab.form
    f.select_arch("efficientnet_lite0")
    assert f.start.itemData(0) is not None and "ImageNet backbone (efficientnet_lite0" in f.start.itemText(0)
    depths = [f.depth.itemData(i) for i in range(f.depth.count())]
    assert depths == ["none", "block6a_expand_conv", "block4a_expand_conv", "all"] and f.depth.currentData() == "all"
    f.set_data_folder("/nonexistent")
    cfg = f.train_config("/tmp/out")
    assert cfg.arch == "efficientnet_lite0" and not cfg.from_scratch and not cfg.freeze_backbone
    f.select_arch("resnet50_v2")
    assert "ImageNet backbone (resnet50" in f.start.itemText(0)
    assert f.depth.currentData() == "conv5_block1_1_conv" and "conv4_block1_1_conv" in [
        f.depth.itemData(i) for i in range(f.depth.count())]
    f.select_arch("tiny_lstm")
    assert not f.depth.isEnabled() and f.self_blend.isEnabled()  # temporal self-blends for sequence models


def test_the_plots_draw_one_auc_curve_per_validation_source_and_forget_them_on_reset(qtbot):
    from core.training.config import EpochMetrics
    from gui.training_plots import LivePlots

    plots = LivePlots()
    qtbot.addWidget(plots)

    def epoch(n, by_source):
        return EpochMetrics(n, 0.5, 0.8, 0.6, 0.7, 0.75, 0.3, 1.0, n == 1, None, by_source)
    plots.add_epoch(epoch(1, {"celebdf": 0.9, "deepfacelive": None}))
    plots.add_epoch(epoch(2, {"celebdf": 0.8, "deepfacelive": 0.6}))
    assert list(plots.source_auc) == ["celebdf", "deepfacelive"]
    x, y = plots.source_auc["deepfacelive"].getData()
    assert list(x) == [2] and list(y) == [0.6]  # the epoch without a fake of that source is left out
    assert list(plots.source_auc["celebdf"].getData()[1]) == [0.9, 0.8]
    names = [label.text for _, label in plots.score.legend.items]
    assert "validation AUC, deepfacelive" in names
    plots.reset()
    assert not plots.source_auc
    assert "validation AUC, deepfacelive" not in [lb.text for _, lb in plots.score.legend.items]
    plots.add_epoch(epoch(1, None))  # one source: no extra curve
    assert not plots.source_auc


def test_the_result_names_each_validation_sources_auc():
    from gui.training_results import per_source_text

    text = per_source_text({"val_by_source": {"celebdf": {"auc": 0.9123, "real": 384, "fake": 384},
                                              "<webcam>": {"auc": None, "real": 60, "fake": 0}}})
    assert "celebdf <b>0.912</b> (384 real, 384 fake)" in text
    assert "&lt;webcam&gt; <b>n/a</b> (60 real, 0 fake)" in text  # folder names are text, not markup
    assert per_source_text({"val_auc": 0.8}) == ""
