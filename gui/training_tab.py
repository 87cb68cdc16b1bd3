"""The Training tab: read a labelled folder, train a registry architecture on it in a worker thread
with live curves, judge the result, and save it as a named bundle in the user's models.

Runs train into a staging folder in the cache; only Save puts a bundle in the model library
(the user's data directory, never the install folder). A run that is cancelled or fails keeps
its checkpoints, and the tab offers to keep the best one.
"""

from __future__ import annotations

import html
import shutil
import threading
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from core.models.bundle import BundleInfo, list_bundles
from core.paths import slug
from core.training.config import TrainConfig, TrainProgress
from core.training.dataset import DatasetSummary
from core.training.precheck import early_problems
from core.training.publish import publish, staging_dir, target_for
from core.training.trainer import TrainResult, keep_best_checkpoint, unfinished_run
from gui import messages
from gui.dataset_view import DatasetView
from gui.training_form import TrainingForm
from gui.training_plots import LivePlots
from gui.training_results import ResultsView
from gui.training_workers import DataPreview, ScanWorker, TrainWorker
from gui.workers import FunctionWorker, Worker, WorkerPool

STAGE_TEXT = {"scanning": "Reading the folder", "extracting": "Finding and cropping faces",
               "landmarks": "Finding face landmarks for self-blends",
              "encoding": "Computing backbone features", "training": "Training", "validating": "Validating",
              "saving": "Saving a checkpoint", "done": "Finishing"}
STALE_STAGING_S = 24 * 3600
DATA_PAGE, CURVES_PAGE, RESULT_PAGE = range(3)


