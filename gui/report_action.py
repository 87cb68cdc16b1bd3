"""File > Export report: the analysis on screen as an HTML or PDF report, written in a worker."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog

from gui import messages
from gui.workers import Worker

FILTERS = "HTML report (*.html);;PDF report (*.pdf)"


class ExportReportWorker(Worker):
    """Hashes the evidence again, decodes the peak frames and writes the report files; ``written``
    carries the status-bar line naming them."""

    name = "export report"
    written = Signal(str)

    def __init__(self, out: str, result, video_path: str, case=None, overwrite: bool = False, compared=(),
                 file_structure=None):
        super().__init__()
        self.out, self.result, self.video_path, self.case = out, result, video_path, case
        self.overwrite, self.compared, self.file_structure = overwrite, tuple(compared), file_structure

    def work(self):
        kw = dict(video_path=self.video_path, case=self.case, should_cancel=self.cancelled, overwrite=self.overwrite,
                  robustness=True)  # the window's reports say which findings survive re-encoding
        if self.compared:  # the models compared in the same analysis: every verdict, and where they disagree
            kw["compared"] = self.compared
        if self.file_structure is not None:  # as the File panel shows it (else the export reads it)
            kw["file_structure"] = self.file_structure
        if self.out.lower().endswith(".pdf"):
            from gui.report_pdf import export_pdf

            files = export_pdf(self.out, self.result, html=True, **kw)
        else:
            from core.report import export_report

            files = export_report(self.out, self.result, **kw)
        self.written.emit(f"Report written: {files.pdf or files.html} (with {Path(files.json).name}, "
                          f"{Path(files.csv).name} and {Path(files.manifest).name})")
        return files


def export_current(window, out: str | None = None) -> ExportReportWorker | None:
    """Ask where (unless ``out`` is given) and export the window's current analysis."""
    result = window.current_result()
    info, _sha = window.current_video()
    if result is None or info is None:
        window.notify(window, messages.Message(
            "No analysis to report", "Analyze the video first: a report describes an analysis.", icon="information"))
        return None
    if out is None:
        default = str(Path.home() / f"{Path(info.path).stem}-report.html")
        # the one question about replacing is ours below: it names every file, not only the one typed
        out, _ = QFileDialog.getSaveFileName(window, "Export report", default, FILTERS,
                                             options=QFileDialog.DontConfirmOverwrite)
        if not out:
            return None
    from core.report.export import existing_outputs

    present = existing_outputs(out, True if out.lower().endswith(".pdf") else None)
    if present and not window.confirm(
            window, "Replace the earlier report?",
            "These files of an earlier export would be replaced:\n" + "\n".join(f"  {p.name}" for p in present)
            + "\n\nThe audit log keeps their hashes. Replace them?"):
        return None
    panel = getattr(window, "case_panel", None)
    worker = ExportReportWorker(out, result, info.path, panel.case if panel is not None else None,
                                overwrite=bool(present), compared=window.review.compared_results(),
                                file_structure=getattr(window, "file_structure", None))
    window.statusBar().showMessage("Writing the report…")
    return window.workers.start(worker, written=window.statusBar().showMessage, failed=window.show_error)


def install(window) -> QAction:
    act = QAction("Export &report…", window)
    act.setShortcut(QKeySequence("Ctrl+E"))
    act.setToolTip("The analysis on screen as an HTML or PDF report, with its JSON, CSV and hashes")
    act.triggered.connect(lambda: export_current(window))
    window.add_file_actions([act])
    return act
