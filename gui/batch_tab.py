"""The Batch page: every video under some folders analysed in the background, with a summary table
that fills as the videos finish.

The analyst queues folders and files, chooses an output folder, the model, the sampling and how
many videos run at once, and starts. The job is :func:`core.batch.run.run_batch` (hashes and
manifest first, per-video JSON/CSV mirroring the inputs' paths, summary files, the audit log) in a
:class:`BatchWorker` on the window's worker pool, so Cancel stops it within a chunk of frames and
closing the window stops and joins it. Running again into the same output folder resumes: videos
finished there for the same file, model and settings are skipped, and their rows say so; choosing
an output folder that holds an earlier batch shows that batch's table (and its inputs, when none
are queued). Double-clicking an analysed row opens the video on the Review page with the stored
result, once the file's SHA-256 is found to be the one the result names.
"""

from __future__ import annotations

import os
from functools import partial
from pathlib import Path

from PySide6.QtCore import QUrl, Signal, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from core.analysis import AnalysisParams
from core.batch import summary
from core.batch.outputs import BatchRow
from core.batch.summary import counts
from core.errors import InspectorError, ResultFileInvalid
from core.timecode import format_time
from gui import theme
from gui.batch_table import BatchTable
from gui.workers import FunctionWorker, Worker, preload_tensorflow_native


class BatchWorker(Worker):
    """Runs :func:`core.batch.run.run_batch`; ``progress`` carries its BatchProgress values, the
    result is its BatchSummary (also when cancelled: the finished results stay)."""

    name = "batch"

    def __init__(self, request):
        super().__init__()
        self.request = request

    def work(self):
        from core.batch.run import run_batch

        preload_tensorflow_native()  # the model loads in this thread (workers=1); keep the GIL free
        return run_batch(self.request, self.report, self.cancelled)


def _clock(seconds: float | None) -> str:
    return "?" if seconds is None else format_time(seconds, millis=False)


