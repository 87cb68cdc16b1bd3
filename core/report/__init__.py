"""Analysis reports: self-contained HTML (PDF printed from the same HTML by gui/report_pdf.py)."""

from core.report.export import ReportFiles, export_report

__all__ = ["ReportFiles", "export_report"]
