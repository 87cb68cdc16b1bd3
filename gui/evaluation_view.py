"""Evaluating one bundle, or comparing two, on a labelled folder: the model library's lower half.

The work is :func:`core.training.evaluate.evaluate` in a worker thread (the same numbers as the
``evaluate`` command): progress and Cancel while it runs, then the metrics side by side, the ROC
curves in one chart and a confusion matrix per model.
"""

from __future__ import annotations

import html
from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.errors import InspectorError
from core.forensic import atomic
from core.training.config import DataConfig, TrainProgress
from core.training.evaluate import EvaluationResult, evaluate, write_plots
from core.training.plots import confusion_png, roc_png
from gui.pixmaps import rgb_pixmap
from gui.workers import Worker, WorkerPool, preload_tensorflow_native

METRIC_ROWS = (("Accuracy", "accuracy"), ("Precision", "precision"), ("Recall", "recall"), ("F1", "f1"),
               ("ROC AUC", "roc_auc"), ("Log loss", "log_loss"), ("EER", "eer"), ("Threshold", "threshold"),
               ("Samples (real / fake)", "n"))
SPLITS = (("whole folder (its test/ split if it has one)", None), ("every file", "all"), ("test/ only", "test"),
          ("validation/ only", "validation"), ("train/ only", "train"))
STAGES = {"scanning": "Reading the folder", "extracting": "Finding and cropping faces", "scoring": "Scoring"}
LEVELS = (("frames", "frame", "frame_roc"), ("videos", "video", "video_roc"))


class EvaluateWorker(Worker):
    """Evaluates each bundle in turn on the same data; progress: (index, count, name, TrainProgress)."""

    name = "evaluate"

    def __init__(self, bundles, data: DataConfig, split: str | None, detector=None):
        super().__init__()
        self.bundles, self.data, self.split, self.detector = list(bundles), data, split, detector

    def work(self) -> tuple[EvaluationResult, ...]:
        preload_tensorflow_native()
        detector = self.detector
        if detector is None:  # one MTCNN for every bundle, made here, off the GUI thread
            from core.faces import FaceDetector

            detector = FaceDetector(self.data.detect_width, self.data.min_confidence)
        out = []
        for i, bundle in enumerate(self.bundles):
            def step(p, i=i, name=bundle.card.name):
                if isinstance(p, TrainProgress):
                    self.report((i, len(self.bundles), name, p))

            out.append(evaluate(bundle, self.data, split=self.split, progress=step, should_cancel=self.cancelled,
                                detector=detector))
        return tuple(out)