class BatchTab(QWidget):
    finished = Signal(object)  # the BatchSummary of a run that ended (cancelled or not)
    row_shown = Signal(object)  # a BatchRow just added or updated in the table

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.worker: BatchWorker | None = None
        self.loader: Worker | None = None
        self.engine_factory = None  # (bundle path) -> Engine, picklable; None: the model with MTCNN (tests: set)
        self.shown_out: Path | None = None  # the output folder the table's rows belong to
        self.bundles = []
        self._build()
        self._update()

    # -- layout ---------------------------------------------------------------------------
    def _build(self) -> None:
        self.inputs = QListWidget()
        self.inputs.setSelectionMode(QAbstractItemView.ExtendedSelection)
        self.inputs.setMaximumHeight(110)
        self.inputs.setToolTip("Folders are searched with their subfolders for video files; hidden files and links "
                               "leading out of a folder are skipped.")
        add_folder = QPushButton("Add folder…")
        add_folder.clicked.connect(self._ask_folder)
        add_files = QPushButton("Add files…")
        add_files.clicked.connect(self._ask_files)
        self.remove_button = QPushButton("Remove")
        self.remove_button.clicked.connect(self.remove_selected)
        self.inputs.itemSelectionChanged.connect(self._update)
        row = QHBoxLayout()
        for b in (add_folder, add_files, self.remove_button):
            row.addWidget(b)
        row.addStretch(1)
        box_in = QGroupBox("Evidence to analyse (read only)")
        li = QVBoxLayout(box_in)
        li.addWidget(self.inputs, 1)
        li.addLayout(row)

        self.out_edit = QLineEdit()
        self.out_edit.setPlaceholderText("a folder outside every input")
        self.out_edit.editingFinished.connect(lambda: self.set_output(self.out_edit.text()))
        choose = QPushButton("Choose…")
        choose.clicked.connect(self._ask_output)
        out_row = QHBoxLayout()
        out_row.addWidget(self.out_edit, 1)
        out_row.addWidget(choose)
        self.model = QComboBox()
        self.model.setMinimumContentsLength(18)
        self.model.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
        self.every = QSpinBox()
        self.every.setRange(1, 1000)
        self.every.setSuffix(" frame(s)")
        self.every.setPrefix("every ")
        self.workers = QSpinBox()
        self.workers.setRange(1, max(1, os.cpu_count() or 1))
        self.workers.setToolTip("Videos analysed at once, each worker process loading the model once. "
                                "The README gives the measured gain.")
        from core.batch.run import DEFAULT_WORKERS

        self.workers.setValue(min(DEFAULT_WORKERS, self.workers.maximum()))
        settings = QHBoxLayout()
        settings.addWidget(self.model, 1)
        settings.addWidget(QLabel("Sampling"))
        settings.addWidget(self.every)
        settings.addWidget(QLabel("Workers"))
        settings.addWidget(self.workers)
        self.start_button = QPushButton("Start")
        self.start_button.clicked.connect(lambda: self.start())
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel)
        self.summary_button = QPushButton("Open summary")
        self.summary_button.setToolTip("summary.html in the output folder (sortable; no network)")
        self.summary_button.clicked.connect(self._open_summary)
        self.folder_button = QPushButton("Open output folder")
        self.folder_button.clicked.connect(lambda: self.window._open_folder(self.output()))
        buttons = QHBoxLayout()
        for b in (self.start_button, self.cancel_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        for b in (self.summary_button, self.folder_button):
            buttons.addWidget(b)
        self.resume_note = QLabel()
        self.resume_note.setWordWrap(True)
        self.resume_note.setStyleSheet(f"color: {theme.MUTED};")
        box_run = QGroupBox("Run")
        form = QFormLayout(box_run)
        form.addRow("Output folder", out_row)
        form.addRow("Model", settings)
        form.addRow(self.resume_note)
        form.addRow(buttons)

        top = QHBoxLayout()
        top.addWidget(box_in, 2)
        top.addWidget(box_run, 3)
        self.bar = QProgressBar()
        self.bar.setTextVisible(False)
        self.bar.setMaximumHeight(8)
        self.progress = QLabel("Queue folders or files, choose an output folder, then Start.")
        self.progress.setWordWrap(True)
        self.table = BatchTable()
        self.table.cellDoubleClicked.connect(lambda r, _c: self.open_row(r))
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        lay.addLayout(top)
        lay.addWidget(self.bar)
        lay.addWidget(self.progress)
        lay.addWidget(self.table, 1)

    # -- choices --------------------------------------------------------------------------
    def set_bundles(self, bundles, selected: str | None) -> None:
        keep = self.bundle().id if self.bundle() else selected
        self.bundles = list(bundles)
        self.model.clear()
        for b in self.bundles:
            self.model.addItem(b.card.name if b.card.name == b.id else f"{b.card.name}  [{b.id}]", b.id)
        if not self.bundles:
            self.model.addItem("no model installed", None)
        ids = [b.id for b in self.bundles]
        self.model.setCurrentIndex(ids.index(keep) if keep in ids else 0)
        self._update()

    def bundle(self):
        i = self.model.currentIndex()
        return self.bundles[i] if 0 <= i < len(self.bundles) else None

    def input_paths(self) -> list[str]:
        return [self.inputs.item(i).text() for i in range(self.inputs.count())]

    def add_inputs(self, paths) -> None:
        have = set(self.input_paths())
        for p in paths:
            p = os.path.abspath(p)
            if p not in have:
                self.inputs.addItem(p)
                have.add(p)
        self._update()

    def remove_selected(self) -> None:
        for item in self.inputs.selectedItems():
            self.inputs.takeItem(self.inputs.row(item))
        self._update()

    def _ask_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Add a folder of videos", self.window.settings.last_open_dir())
        if folder:
            self.add_inputs([folder])

    def _ask_files(self) -> None:
        from gui.main_window import VIDEO_FILTER  # the window's Open dialog's (it imports this module)

        files, _ = QFileDialog.getOpenFileNames(self, "Add videos", self.window.settings.last_open_dir(), VIDEO_FILTER)
        self.add_inputs(files)

    def _ask_output(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Output folder for the batch",
                                                  self.out_edit.text() or str(Path.home()))
        if folder:
            self.set_output(folder)

    def output(self) -> Path | None:
        text = self.out_edit.text().strip()
        return Path(os.path.abspath(text)) if text else None

    def set_output(self, folder: str) -> None:
        """Choose the output folder; one that holds an earlier batch shows its table (resume)."""
        self.out_edit.setText(str(folder))
        out = self.output()
        if self.running() or out is None or out == self.shown_out:
            self._update()
            return
        self.table.clear_rows()
        self.shown_out = None
        earlier = summary.read(out)
        if earlier is not None:
            rows, inputs = earlier
            self.shown_out = out
            self.table.set_rows(rows)
            if not self.input_paths():
                self.add_inputs(p for p in inputs if Path(p).exists())
            c = counts(rows)
            self.progress.setText(f"An earlier batch in this folder: {c['done'] + c['skipped']} finished, "
                                  f"{c['failed']} failed, {c['pending'] + c['cancelled']} not done.")
        self._update()

    # -- running --------------------------------------------------------------------------
    def running(self) -> bool:
        """From Start until the worker's last signal has been handled here."""
        return self.worker is not None

    def start(self) -> BatchWorker | None:
        """Run the batch with the page's choices (a message instead when they cannot work)."""
        from core.batch.inputs import check_output_folder
        from core.batch.run import BatchRequest

        bundle, out, inputs = self.bundle(), self.output(), self.input_paths()
        if self.running() or bundle is None or out is None or not inputs:
            return None
        try:
            check_output_folder(out, inputs)  # said now, not after the thread starts
        except InspectorError as exc:
            self.window.show_error(exc)
            return None
        factory = None if self.engine_factory is None else partial(self.engine_factory, str(bundle.path))
        who = self.window.jobs.who()
        req = BatchRequest(inputs=tuple(inputs), out=str(out), model=str(bundle.path),
                           params=AnalysisParams(every=self.every.value()), workers=self.workers.value(),
                           analyst=who["analyst"], case_number=who["case_number"], factory=factory)
        if out != self.shown_out:
            self.table.clear_rows()
        self.shown_out = out
        self.worker = self.window.workers.start(BatchWorker(req), progress=self._on_progress, succeeded=self._on_done,
                                                failed=self._on_failed, finished=self._on_finished)
        self.bar.setRange(0, 0)
        self.progress.setText("Finding and hashing the videos (the manifest is written before any analysis)…")
        self._update()
        return self.worker

    def cancel(self) -> None:
        if self.worker is not None and not self.worker.cancelled():
            self.worker.cancel()
            self.progress.setText("Cancelling: finished results stay; Start again to go on from there…")
            self._update()

    @Slot(object)
    def _on_progress(self, p) -> None:
        if self.sender() is not self.worker:
            return
        if p.row is not None:
            self.table.put(p.row)
            self.row_shown.emit(p.row)
        self.bar.setRange(0, max(1, p.total))
        self.bar.setValue(p.done)
        if p.stage == "hashing":
            self.progress.setText(f"Hashing {p.done} of {p.total} (the manifest is written before any analysis)…")
        elif p.stage == "analysing" and not self.worker.cancelled():
            self.progress.setText(f"{p.done} of {p.total} settled · {_clock(p.elapsed_s)} elapsed · "
                                  f"about {_clock(p.eta_s)} left · {self._tally()}")

    def _tally(self) -> str:
        c = counts(list(self.table.rows.values()))
        parts = [f"{c['done']} analysed"]
        if c["skipped"]:
            parts.append(f"{c['skipped']} finished before (skipped)")
        if c["failed"]:
            parts.append(f"{c['failed']} failed")
        return ", ".join(parts)

    @Slot(object)
    def _on_done(self, s) -> None:
        self.table.set_rows(s.rows)
        c = s.counts
        left = c["pending"] + c["cancelled"]
        if s.cancelled:
            text = (f"Cancelled after {_clock(s.elapsed_s)}: {self._tally()}; {left} left. Start again to go on "
                    "(finished videos are skipped).")
        else:
            text = f"Finished {len(s.rows)} videos in {_clock(s.elapsed_s)}: {self._tally()}. Summary in {s.out}."
        self.progress.setText(text)
        self.window.statusBar().showMessage(text, 10000)
        self.finished.emit(s)

    @Slot(object, str)
    def _on_failed(self, exc, tb: str) -> None:
        self.progress.setText(f"The batch stopped: {exc}")
        if not self.window.isHidden():
            self.window.show_error(exc, tb)

    @Slot()
    def _on_finished(self) -> None:
        self.worker = None
        self.bar.setRange(0, 1)
        self.bar.setValue(1)
        self._update()

    def _update(self) -> None:
        running = self.running()
        out = self.output()
        self.start_button.setEnabled(not running and self.bundle() is not None and out is not None
                                     and self.inputs.count() > 0)
        self.cancel_button.setEnabled(running and not self.worker.cancelled())
        self.remove_button.setEnabled(not running and bool(self.inputs.selectedItems()))
        for w in (self.inputs, self.out_edit, self.model, self.every, self.workers):
            w.setEnabled(not running)
        has_summary = out is not None and (out / "summary.html").is_file()
        self.summary_button.setEnabled(has_summary)
        self.folder_button.setEnabled(out is not None and out.is_dir())
        resumes = has_summary and not running
        self.resume_note.setText("This folder holds an earlier batch: Start resumes it. Videos already finished "
                                 "there for the same file, model and sampling are skipped, not analysed again."
                                 if resumes else "")
        self.resume_note.setVisible(resumes)
        self.start_button.setText("Resume" if resumes else "Start")

    def _open_summary(self) -> None:
        out = self.output()
        if out is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(out / "summary.html")))

    # -- review ---------------------------------------------------------------------------
    def open_row(self, index: int) -> Worker | None:
        """Open the row's video in Review with its stored result (read in a worker; the window checks
        the file's SHA-256 against the result's before showing it)."""
        row = self.table.row_at(index)
        if row is None or self.shown_out is None:
            return None
        if not row.result or row.status not in ("done", "skipped"):
            self.window.statusBar().showMessage(f"{row.rel} has no result ({self.table.status_of(row.rel)}).", 5000)
            return None
        path = self.shown_out / row.result
        worker = FunctionWorker("batch result", lambda _w: (row.path, _read_result(path, row)))
        self.loader = self.window.workers.start(worker, succeeded=self._open_loaded, failed=self.window.show_error)
        return worker

    @Slot(object)
    def _open_loaded(self, loaded) -> None:
        path, result = loaded
        self.window.open_stored(path, result)


def _read_result(path: Path, row: BatchRow):
    """The result file of ``row``, refused when it is no longer the file the batch wrote."""
    from core.forensic.hashing import sha256_file
    from core.forensic.verify import read_result

    result = read_result(path)
    if row.result_sha256 and sha256_file(path) != row.result_sha256:
        raise ResultFileInvalid(f"{path} changed after the batch wrote it (its SHA-256 is not the one in the "
                                "summary and the audit log); it is not shown.")
    return result


def install(window) -> BatchTab:
    tab = BatchTab(window)
    window.add_tab("Batch", tab)
    return tab
