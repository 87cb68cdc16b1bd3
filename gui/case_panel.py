"""The Case panel: case number, analyst, bookmarks and notes on frames; save and open cases.

Everything is kept in a core.forensic.case.Case (frozen, replaced on every change); exported reports
carry its notes and bookmarks. Opening a case re-hashes its evidence in a worker and warns
about any file that changed, moved or is missing.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.errors import InspectorError
from core.forensic import case as cs
from core.forensic.integrity import EvidenceHashes
from core.wording import plural
from gui import messages
from gui.workers import Worker

CASE_FILTER = f"Deepfake Inspector case (*{cs.SUFFIX})"
SAVE, DISCARD, CANCEL = "save", "discard", "cancel"


class OpenCaseWorker(Worker):
    name = "open case"

    def __init__(self, path: str):
        super().__init__()
        self.path = path

    def work(self):
        return cs.open_case(self.path, should_cancel=self.cancelled)


class CasePanel(QWidget):
    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.case = cs.new_case()
        self._saved = self.case  # the case as last saved or opened: anything else is unsaved work
        self.path: str | None = None
        form = QFormLayout()
        self.number = QLineEdit()
        self.number.setPlaceholderText("case number")
        self.title = QLineEdit()
        self.title.setPlaceholderText("what the case is about (shown as Case in reports)")
        self.analyst = QLineEdit()
        self.analyst.setPlaceholderText("your name")
        for field in (self.number, self.title, self.analyst):
            field.editingFinished.connect(self._details_changed)
        form.addRow("Case number", self.number)
        form.addRow("Title", self.title)
        form.addRow("Analyst", self.analyst)
        self.evidence = QListWidget()
        self.evidence.setToolTip("The case's evidence files; double-click one to open it.")
        self.evidence.setMaximumHeight(110)
        self.evidence.itemDoubleClicked.connect(self._open_evidence)
        add_file = QPushButton("Add this video to the case")
        add_file.setToolTip("Record the open video (by its SHA-256) as evidence of this case")
        add_file.clicked.connect(self.add_current)
        self.items = QListWidget()
        self.items.setToolTip("Bookmarks and notes on this video; double-click to go to the frame.")
        self.items.itemDoubleClicked.connect(self._go_to)
        self.note = QLineEdit()
        self.note.setPlaceholderText("note text")
        self.whole_file = QCheckBox("about the whole file")
        add_note = QPushButton("Add note")
        add_note.clicked.connect(self.add_note)
        bookmark = QPushButton("Bookmark frame")
        bookmark.setToolTip("Bookmark the frame on screen (Ctrl+B)")
        bookmark.clicked.connect(lambda: self.add_bookmark())
        remove = QPushButton("Remove")
        remove.clicked.connect(self.remove_selected)
        buttons = QHBoxLayout()
        for b in (bookmark, add_note, remove):
            buttons.addWidget(b)
        v = QVBoxLayout(self)
        v.addLayout(form)
        v.addWidget(QLabel("Evidence"))
        v.addWidget(self.evidence)
        v.addWidget(add_file)
        v.addWidget(QLabel("Bookmarks and notes on this video"))
        v.addWidget(self.items, 1)
        v.addWidget(self.note)
        v.addWidget(self.whole_file)
        v.addLayout(buttons)

    # -- the evidence on screen ----------------------------------------------------------
    def _evidence_sha(self) -> str | None:
        info, sha = self.window.current_video()
        if info is None or sha is None:
            self.window.notify(self.window, messages.Message(
                "Not ready", "Open a video and wait for its SHA-256: notes and bookmarks are tied to the file's hash.",
                icon="information"))
            return None
        if self.case.evidence_by_sha(sha) is None:
            st = os.stat(info.path)
            hashes = EvidenceHashes(info.path, st.st_size, st.st_mtime_ns, sha)  # hashed when opened
            self.case = cs.add_evidence(self.case, info.path, hashes=hashes)
        return sha

    def _details_changed(self) -> None:
        self.case = replace(self.case, case_number=self.number.text().strip(), title=self.title.text().strip(),
                            analyst=self.analyst.text().strip())

    # -- notes and bookmarks -------------------------------------------------------------
    def add_bookmark(self, label: str = "") -> None:
        sha = self._evidence_sha()
        if sha is not None:
            self.case, _ = cs.add_bookmark(self.case, sha, self.window.current_frame(), label or self.note.text())
            self.note.clear()
            self.refresh()

    def add_note(self) -> None:
        text = self.note.text().strip()
        sha = self._evidence_sha() if text else None
        if sha is None:
            return
        frame = None if self.whole_file.isChecked() else self.window.current_frame()
        self.case, _ = cs.add_note(self.case, sha, text, start_frame=frame)
        self.note.clear()
        self.refresh()

    def remove_selected(self) -> None:
        item = self.items.currentItem()
        if item is None:
            return
        kind, item_id = item.data(Qt.UserRole)
        self.case = cs.remove_bookmark(self.case, item_id) if kind == "bookmark" else cs.remove_note(self.case, item_id)
        self.refresh()

    def add_current(self) -> None:
        if self._evidence_sha() is not None:
            self.refresh()

    def _fill_evidence(self, sha: str | None) -> None:
        self.evidence.clear()
        for ref in self.case.evidence:
            marks = len(self.case.bookmarks_for(ref.sha256)) + len(self.case.notes_for(ref.sha256))
            item = QListWidgetItem(f"{'▶ ' if ref.sha256 == sha else ''}{ref.name}  ·  {ref.sha256[:12]}…  ·  "
                                   f"{plural(marks, 'mark')}")
            item.setToolTip(f"{ref.path}\nSHA-256 {ref.sha256}")
            item.setData(Qt.UserRole, ref.path)
            if ref.sha256 == sha:
                f = item.font()
                f.setBold(True)
                item.setFont(f)
            self.evidence.addItem(item)

    def _open_evidence(self, item: QListWidgetItem) -> None:
        path = item.data(Qt.UserRole)
        if path and Path(path).is_file():
            self.window.open_video(path)
        else:
            self.window.notify(self.window, messages.Message(
                "Evidence not found", f"{path} is not there any more. Open the case again to look for it beside "
                "the case file, or open the file where it now is.", icon="warning"))

    def refresh(self) -> None:
        self.items.clear()
        self._fill_evidence(self.window.current_video()[1])
        _info, sha = self.window.current_video()
        self.window.timeline.set_bookmarks(
            [(b.frame, b.label) for b in self.case.bookmarks_for(sha)] if sha is not None else [])
        if sha is None:
            return
        rows = [(b.frame, f"★ frame {b.frame}  {b.label}", ("bookmark", b.id), b.frame)
                for b in self.case.bookmarks_for(sha)]
        rows += [(-1 if n.start_frame is None else n.start_frame, f"✎ {n.target}: {n.text}", ("note", n.id),
                  n.start_frame) for n in self.case.notes_for(sha)]
        for _key, text, data, frame in sorted(rows, key=lambda r: r[0]):
            item = QListWidgetItem(text)
            item.setData(Qt.UserRole, data)
            item.setData(Qt.UserRole + 1, frame)
            self.items.addItem(item)

    def _go_to(self, item: QListWidgetItem) -> None:
        frame = item.data(Qt.UserRole + 1)
        if frame is not None:
            self.window.playback.seek(int(frame))

    # -- case files ----------------------------------------------------------------------
    def unsaved(self) -> bool:
        """Bookmarks, notes or case details added or changed since the case was last saved or opened."""
        self._details_changed()
        return self.case != self._saved

    def may_discard(self, doing: str) -> bool:
        """Before ``doing`` something that drops this case (quitting, opening another): with unsaved
        work, ask to save it, discard it or stay. True when it may go ahead."""
        if not self.unsaved():
            return True
        answer = self.window.ask_unsaved(
            self.window, f"The case has unsaved bookmarks, notes or details. Save them before {doing}?")
        if answer == SAVE:
            return self.save() is not None
        return answer == DISCARD

    def _ask_path(self, title: str) -> str:
        start = self.path or str(Path(self.window.settings.get("case/last_dir", str(Path.home()), str))
                                 / (self.case.case_number or "case"))
        return QFileDialog.getSaveFileName(self.window, title, start, CASE_FILTER)[0]

    def save(self, path: str | None = None) -> str | None:
        """Save to ``path``, else where the case was saved or opened, else where the analyst chooses;
        the name always ends in .dficase. Returns the path written, or None (cancelled or failed)."""
        path = path or self.path or self._ask_path("Save case")
        return self._write(path) if path else None

    def save_as(self, path: str | None = None) -> str | None:
        path = path or self._ask_path("Save case as")
        return self._write(path) if path else None

    def _write(self, path: str) -> str | None:
        target = str(cs.with_suffix(path))
        if target != str(path) and target != self.path and Path(target).exists() and not self.window.confirm(
                self.window, "Replace the case?", f"{Path(target).name} exists already (another case?). Replace it?"):
            return None  # the dialog asked about the name typed, not the one with the suffix added
        self._details_changed()
        _info, sha = self.window.current_video()
        result = self.window.current_result()
        if sha is not None and result is not None and self._evidence_sha() is not None:
            self.case, _ref = cs.add_analysis(self.case, result)
        try:
            cs.save_case(self.case, target)
        except InspectorError as exc:  # not writable, disk full: the case stays open and unsaved
            self.window.show_error(exc)
            return None
        self.path, self._saved = target, self.case
        self.window.settings.set("case/last_dir", str(Path(target).parent))
        self.window.statusBar().showMessage(f"Case saved: {target}")
        return target

    def open(self, path: str | None = None) -> OpenCaseWorker | None:
        if not self.may_discard("opening another case"):
            return None
        path = path or QFileDialog.getOpenFileName(self.window, "Open case", str(Path.home()), CASE_FILTER)[0]
        if not path:
            return None
        return self.window.workers.start(OpenCaseWorker(path), succeeded=self._opened, failed=self.window.show_error)

    def _opened(self, opened) -> None:
        self.case, self.path = cs.with_found_paths(opened), opened.path
        self._saved = opened.case  # as read: moved files' new paths are unsaved until the analyst saves
        self.number.setText(self.case.case_number)
        self.title.setText(self.case.title)
        self.analyst.setText(self.case.analyst)
        info, _sha = self.window.current_video()
        for check in opened.evidence:  # the file on screen was hashed again: its panel shows that hash
            if info is not None and check.current_sha256 and _same_file(check.found_at, info.path):
                self.window.jobs.rehashed(check.current_sha256, "when the case was opened")
        self.refresh()
        if opened.warnings:
            self.window.notify(self.window, messages.Message("Case evidence changed", "\n".join(opened.warnings)))
        elif self.case.evidence and self.window.current_video()[0] is None:
            self.window.open_video(self.case.evidence[0].path)


def _same_file(a: str | None, b: str) -> bool:
    try:
        return a is not None and os.path.samefile(a, b)
    except OSError:  # gone since it was checked
        return False


def install(window) -> CasePanel:
    from PySide6.QtWidgets import QDockWidget

    panel = CasePanel(window)
    docks = [d for d in window.findChildren(QDockWidget) if window.dockWidgetArea(d) == Qt.RightDockWidgetArea]
    dock = window.add_panel("Case", panel)
    if docks:  # a tab beside the analysis panel, so neither is squeezed on a laptop screen
        window.tabifyDockWidget(docks[0], dock)
        docks[0].raise_()
    acts = []
    for text, keys, slot in (("&Save case…", "Ctrl+S", lambda: panel.save()),
                             ("Save case &as…", "Ctrl+Shift+S", lambda: panel.save_as()),
                             ("Open &case…", "Ctrl+Shift+O", lambda: panel.open()),
                             ("&Bookmark frame", "Ctrl+B", lambda: panel.add_bookmark())):
        act = QAction(text, window)
        act.setShortcut(QKeySequence(keys))
        act.triggered.connect(slot)
        acts.append(act)
    window.add_file_actions(acts)
    return panel
