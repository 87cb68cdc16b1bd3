"""What the window remembers between sessions (QSettings, an INI file in the user's config folder)."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

from core import paths

MAX_RECENT = 10


class Settings:
    def __init__(self, qsettings: QSettings | None = None):
        if qsettings is None:
            path = paths.ensure_dir(paths.config_dir()) / "settings.ini"
            qsettings = QSettings(str(path), QSettings.IniFormat)
        self.q = qsettings

    # -- recent files ---------------------------------------------------------------------
    def recent_files(self) -> list[str]:
        value = self.q.value("recent_files", [])
        if isinstance(value, str):
            value = [value]
        return [str(v) for v in (value or [])]

    def add_recent(self, path: str) -> list[str]:
        path = os.path.abspath(path)
        items = [p for p in self.recent_files() if os.path.normcase(p) != os.path.normcase(path)]
        items = [path, *items][:MAX_RECENT]
        self.q.setValue("recent_files", items)
        return items

    def clear_recent(self) -> None:
        self.q.setValue("recent_files", [])

    # -- plain values ---------------------------------------------------------------------
    def get(self, key: str, default=None, kind=None):
        value = self.q.value(key, default)
        if kind is bool and isinstance(value, str):
            return value.lower() in ("1", "true", "yes")
        if kind is not None and value is not None:
            try:
                return kind(value)
            except (TypeError, ValueError):
                return default
        return value

    def set(self, key: str, value) -> None:
        self.q.setValue(key, value)

    def get_bytes(self, key: str) -> QByteArray | None:
        value = self.q.value(key)
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    def last_open_dir(self) -> str:
        d = self.get("last_open_dir", "", str)
        return d if d and Path(d).is_dir() else str(Path.home())

    def sync(self) -> None:
        self.q.sync()
