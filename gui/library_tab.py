"""The Model library tab: every bundle (shipped and the user's) with its card, hash and numbers.

From here the analyst picks the default model for analysis, renames or deletes their own
bundles (shipped ones are read-only), imports MesoNet weights through the command line's path,
installs or exports bundle folders, and evaluates one bundle or compares two on a labelled
folder. The operations are :mod:`core.models.library`; this tab shows and drives them. Weights
are hashed, copied and imported in worker threads.

``refresh()`` re-reads the folders (the training tab calls it after saving a bundle);
``bundles_changed`` is emitted after this tab changed the library (never by ``refresh()``).
"""

from __future__ import annotations

import html
import json
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QItemSelectionModel, Qt, Signal, Slot
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QMenu,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from core.errors import BundleReadOnly, InspectorError
from core.models import library
from core.models.bundle import BundleInfo, default_bundle_id, list_bundles
from core.models.mesonet import MESONET_ARCHS
from gui import messages, theme
from gui.evaluation_view import EvaluationView
from gui.workers import FunctionWorker, Worker

COLUMNS = ("Name", "Where", "Architecture", "Input", "Threshold", "Training data", "Metrics", "Size",
           "SHA-256 of model.keras", "Date")
NAME, WHERE, SHA_COL = 0, 1, 8


def guess_mesonet_arch(path: str | Path) -> str | None:
    """meso_inception4 for MesoInception_*.h5, meso4 for Meso4_*.h5, else None (ask)."""
    stem = Path(path).stem.lower()
    if "inception" in stem:
        return "meso_inception4"
    if stem.startswith("meso4") or "meso4" in stem:
        return "meso4"
    return None


def _size(n: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:,} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


def card_html(info: BundleInfo, row: library.BundleSummary) -> str:
    """The whole card, readable: identity and use, then description, limits, training and metrics."""
    c = info.card
    rows = [("Name", c.name), ("Id (folder name)", info.id), ("Folder", info.path),
            ("Kind", "shipped with the application (read-only)" if info.read_only else "yours"),
            ("Default for analysis", "yes" if row.is_default else "no"),
            ("Architecture", row.architecture), ("Input", row.input), ("Output", c.output),
            ("Threshold", f"{c.threshold:.4f}"), ("Face margin", str(c.face_margin)),
            ("Min. face", f"{c.min_face_px} px"), ("Created", c.created or "not recorded"),
            ("Size", _size(info.size_bytes)), ("SHA-256 of model.keras", row.sha256 or "computing…"),
            ("Training data", row.training), ("Metrics", row.metrics)]
    if c.sequence_length:
        rows.insert(7, ("Sequence", f"{c.sequence_length} frames, hop {c.sequence_hop}"))
    body = "".join(f"<tr><td><b>{html.escape(k)}</b></td><td>{html.escape(str(v))}</td></tr>" for k, v in rows)
    out = [f"<table cellspacing='4'>{body}</table>"]
    if c.description:
        out.append(f"<p>{html.escape(c.description)}</p>")
    if c.limits:
        out.append("<p><b>Limits</b><br>" + "<br>".join("• " + html.escape(x) for x in c.limits) + "</p>")
    training = dict(c.training)
    history = training.pop("history", None)
    if history:
        training["history"] = f"{len(history)} epochs (in card.json)"
    for title, d in (("Training", training), ("Metrics", c.metrics)):
        if d:
            text = json.dumps(d, indent=1, ensure_ascii=False, default=str)
            out.append(f"<p><b>{title}</b></p><pre>{html.escape(text)}</pre>")
    return "".join(out)


class HashWorker(Worker):
    """SHA-256 of each bundle's weights (remembered by path, size and time); progress: (id, sha)."""

    name = "hash models"

    def __init__(self, bundles: list[BundleInfo]):
        super().__init__()
        self.bundles = bundles

    def work(self) -> None:
        from core.lookup import model_sha256

        for b in self.bundles:
            if self.cancelled():
                return
            key = LibraryTab.hash_key(b)
            try:
                self.report((b.id, key, model_sha256(b)))
            except OSError:
                pass  # deleted meanwhile: the next refresh drops it


