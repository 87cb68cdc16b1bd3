"""Dialogs for the messages of core/messages.py (the one table from errors to what the analyst reads)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from core.messages import LOG_FILE, TABLE, Message, describe, info, log_path

__all__ = ["LOG_FILE", "TABLE", "Message", "describe", "info", "log_path", "show_dialog"]


def show_dialog(parent: QWidget | None, msg: Message) -> None:
    """A window-modal message box that does not block the caller."""
    box = QMessageBox(parent)
    box.setIcon({"critical": QMessageBox.Critical, "information": QMessageBox.Information}.get(
        msg.icon, QMessageBox.Warning))
    box.setWindowTitle(msg.title)
    box.setText(msg.text)
    if msg.hint:
        box.setInformativeText(msg.hint)
    if msg.details:
        box.setDetailedText(msg.details)
    box.setStandardButtons(QMessageBox.Ok)
    box.setAttribute(Qt.WA_DeleteOnClose, True)
    box.open()