class TrainingTab(QWidget):
    bundle_saved = Signal(object)  # BundleInfo, once it is in the user's models

    def __init__(self, workers: WorkerPool, confirm: Callable[[QWidget, str, str], bool], detector=None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.workers = workers
        self.confirm = confirm
        self.detector = detector  # None: MTCNN, made in a worker when first needed
        self._mtcnn = None
        self._mtcnn_lock = threading.Lock()
        self.scan_worker: ScanWorker | None = None
        self.train_worker: TrainWorker | None = None
        self.config: TrainConfig | None = None
        self.staged: BundleInfo | None = None  # trained, not yet saved
        self.result: TrainResult | None = None
        self.message: messages.Message | None = None
        self.shutting_down = False  # the window is closing: ask nothing
        self._build()
        self.refresh_bundles()
        self._purge_stale_staging()
        self._update()

    # -- layout ---------------------------------------------------------------------------
    def _build(self) -> None:
        self.form = TrainingForm()
        self.form.data_changed.connect(self._on_data_changed)
        self.scan_button = QPushButton("Scan folder")
        self.scan_button.clicked.connect(self.scan)
        self.start_button = QPushButton("Start training")
        self.start_button.clicked.connect(self.start)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel)
        buttons = QHBoxLayout()
        for b in (self.scan_button, self.start_button, self.cancel_button):
            buttons.addWidget(b)
        left = QWidget()  # the buttons stay in view below the scrolling form
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addWidget(_scroll(self.form, 460), 1)
        ll.addLayout(buttons)

        self.banner = QLabel()
        self.banner.setWordWrap(True)
        self.banner.setTextFormat(Qt.RichText)
        self.banner.setObjectName("banner")
        self.banner.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.data_view = DatasetView()
        self.stage = QLabel("Not started.")
        self.bar = QProgressBar()
        self.bar.setTextVisible(True)
        self.plots = LivePlots()
        self.results = ResultsView()
        self.save_button = QPushButton("Save to model library")
        self.save_button.clicked.connect(self.save)
        self.discard_button = QPushButton("Discard")
        self.discard_button.clicked.connect(self.discard)
        self.saved_label = QLabel()
        self.saved_label.setWordWrap(True)
        save_row = QHBoxLayout()
        save_row.addWidget(self.saved_label, 1)
        save_row.addWidget(self.discard_button)
        save_row.addWidget(self.save_button)
        res = QWidget()
        rl = QVBoxLayout(res)
        rl.addWidget(self.results, 1)
        rl.addLayout(save_row)

        # One page at a time on a laptop screen; the tab follows the work (scan, train, result).
        self.pages = QTabWidget()
        self.pages.addTab(_scroll(self.data_view, 400), "What the data holds")
        self.pages.addTab(self.plots, "Training curves")
        self.pages.addTab(res, "Result")
        right = QWidget()
        rlay = QVBoxLayout(right)
        rlay.addWidget(self.banner)
        rlay.addWidget(self.stage)
        rlay.addWidget(self.bar)
        rlay.addWidget(self.pages, 1)

        split = QSplitter(Qt.Horizontal)
        split.addWidget(left)
        split.addWidget(right)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 5)
        split.setChildrenCollapsible(False)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(split)
        self._plot_timer = QTimer(self)
        self._plot_timer.setInterval(200)  # per-batch points arrive fast; draw a few times a second
        self._plot_timer.timeout.connect(self.plots.flush)
        self._plot_timer.start()

    # -- state --------------------------------------------------------------------------------
    # A worker counts as running until its last signal has been handled here, not just until its
    # thread ends: its result may still be queued for the GUI thread.
    def running(self) -> bool:
        return self.train_worker is not None

    def scanning(self) -> bool:
        return self.scan_worker is not None

    def _scan_ended(self) -> None:
        self.scan_worker = None
        self._update()

    def _train_ended(self) -> None:
        self.train_worker = None
        self._update()

    def _update(self) -> None:
        busy = self.running()
        self.form.setEnabled(not busy)
        self.scan_button.setEnabled(not busy and not self.scanning())
        self.start_button.setEnabled(not busy)
        self.cancel_button.setEnabled(busy or self.scanning())
        self.save_button.setEnabled(self.staged is not None and not busy)
        self.discard_button.setEnabled(self.staged is not None and not busy)

    def show_message(self, msg: messages.Message | None) -> None:
        """Problems and outcomes show in the tab, where the analyst is looking."""
        self.message = msg
        if msg is None:
            self.banner.clear()
            self.banner.hide()
            return
        colour = {"information": "#2e7d32", "critical": "#c62828"}.get(msg.icon, "#b26a00")
        hint = f"<br><i>{html.escape(msg.hint)}</i>" if msg.hint else ""
        self.banner.setText(f"<span style='color:{colour}'><b>{html.escape(msg.title)}</b></span>: "
                            f"{html.escape(msg.text)}{hint}")
        self.banner.show()

    def refresh_bundles(self) -> None:
        self.form.set_bundles(list_bundles()[0])

    # -- the detector (MTCNN unless a test gives one) -----------------------------------------
    def _detector(self):
        if self.detector is not None:
            return self.detector
        with self._mtcnn_lock:
            if self._mtcnn is None:
                from core.faces import FaceDetector

                self._mtcnn = FaceDetector()
            return self._mtcnn

    # -- scanning -------------------------------------------------------------------------------
    @Slot()
    def _on_data_changed(self) -> None:
        if self.data_view.summary is not None:
            self.data_view.clear("The folders or settings changed: scan again to see what they hold.")

    def scan(self) -> ScanWorker | None:
        problems = [p for p in self.form.problems() if "folder" in p]
        if problems:
            self.show_message(messages.Message("Choose the data", " ".join(problems)))
            return None
        if self.scanning():
            return None
        self.show_message(None)
        self.data_view.clear("Reading the folder…")
        self.pages.setCurrentIndex(DATA_PAGE)
        self.scan_worker = self.workers.start(ScanWorker(self.form.data_config(), self._detector),
                                              progress=self._on_scan_progress, succeeded=self._on_scanned,
                                              failed=self._on_scan_failed, finished=self._scan_ended)
        self._update()
        return self.scan_worker

    @Slot(object)
    def _on_scan_progress(self, p) -> None:
        if isinstance(p, DatasetSummary):
            self.data_view.set_summary(p)
            self.data_view.crop_note.setText("Cropping a few faces per class…")
        elif isinstance(p, TrainProgress) and p.total:
            self.data_view.header.setText(f"Reading the folder: {p.done:,} of {p.total:,} files hashed…")

    @Slot(object)
    def _on_scanned(self, preview: DataPreview) -> None:
        self.data_view.set_summary(preview.summary)
        self.data_view.set_crops(preview.crops, "A few faces per class, cropped as training will crop them.")
        problems = early_problems(self.form.train_config(""), preview.summary)
        if problems:
            self.show_message(messages.Message("Before training", " ".join(problems)))

    # -- training ---------------------------------------------------------------------------------
    def start(self) -> TrainWorker | None:
        if self.running():
            return None
        problems = self.form.problems()
        name = self.form.name.text().strip()
        if name and target_for(name).exists():
            problems.append(f"A model called {name} exists already: choose another name.")
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        config = self.form.train_config(str(staging_dir() / f"{stamp}-{slug(name)}" / "model"))
        if not problems:
            problems = early_problems(config, self.data_view.summary)
        if problems:
            self.show_message(messages.Message("Cannot start training", " ".join(problems)))
            return None
        if self.staged is not None and not self.confirm(
                self, "Unsaved model", "The last trained model has not been saved. Discard it and train again?"):
            return None
        self._drop_staged()
        self.config = config
        self.show_message(None)
        self.results.clear()
        self.plots.reset()
        self.saved_label.clear()
        self.bar.setRange(0, 0)
        self.stage.setText("Starting…")
        self.pages.setCurrentIndex(CURVES_PAGE)
        self._t0 = time.monotonic()
        self.train_worker = self.workers.start(TrainWorker(self.config, self.detector), progress=self._on_progress,
                                               succeeded=self._on_trained, failed=self._on_train_failed,
                                               finished=self._train_ended)
        self._update()
        return self.train_worker

    def cancel(self) -> None:
        if self.running():
            self.train_worker.cancel()
            self.stage.setText("Stopping after the current batch…")
        if self.scanning():
            self.scan_worker.cancel()

    @Slot(object)
    def _on_progress(self, p: TrainProgress) -> None:
        if p.epoch_end is not None:
            self.plots.add_epoch(p.epoch_end)
        if p.stage == "training":
            self.plots.add_batch(p)
            done = (p.epoch - 1) * p.total + p.done
            self.bar.setRange(0, max(1, p.epochs * p.total))
            self.bar.setValue(done)
            loss = f", loss {p.loss:.4f}, accuracy {p.accuracy:.3f}" if p.loss is not None else ""
            self.stage.setText(f"Training: epoch {p.epoch} of {p.epochs}, batch {p.done} of {p.total}{loss}"
                               f"{_eta(p.eta_s)}")
        elif p.stage in ("scanning", "extracting", "encoding") and p.total:
            self.bar.setRange(0, p.total)
            self.bar.setValue(p.done)
            self.stage.setText(f"{STAGE_TEXT[p.stage]}: {p.done:,} of {p.total:,}{_eta(p.eta_s)}")
        elif p.stage in STAGE_TEXT and p.stage != "training":
            self.stage.setText(STAGE_TEXT[p.stage] + (f" (epoch {p.epoch})" if p.epoch else "") + "…")

    @Slot(object)
    def _on_trained(self, r: TrainResult) -> None:
        self.result = r
        self.plots.flush()
        if r.status == "cancelled":
            self.bar.setRange(0, 1)
            self.bar.setValue(0)
            self.stage.setText(f"Cancelled after {r.epochs_run} complete epochs.")
            self._offer_checkpoint("Training cancelled")
            return
        self.bar.setRange(0, 1)
        self.bar.setValue(1)
        self.stage.setText(f"Done: {r.epochs_run} epochs in {r.elapsed_s:.0f} s.")
        self.results.show_result(r)
        self._stage(r.bundle)
        self.pages.setCurrentIndex(RESULT_PAGE)

    @Slot(object, str)
    def _on_train_failed(self, exc: BaseException, tb: str) -> None:
        self.stage.setText("Stopped by an error.")
        self.bar.setRange(0, 1)
        self._on_failed(exc, tb)
        self._offer_checkpoint("Training failed")

    @Slot(object, str)
    def _on_failed(self, exc: BaseException, tb: str) -> None:
        self.show_message(messages.describe(exc, tb))

    @Slot(object, str)
    def _on_scan_failed(self, exc: BaseException, tb: str) -> None:
        self.data_view.clear("The folder could not be read.")
        self._on_failed(exc, tb)

    def _offer_checkpoint(self, title: str) -> None:
        if self.shutting_down or self.config is None or unfinished_run(self.config) is None:
            return
        if not self.confirm(self, title, "The best epoch so far was saved as a checkpoint. Keep it as the "
                                         "result, to evaluate or save?"):
            return
        cfg = self.config
        w = FunctionWorker("keep-checkpoint", lambda _w: keep_best_checkpoint(cfg))
        self.workers.start(w, succeeded=self._on_kept, failed=self._on_failed)

    @Slot(object)
    def _on_kept(self, info: BundleInfo) -> None:
        self._stage(info)
        self.results.clear()
        self.results.show_card_metrics(info.card.metrics or {})
        self.results.summary.setText(f"Kept the best checkpoint: <b>{html.escape(info.card.name)}</b>, threshold "
                                     f"{info.card.threshold:.3f}; the table shows its validation figures from "
                                     "its card (no ROC curve: the run stopped before the final evaluation).")

    def _stage(self, info: BundleInfo) -> None:
        self.pages.setCurrentIndex(RESULT_PAGE)
        self.staged = info
        self.saved_label.setText("Not saved yet: name it on the left and press Save.")
        self._update()

    # -- saving ----------------------------------------------------------------------------------
    def save(self, name: str | None = None) -> Worker | None:
        if self.staged is None:
            return None
        name = (name or self.form.name.text()).strip()
        staged = self.staged.path
        w = FunctionWorker("save-model", lambda _w: publish(staged, name))
        self.workers.start(w, succeeded=self._on_saved, failed=self._on_failed)
        self.save_button.setEnabled(False)
        return w

    @Slot(object)
    def _on_saved(self, info: BundleInfo) -> None:
        self._drop_staged()
        self.saved_label.setText(f"Saved as {info.card.name} ({info.path}).")
        self.show_message(messages.info("Model saved", f"{info.card.name} is in the model library and can be "
                                        "chosen for analysis."))
        self._update()
        self.bundle_saved.emit(info)

    def discard(self) -> None:
        self._drop_staged()
        self.saved_label.setText("Discarded.")
        self._update()

    def _drop_staged(self) -> None:
        if self.staged is not None:
            shutil.rmtree(Path(self.staged.path).parent, ignore_errors=True)
        self.staged = None

    def _purge_stale_staging(self) -> None:
        """Unsaved runs of earlier sessions (older than a day) are cache, not models."""
        base = staging_dir()
        if not base.is_dir():
            return
        for run in base.iterdir():
            try:
                if time.time() - run.stat().st_mtime > STALE_STAGING_S:
                    shutil.rmtree(run, ignore_errors=True)
            except OSError:
                continue


def _eta(seconds: float | None) -> str:
    if seconds is None:
        return ""
    m, s = divmod(int(round(seconds)), 60)
    return f" — about {m} min {s:02d} s left" if m else f" — about {s} s left"


def _scroll(widget: QWidget, min_width: int) -> QScrollArea:
    """Scrolls up and down only, so it is never narrower than what it holds: no field is cut off
    at its right edge without a scroll bar to reach it."""
    area = QScrollArea()
    area.setWidget(widget)
    area.setWidgetResizable(True)
    area.setFrameShape(QScrollArea.NoFrame)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
    room = widget.minimumSizeHint().width() + area.verticalScrollBar().sizeHint().width() + 2
    area.setMinimumWidth(max(min_width, room))
    return area


def install(window, detector=None) -> TrainingTab:
    tab = TrainingTab(window.workers, window.confirm, detector)
    window.add_tab("Training", tab)
    tab.bundle_saved.connect(lambda _info: window.refresh_models())  # lists it for analysis and fine-tuning
    return tab