class LibraryTab(QWidget):
    bundles_changed = Signal()  # this tab added, removed, renamed a bundle or changed the default

    def __init__(self, window, detector=None):
        super().__init__(window)
        self.window = window
        self.infos: list[BundleInfo] = []
        self.rows: list[library.BundleSummary] = []
        self.hashes: dict[str, tuple] = {}  # id -> ((path, size, mtime), sha256)
        self.hash_worker: HashWorker | None = None
        self.job: Worker | None = None  # an import or export
        self._build(detector)
        self.refresh()

    # -- layout ---------------------------------------------------------------------------
    def _build(self, detector) -> None:
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.Interactive)
        for col, width in ((NAME, 240), (5, 260), (6, 220), (SHA_COL, 140)):
            self.table.setColumnWidth(col, width)
        for col in (WHERE, 2, 3, 4, 7, 9):
            header.setSectionResizeMode(col, QHeaderView.ResizeToContents)
        self.table.itemSelectionChanged.connect(self._on_selection)
        self.table.setToolTip("Ctrl+click a second model to compare two.")

        self.default_button = QPushButton("Set as default for analysis")
        self.default_button.clicked.connect(lambda: self.set_default())
        self.rename_button = QPushButton("Rename…")
        self.rename_button.clicked.connect(self._ask_rename)
        self.delete_button = QPushButton("Delete…")
        self.delete_button.clicked.connect(lambda: self.delete())
        self.import_button = QToolButton()
        self.import_button.setText("Import")
        self.import_button.setPopupMode(QToolButton.InstantPopup)
        menu = QMenu(self.import_button)
        menu.addAction("MesoNet / Keras weights file (.h5)…").triggered.connect(self._ask_import_weights)
        menu.addAction("Model bundle folder…").triggered.connect(self._ask_install)
        self.import_button.setMenu(menu)
        self.export_button = QPushButton("Export…")
        self.export_button.setToolTip("Copy the bundle into a folder, checked by SHA-256, with a SHA256SUMS file")
        self.export_button.clicked.connect(self._ask_export)
        self.evaluate_button = QPushButton("Evaluate")
        self.evaluate_button.setToolTip("Measure the selected model on the labelled folder below")
        self.evaluate_button.clicked.connect(lambda: self.evaluate())
        self.compare_button = QPushButton("Compare two")
        self.compare_button.setToolTip("Select two models (Ctrl+click), then compare them on the folder below")
        self.compare_button.clicked.connect(lambda: self.compare())
        refresh = QPushButton("Refresh")
        refresh.clicked.connect(lambda: self.refresh())
        buttons = QHBoxLayout()
        for b in (self.default_button, self.rename_button, self.delete_button, self.import_button,
                  self.export_button, self.evaluate_button, self.compare_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(refresh)
        self.notice = QLabel()
        self.notice.setWordWrap(True)
        self.notice.setStyleSheet(f"color: {theme.THRESHOLD};")
        self.notice.hide()

        self.details = QTextBrowser()
        self.details.setOpenLinks(False)
        self.evaluation = EvaluationView(self.window.workers, detector)
        self.evaluation.error.connect(self.window.show_error)
        self.evaluation.busy_changed.connect(lambda _b: self._update())
        lower = QSplitter(Qt.Horizontal)
        lower.addWidget(self.details)
        lower.addWidget(self.evaluation)
        lower.setStretchFactor(0, 2)
        lower.setStretchFactor(1, 3)
        lower.setChildrenCollapsible(False)
        lower.setSizes([420, 940])
        upper = QWidget()
        ul = QVBoxLayout(upper)
        ul.setContentsMargins(0, 0, 0, 0)
        ul.addWidget(self.table, 1)
        ul.addLayout(buttons)
        ul.addWidget(self.notice)
        split = QSplitter(Qt.Vertical)
        split.addWidget(upper)
        split.addWidget(lower)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        split.setChildrenCollapsible(False)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        lay.addWidget(split)

    # -- listing --------------------------------------------------------------------------
    def refresh(self, select: str | None = None) -> None:
        """Re-read the bundles on disk; keeps the selection (or selects ``select``)."""
        keep = [select] if select else [b.id for b in self.selected()]
        bundles, problems = list_bundles()
        default = default_bundle_id()
        self.infos = bundles
        self.hashes = {k: v for k, v in self.hashes.items() if any(b.id == k for b in bundles)}
        self.rows = [library.summarize(b, self._known_hash(b), default) for b in bundles]
        self.table.blockSignals(True)
        self.table.clearSelection()
        self.table.setRowCount(len(self.rows))
        for r, row in enumerate(self.rows):
            self._fill_row(r, row)
        for r, b in enumerate(bundles):
            if b.id in keep:
                self._add_to_selection(r)
        self.table.blockSignals(False)
        self.notice.setText("\n".join(problems))
        self.notice.setVisible(bool(problems))
        self._on_selection()
        self._hash_missing()

    def _add_to_selection(self, r: int) -> None:
        model = self.table.selectionModel()
        model.select(self.table.model().index(r, 0), QItemSelectionModel.Select | QItemSelectionModel.Rows)

    def _known_hash(self, b: BundleInfo) -> str | None:
        key = self.hash_key(b)
        sha = self.hashes.get(b.id)
        return sha[1] if sha and sha[0] == key else None

    @staticmethod
    def hash_key(b: BundleInfo) -> tuple | None:
        try:
            st = b.weights_path.stat()
        except OSError:
            return None
        return (b.path, st.st_size, st.st_mtime_ns)

    def _fill_row(self, r: int, row: library.BundleSummary) -> None:
        where = "shipped" if row.shipped else "yours"
        cells = (("★ " if row.is_default else "") + row.name, where, row.architecture, row.input,
                 f"{row.threshold:.3f}", row.training, row.metrics, _size(row.size_bytes),
                 row.sha256 or "computing…", row.date)
        tips = {NAME: f"{row.name}\n{row.path}", 5: row.training, 6: row.metrics, SHA_COL: row.sha256 or ""}
        for c, text in enumerate(cells):
            item = QTableWidgetItem(text)
            item.setData(Qt.UserRole, row.id)
            if c in tips:
                item.setToolTip(tips[c])
            if c == NAME and row.is_default:
                font = QFont(item.font())
                font.setBold(True)
                item.setFont(font)
                item.setToolTip(tips[c] + "\nthe default model for analysis")
            if c == SHA_COL:
                item.setFont(QFont("monospace"))
            self.table.setItem(r, c, item)

    def _hash_missing(self) -> None:
        missing = [b for b, row in zip(self.infos, self.rows, strict=True) if row.sha256 is None]
        if self.hash_worker is not None:
            self.hash_worker.cancel()
            self.hash_worker = None
        if not missing:
            return
        self.hash_worker = self.window.workers.start(HashWorker(missing), progress=self._on_hashed,
                                                     finished=self._hash_done)

    @Slot()
    def _hash_done(self) -> None:
        if self.hash_worker is self.sender():
            self.hash_worker = None

    @Slot(object)
    def _on_hashed(self, value) -> None:
        bundle_id, key, sha = value
        for r, (b, row) in enumerate(zip(self.infos, self.rows, strict=True)):
            if b.id == bundle_id and key is not None and key == self.hash_key(b):  # not replaced since
                self.hashes[b.id] = (key, sha)
                self.rows[r] = replace(row, sha256=sha)
                item = self.table.item(r, SHA_COL)
                item.setText(sha)
                item.setToolTip(sha)
                if self.current() is b:
                    self._show_details()

    def hashing(self) -> bool:
        """True until every hash asked for has been shown."""
        return self.hash_worker is not None

    # -- selection ------------------------------------------------------------------------
    def selected(self) -> list[BundleInfo]:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        return [self.infos[r] for r in rows if r < len(self.infos)]

    def current(self) -> BundleInfo | None:
        sel = self.selected()
        return sel[0] if len(sel) == 1 else None

    def select(self, *bundle_ids: str) -> None:
        """Select these bundles (one to act on, two to compare)."""
        self.table.clearSelection()
        for r, b in enumerate(self.infos):
            if b.id in bundle_ids:
                self._add_to_selection(r)

    def row_of(self, bundle_id: str) -> library.BundleSummary | None:
        return next((row for row in self.rows if row.id == bundle_id), None)

    def _on_selection(self) -> None:
        self._show_details()
        self._update()

    def _show_details(self) -> None:
        b = self.current()
        if b is None:
            n = len(self.selected())
            self.details.setHtml("<p>Select a model to see its card.</p>" if n == 0 else
                                 f"<p>{n} models selected: Compare two measures them on the same folder.</p>")
            return
        self.details.setHtml(card_html(b, self.row_of(b.id)))

    def _update(self) -> None:
        one, sel = self.current(), self.selected()
        busy = self.evaluation.running() or self.busy()
        row = self.row_of(one.id) if one else None
        self.default_button.setEnabled(one is not None and not row.is_default)
        own = one is not None and not one.read_only
        for b in (self.rename_button, self.delete_button):
            b.setEnabled(own and not busy)
            b.setToolTip("" if own or one is None else "Shipped models are read-only.")
        self.export_button.setEnabled(one is not None and not busy)
        self.import_button.setEnabled(not busy)
        self.evaluate_button.setEnabled(one is not None and not busy)
        self.compare_button.setEnabled(len(sel) == 2 and not busy)

    # -- operations -----------------------------------------------------------------------
    def _changed(self, select: str | None = None, for_analysis: str | None = None) -> None:
        """After this tab changed the library: re-list here and in the analysis panel."""
        self.refresh(select)
        self.window.refresh_models()
        if for_analysis is not None:
            self._select_for_analysis(for_analysis)
        self.bundles_changed.emit()

    def _select_for_analysis(self, bundle_id: str) -> None:
        panel = getattr(self.window, "analysis", None)
        if panel is None or self.window.analysis_running():
            return
        index = panel.model.findData(bundle_id)
        if index >= 0:
            panel.model.setCurrentIndex(index)

    def _fail(self, exc: InspectorError) -> None:
        self.window.show_error(exc, "")

    def _info(self, title: str, text: str) -> None:
        self.window.last_message = msg = messages.info(title, text)
        self.window.notify(self, msg)

    def set_default(self) -> str | None:
        b = self.current()
        if b is None:
            return None
        try:
            library.set_default(b.id)
        except InspectorError as exc:
            self._fail(exc)
            return None
        self._changed(b.id, for_analysis=b.id)
        self.window.statusBar().showMessage(f"{b.card.name} is the default model for analysis.", 5000)
        return b.id

    def _ask_rename(self) -> None:
        b = self.current()
        if b is None:
            return
        name, ok = QInputDialog.getText(self, "Rename model", f"New name for {b.card.name} (folder {b.id} stays):",
                                        text=b.card.name)
        if ok:
            self.rename(name)

    def rename(self, name: str) -> BundleInfo | None:
        b = self.current()
        if b is None:
            return None
        try:
            info = library.rename(b, name)
        except InspectorError as exc:
            self._fail(exc)
            return None
        self._changed(info.id)
        return info

    def delete(self) -> bool:
        b = self.current()
        if b is None:
            return False
        if b.read_only:
            self._fail(BundleReadOnly(f"{b.card.name} ships with the application and is read-only."))
            return False
        if not self.window.confirm(self, "Delete model", f"Delete {b.card.name}?\n\nThe folder {b.path} and its "
                                   "weights are removed. Past analyses keep the model's id and hash."):
            return False
        try:
            library.delete(b)
        except InspectorError as exc:
            self._fail(exc)
            return False
        was_used = (a := getattr(self.window, "analysis", None)) is not None and a.bundle() is not None \
            and a.bundle().id == b.id
        self._changed(None, for_analysis=default_bundle_id() if was_used else None)
        return True

    def busy(self) -> bool:
        """An import or export is running (until its result has been shown)."""
        return self.job is not None

    def _start_job(self, name: str, fn, done) -> Worker | None:
        if self.busy():
            return None
        worker = FunctionWorker(name, lambda _w: fn())
        # ``done`` is called from a slot of this tab: connected directly, PySide6 would call a plain function
        # in the emitting (worker) thread, and ``done`` shows messages, which only the GUI thread may do
        self._job_done = done
        self.job = self.window.workers.start(worker, succeeded=self._job_succeeded, failed=self._job_failed,
                                             finished=self._job_finished)
        self._update()
        self.window.statusBar().showMessage(f"{name.capitalize()}…")
        return worker

    @Slot(object)
    def _job_succeeded(self, value) -> None:
        self._job_done(value)

    @Slot(object, str)
    def _job_failed(self, exc, tb: str) -> None:
        self.window.statusBar().clearMessage()
        self.window.show_error(exc, tb)

    @Slot()
    def _job_finished(self) -> None:
        self.job = None
        self._update()

    def _ask_export(self) -> None:
        if self.current() is None:
            return
        folder = QFileDialog.getExistingDirectory(self, "Export the model into", str(Path.home()))
        if folder:
            self.export(folder)

    def export(self, folder: str | Path) -> Worker | None:
        """Copy the selected bundle into ``folder``/<id> in a worker; a message says where and its hash."""
        b = self.current()
        if b is None:
            return None

        def done(info: BundleInfo) -> None:
            self.window.statusBar().clearMessage()
            self._info("Model exported", f"{b.card.name} was copied to {info.path} and checked against the "
                       f"original by SHA-256.\nSHA256SUMS in that folder lists each file's hash.")

        return self._start_job("exporting the model", lambda: library.export(b, folder), done)

    def _ask_install(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Model bundle folder (card.json + model.keras)",
                                                  str(Path.home()))
        if folder:
            self.install_bundle(folder)

    def install_bundle(self, folder: str | Path) -> Worker | None:
        """Copy a bundle folder (e.g. one exported from another machine) into the user's models."""
        return self._start_job("installing the model", lambda: library.install(folder), self._imported)

    def _ask_import_weights(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "MesoNet weights file", str(Path.home()),
                                              "Keras weights (*.h5 *.hdf5);;All files (*)")
        if not path:
            return
        arch = guess_mesonet_arch(path)
        if arch is None:
            arch, ok = QInputDialog.getItem(self, "Architecture", "These weights are for:", list(MESONET_ARCHS),
                                            0, False)
            if not ok:
                return
        name, ok = QInputDialog.getText(self, "Model name", "Name for the imported model:", text=Path(path).stem)
        if ok:
            self.import_weights(path, arch, name.strip() or None)

    def import_weights(self, path: str | Path, arch: str | None = None, name: str | None = None) -> Worker | None:
        """MesoNet's published Keras weights as a bundle in the user's models (as ``import-weights`` does)."""
        arch = arch or guess_mesonet_arch(path) or "meso4"

        def work():
            from core.models.mesonet import import_mesonet

            return import_mesonet(path, arch, name=name)

        return self._start_job("importing weights", work, self._imported)

    def _imported(self, info: BundleInfo) -> None:
        self.window.statusBar().showMessage(f"{info.card.name} is installed as {info.id}.", 5000)
        self._changed(info.id)

    def evaluate(self, folder: str | Path | None = None):
        b = self.current()
        return self.evaluation.start([b], None if folder is None else str(folder)) if b else None

    def compare(self, folder: str | Path | None = None):
        sel = self.selected()
        return self.evaluation.start(sel, None if folder is None else str(folder)) if len(sel) == 2 else None


def install(window, detector=None) -> LibraryTab:
    """The Model library tab in ``window``; ``detector`` (tests) replaces MTCNN for evaluations."""
    tab = LibraryTab(window, detector)
    window.add_tab("Model library", tab)
    return tab