class EvaluationView(QWidget):
    error = Signal(object, str)  # exception, traceback: the window shows it
    busy_changed = Signal(bool)

    def __init__(self, workers: WorkerPool, detector=None, parent: QWidget | None = None):
        super().__init__(parent)
        self.workers, self.detector = workers, detector
        self.worker: EvaluateWorker | None = None
        self.results: tuple[EvaluationResult, ...] = ()
        self.status = ""  # "done", "cancelled", "failed" after a run
        self._build()
        self.clear()

    # -- layout ---------------------------------------------------------------------------
    def _build(self) -> None:
        self.folder = QLineEdit()
        self.folder.setPlaceholderText("a folder with real/ and fake/ (or train/ validation/ test/ holding them)")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._choose_folder)
        self.split = QComboBox()
        for text, value in SPLITS:
            self.split.addItem(text, value)
        self.frames = QSpinBox()
        self.frames.setRange(1, 256)
        self.frames.setValue(16)
        self.frames.setSuffix(" frames per video")
        self.frames.setToolTip("Evenly spaced frames scored per video; a video's score is their mean.")
        self.faces = QCheckBox("images are face crops")
        self.faces.setToolTip("Use images whole instead of finding the face in them.")
        grid = QGridLayout()
        grid.addWidget(QLabel("Labelled folder"), 0, 0)
        grid.addWidget(self.folder, 0, 1, 1, 3)
        grid.addWidget(browse, 0, 4)
        grid.addWidget(QLabel("Files"), 1, 0)
        grid.addWidget(self.split, 1, 1)
        grid.addWidget(self.frames, 1, 2)
        grid.addWidget(self.faces, 1, 3)
        grid.setColumnStretch(1, 1)

        self.progress = QProgressBar()
        self.progress.setTextVisible(True)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel)
        self.cancel_button.setEnabled(False)  # nothing to cancel until an evaluation runs
        self.save_button = QPushButton("Save results…")
        self.save_button.setToolTip("Write evaluation.json, the ROC curve and the confusion matrices per model")
        self.save_button.clicked.connect(self._choose_save_folder)
        run_row = QHBoxLayout()
        run_row.addWidget(self.progress, 1)
        run_row.addWidget(self.cancel_button)
        run_row.addWidget(self.save_button)

        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.table = QTableWidget(len(METRIC_ROWS), 0)
        self.table.setVerticalHeaderLabels([r[0] for r in METRIC_ROWS])
        self.table.setEditTriggers(QTableWidget.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.Stretch)
        self.table.setMinimumSize(300, 200)
        self.roc = QLabel()
        self.roc.setAlignment(Qt.AlignCenter)
        charts = QHBoxLayout()
        charts.addWidget(self.table, 2)
        charts.addWidget(self.roc, 0)
        self.confusion_row = QHBoxLayout()
        body = QWidget()
        bl = QVBoxLayout(body)
        bl.addWidget(self.summary)
        bl.addLayout(charts)
        bl.addLayout(self.confusion_row)
        bl.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(grid)
        lay.addLayout(run_row)
        lay.addWidget(scroll, 1)

    def _choose_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Labelled folder to evaluate on", self.folder.text())
        if path:
            self.folder.setText(path)

    def _choose_save_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Folder for the evaluation results", str(Path.home()))
        if path:
            try:
                self.save(path)
            except InspectorError as exc:
                self.error.emit(exc, "")

    # -- running --------------------------------------------------------------------------
    def data_config(self) -> DataConfig:
        return DataConfig(root=self.folder.text().strip(), frames_per_video=self.frames.value(),
                          images_are_faces=self.faces.isChecked())

    def running(self) -> bool:
        """From start until the worker's last signal has been handled here (results shown)."""
        return self.worker is not None

    def start(self, bundles, folder: str | None = None) -> EvaluateWorker | None:
        """Evaluate ``bundles`` (one, or two to compare) on ``folder`` (else the folder field)."""
        if folder is not None:
            self.folder.setText(str(folder))
        if self.running() or not bundles:
            return None
        if not self.folder.text().strip():
            self._choose_folder()
            if not self.folder.text().strip():
                return None
        self.clear()
        names = " and ".join(b.card.name for b in bundles)
        self.summary.setText(f"Evaluating {names} on {self.folder.text().strip()}…")
        self.progress.setRange(0, 0)
        self.worker = self.workers.start(
            EvaluateWorker(bundles, self.data_config(), self.split.currentData(), self.detector),
            progress=self._on_progress, succeeded=self._on_done, failed=self._on_failed,
            cancelled_signal=self._on_cancelled, finished=self._on_finished)
        self._set_busy(True)
        return self.worker

    def cancel(self) -> None:
        if self.running():
            self.worker.cancel()
            self.cancel_button.setEnabled(False)
            self.progress.setFormat("cancelling…")

    @Slot(object)
    def _on_progress(self, value) -> None:
        i, n, name, p = value
        which = f"{name}: " if n == 1 else f"model {i + 1} of {n} ({name}): "
        stage = STAGES.get(p.stage, p.stage)
        if p.total:
            self.progress.setRange(0, p.total)
            self.progress.setValue(min(p.done, p.total))
            self.progress.setFormat(f"{which}{stage} {p.done}/{p.total}")
        else:
            self.progress.setRange(0, 0)
            self.progress.setFormat(f"{which}{stage}")

    @Slot(object)
    def _on_done(self, results) -> None:
        self.status = "done"
        self.show_results(results)

    @Slot(object, str)
    def _on_failed(self, exc, tb: str) -> None:
        self.status = "failed"
        self.summary.setText(f"The evaluation stopped: {exc}")
        self.error.emit(exc, tb)

    @Slot()
    def _on_cancelled(self) -> None:
        self.status = "cancelled"
        self.summary.setText("The evaluation was cancelled; nothing was measured.")

    @Slot()
    def _on_finished(self) -> None:
        self.worker = None
        self._set_busy(False)

    def _set_busy(self, busy: bool) -> None:
        self.cancel_button.setEnabled(busy)
        self.save_button.setEnabled(not busy and bool(self.results))
        if not busy:
            self.progress.setRange(0, 1)
            self.progress.setValue(1 if self.status == "done" else 0)
            self.progress.setFormat({"done": "done", "cancelled": "cancelled", "failed": "failed"}.get(
                self.status, ""))
        self.busy_changed.emit(busy)

    # -- results --------------------------------------------------------------------------
    def clear(self) -> None:
        self.results = ()
        self.status = ""
        self.summary.setText("Choose a labelled folder, select one model and Evaluate, or two and Compare.")
        self.table.setColumnCount(0)
        self.roc.clear()
        while self.confusion_row.count():
            w = self.confusion_row.takeAt(0).widget()
            if w is not None:
                w.deleteLater()
        self.save_button.setEnabled(False)
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setFormat("")

    def columns(self) -> list[tuple[EvaluationResult, str, object]]:
        """(result, level name, Metrics) per table column: frames, then videos when there are any."""
        return [(r, level, getattr(r, attr)) for r in self.results for level, attr, _ in LEVELS
                if getattr(r, attr) is not None]

    def show_results(self, results) -> None:
        self.results = tuple(results)
        cols = self.columns()
        several = len(self.results) > 1
        self.table.setColumnCount(len(cols))
        number = {id(r): i + 1 for i, r in enumerate(self.results)}  # model 1, 2: names are too long for a column
        self.table.setHorizontalHeaderLabels([f"model {number[id(r)]}\n{level}" if several else level
                                              for r, level, _ in cols])
        for c, (r, _level, _m) in enumerate(cols):
            self.table.horizontalHeaderItem(c).setToolTip(r.model["name"])
        for c, (_r, _level, m) in enumerate(cols):
            for row, (_, key) in enumerate(METRIC_ROWS):
                self.table.setItem(row, c, _cell(f"{m.n:,} ({m.n_real:,} / {m.n_fake:,})" if key == "n"
                                                 else getattr(m, key)))
        curves = []
        for r in self.results:
            for level, attr, roc_attr in LEVELS:
                m, roc = getattr(r, attr), getattr(r, roc_attr)
                if m is not None and roc is not None:
                    label = f"model {number[id(r)]}: {level}" if several else level
                    curves.append((label, np.array(roc.fpr), np.array(roc.tpr), m.roc_auc))
        self.roc.setPixmap(rgb_pixmap(roc_png(curves, title="ROC", size=380)))
        self.roc.setToolTip("" if curves else "No ROC curve: the folder needs both real and fake faces.")
        for r, level, m in cols:
            label = QLabel()
            title = f"model {number[id(r)]}: {level}" if several else level
            label.setPixmap(rgb_pixmap(confusion_png(m.confusion, title=title, threshold=m.threshold, size=240)))
            self.confusion_row.addWidget(label)
        self.confusion_row.addStretch(1)
        first = self.results[0]
        files = len(first.files)
        skipped = {s.path for r in self.results for s in r.skipped}
        warnings = sorted({w for r in self.results for w in r.warnings})
        which = f"all {files} files" if first.split == "all" else f"the {files} files of its {first.split} split"
        names = [html.escape(r.model["name"]) for r in self.results]
        text = (f"<b>{' vs '.join(f'model {i + 1}: {n}' if several else n for i, n in enumerate(names))}</b> on "
                f"{html.escape(first.data)} ({which}; {len(skipped)} gave no face and were left out), "
                f"{sum(r.elapsed_s for r in self.results):.0f} s. A prediction is <i>fake</i> at or above each "
                "model's threshold.")
        if warnings:
            text += "<br>" + "<br>".join(f"⚠ {html.escape(w)}" for w in warnings)
        self.summary.setText(text)

    def value(self, metric: str, column: int) -> str:
        row = [k for _, k in METRIC_ROWS].index(metric)
        item = self.table.item(row, column)
        return item.text() if item else ""

    def save(self, folder: str | Path) -> list[Path]:
        """evaluation.json and the charts of each result, in ``folder``/<model id>/."""
        written = []
        for r in self.results:
            out = Path(folder) / r.model["id"]
            atomic.write_json(out / "evaluation.json", r.to_json())
            written += [out / "evaluation.json", *write_plots(r, out)]
        return written


def _cell(v) -> QTableWidgetItem:
    if isinstance(v, str):
        text = v
    else:
        text = "n/a" if v is None else (f"{v:,}" if isinstance(v, int) else f"{v:.3f}")
    item = QTableWidgetItem(text)
    item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
    return item
