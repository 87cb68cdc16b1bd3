"""File > Export report: the analysis on screen as an HTML or PDF report, written in a worker."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog

from gui import messages
from gui.workers import Worker

FILTERS = "HTML report (*.html);;PDF report (*.pdf)"


class ExportReportWorker(Worker):
    """Hashes the evidence again, decodes the peak frames and writes the report files."""

    name = "export report"

    def __init__(self, out: str, result, video_path: str, case=None):
        super().__init__()
        self.out, self.result, self.video_path, self.case = out, result, video_path, case

    def work(self):
        kw = dict(video_path=self.video_path, case=self.case, should_cancel=self.cancelled)
        if self.out.lower().endswith(".pdf"):
            from gui.report_pdf import export_pdf

            return export_pdf(self.out, self.result, html=True, **kw)
        from core.report import export_report

        return export_report(self.out, self.result, **kw)


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
        out, _ = QFileDialog.getSaveFileName(window, "Export report", default, FILTERS)
        if not out:
            return None
    panel = getattr(window, "case_panel", None)
    worker = ExportReportWorker(out, result, info.path, panel.case if panel is not None else None)
    worker.succeeded.connect(lambda files: window.statusBar().showMessage(
        f"Report written: {files.pdf or files.html} (with {Path(files.json).name}, {Path(files.csv).name} and "
        f"{Path(files.manifest).name})"))
    worker.failed.connect(window.show_error)
    window.statusBar().showMessage("Writing the report…")
    window.workers.start(worker)
    return worker


def install(window) -> QAction:
    act = QAction("Export &report…", window)
    act.setShortcut(QKeySequence("Ctrl+E"))
    act.setToolTip("The analysis on screen as an HTML or PDF report, with its JSON, CSV and hashes")
    act.triggered.connect(lambda: export_current(window))
    window.add_file_actions([act])
    return act
