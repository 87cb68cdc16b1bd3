"""Tools > Audit log: the log's entries, a check of its hash chain, and verify of a recorded analysis.

The same core calls as ``main.py audit --check`` and ``main.py verify``, run in workers; the
dialog only shows what they return. Reading the log and checking it never write to it; a verify
appends its own ``verify_finished`` entry, as on the command line.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from core.forensic import audit
from gui import theme
from gui.workers import FunctionWorker

COLUMNS = ("#", "Time (UTC)", "Event", "File / subject", "SHA-256", "User")


def _subject(e: audit.AuditEntry) -> str:
    d = e.data
    for key in ("path", "id", "case_number"):
        if d.get(key):
            return str(d[key])
    return ""


def _row(e: audit.AuditEntry) -> tuple[str, ...]:
    sha = str(e.data.get("sha256") or e.data.get("evidence_sha256") or "")
    return (str(e.line), e.time[:19].replace("T", " "), e.event.replace("_", " "), _subject(e), sha[:16],
            e.user)


class AuditViewer(QDialog):
    def __init__(self, window, log: audit.AuditLog | None = None):
        super().__init__(window)
        self.window = window
        self.log = log or audit.default_log()
        self.setWindowTitle("Audit log")
        self.resize(980, 560)
        self.entries: list[audit.AuditEntry] = []
        self._rows: list[tuple] = []  # (entry, row cells, lower-case searchable text), newest first
        self.path_label = QLabel(f"<b>{self.log.path}</b>")
        self.path_label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("filter: file name, event, hash…")
        self.filter.textChanged.connect(self._fill)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectRows)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.Stretch)
        self.table.itemSelectionChanged.connect(self._show_selected)
        self.details = QLabel(" ")
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.details.setFont(theme.mono_font(8))
        self.status = QLabel(" ")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.check_button = QPushButton("Check integrity")
        self.check_button.setToolTip("Follow the hash chain from the first line to the last, as main.py audit "
                                     "--check does")
        self.check_button.clicked.connect(self.check)
        self.verify_button = QPushButton("Verify an analysis…")
        self.verify_button.setToolTip("Run a recorded analysis (its JSON) again on the video and compare, as "
                                      "main.py verify does")
        self.verify_button.clicked.connect(lambda: self.verify())
        refresh = QPushButton("Reload")
        refresh.clicked.connect(self.load)
        buttons = QHBoxLayout()
        for b in (self.check_button, self.verify_button, refresh):
            buttons.addWidget(b)
        buttons.addStretch(1)
        lay = QVBoxLayout(self)
        lay.addWidget(self.path_label)
        lay.addWidget(self.filter)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.details)
        lay.addWidget(self.status)
        lay.addLayout(buttons)
        self.worker: FunctionWorker | None = None
        self.busy = False
        self.detector = None  # verify's face detector (None: the real MTCNN; tests inject one)
        self.load()

    # -- reading --------------------------------------------------------------------------
    def load(self) -> None:
        try:
            self.entries = self.log.entries()
        except audit.AuditLogError as exc:
            self.entries = []
            self.status.setText(f"⚠ {exc}")
        # newest first, with each row's searchable text made once (not on every keystroke of the filter)
        self._rows = [(e, r, (" ".join(r) + " " + json.dumps(e.data, ensure_ascii=False)).lower())
                      for e in reversed(self.entries) for r in (_row(e),)]
        self._fill()

    def _fill(self) -> None:
        words = self.filter.text().strip().lower().split()
        rows = [(e, r) for e, r, text in self._rows if all(w in text for w in words)]
        self.table.setRowCount(len(rows))
        for i, (e, r) in enumerate(rows):
            for c, text in enumerate(r):
                item = QTableWidgetItem(text)
                item.setData(Qt.UserRole, e.line)
                if c == 3:
                    item.setToolTip(text)
                self.table.setItem(i, c, item)
        self.setWindowTitle(f"Audit log: {len(rows):,} of {len(self.entries):,} entries")

    def _show_selected(self) -> None:
        items = self.table.selectedItems()
        if not items:
            return
        line = items[0].data(Qt.UserRole)
        e = next((x for x in self.entries if x.line == line), None)
        if e is not None:
            self.details.setText(f"line {e.line} · {e.event} · {e.time} · {e.user}@{e.host} · app {e.app_version}\n"
                                 + json.dumps(e.data, ensure_ascii=False, indent=None)[:2000])

    # -- checking -------------------------------------------------------------------------
    def _run(self, name: str, fn, done) -> FunctionWorker | None:
        if self.busy:
            return None
        self.busy = True
        self.check_button.setEnabled(False)
        self.verify_button.setEnabled(False)
        self.worker = self.window.workers.start(FunctionWorker(name, fn), succeeded=done, failed=self._failed,
                                                finished=self._idle)
        return self.worker

    def _failed(self, exc, tb: str) -> None:
        self._idle()
        self.status.setText(f"⚠ {html.escape(str(exc))}")
        self.window.show_error(exc, tb)

    def _idle(self) -> None:
        self.busy = False
        self.check_button.setEnabled(True)
        self.verify_button.setEnabled(True)

    def check(self) -> FunctionWorker | None:
        self.status.setText("Checking the hash chain…")
        return self._run("audit check", lambda _w: self.log.verify(), self._checked)

    def _checked(self, chain: audit.ChainCheck) -> None:
        self._idle()
        colour = "#3fb950" if chain.ok else "#f85149"
        self.status.setText(f"<span style='color:{colour}'><b>{html.escape(chain.summary())}</b></span>")
        if chain.first_bad_line:
            self.filter.clear()

    def verify(self, result_json: str | None = None, video: str | None = None) -> FunctionWorker | None:
        result_json = result_json or QFileDialog.getOpenFileName(self, "Analysis to verify (its JSON)",
                                                                 str(Path.home()), "Analysis result (*.json)")[0]
        if not result_json:
            return None
        if video is None:
            from core.errors import InspectorError
            from core.forensic.verify import read_result

            try:
                guess = read_result(result_json).video.path
            except InspectorError as exc:  # not an analysis result: say so, here
                self._failed(exc, "")
                return None
            video = QFileDialog.getOpenFileName(self, "The video it analysed", guess)[0]
        if not video:
            return None
        self.status.setText(f"Running the recorded analysis again on {Path(video).name}…")

        def job(w):
            from core.forensic.verify import read_result
            from core.forensic.verify import verify as run_verify

            return run_verify(read_result(result_json), video, should_cancel=w.cancelled, log=self.log,
                              detector=self.detector)

        return self._run("verify", job, self._verified)

    def _verified(self, report) -> None:
        self._idle()
        colour = "#3fb950" if report.ok else "#f85149"
        lines = "<br>".join(html.escape(x) for x in report.lines())
        self.status.setText(f"<span style='color:{colour}'>{lines}</span>")
        self.load()  # its verify_finished entry


def show(window) -> AuditViewer:
    d = AuditViewer(window)
    d.show()
    return d
