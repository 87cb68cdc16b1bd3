"""Dialogs for the messages of core/messages.py (the one table from errors to what the analyst reads)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from core.filecheck import TrustListInvalid
from core.messages import LOG_FILE, TABLE, Message, describe, info, log_path

# Errors of the window's own features, added to the one table.
TABLE.setdefault(TrustListInvalid, ("Content credentials cannot be checked",
                                    "The application's list of trusted signers is missing or damaged: reinstall "
                                    "the application. The file itself is not affected."))

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
