"""Where the app finds what it ships and where it keeps what it makes.

Shipped files (``models/``, ``resources/``) are found relative to the app itself, never the
working directory, so the packaged app and a source checkout behave the same. Everything the
app writes goes to the user's platform directories (or ``$DFI_HOME`` when set, which tests
and portable installs use). Nothing is ever written beside an evidence file.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

APP_NAME = "DeepfakeInspector"


def app_root() -> Path:
    """The folder holding ``models/`` and ``resources/``: the install folder or the checkout."""
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen)
    return Path(__file__).resolve().parent.parent


def shipped_models_dir() -> Path:
    return app_root() / "models"


def resources_dir() -> Path:
    return app_root() / "resources"


def backbone_dir() -> Path:
    """Where an installer puts the ImageNet backbone weights file."""
    return shipped_models_dir() / "backbones"


def _user_base(kind: str) -> Path:
    home = os.environ.get("DFI_HOME")
    if home:
        return Path(home) / kind
    import platformdirs

    getter = {
        "data": platformdirs.user_data_dir,
        "cache": platformdirs.user_cache_dir,
        "logs": platformdirs.user_log_dir,
        "config": platformdirs.user_config_dir,
    }[kind]
    return Path(getter(APP_NAME, appauthor=False))


def user_data_dir() -> Path:
    return _user_base("data")


def user_models_dir() -> Path:
    return user_data_dir() / "models"


def cache_dir() -> Path:
    return _user_base("cache")


def log_dir() -> Path:
    return _user_base("logs")


def config_dir() -> Path:
    return _user_base("config")


def ensure_dir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def slug(text: str, fallback: str = "model") -> str:
    """``text`` as a safe folder name: letters, digits, ``.``, ``_`` and ``-``; ``fallback`` when none is left."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._-") or fallback
