"""The app's version, from the installed metadata or, in a checkout, from pyproject.toml."""

from __future__ import annotations

import tomllib
from functools import cache

from core.paths import app_root


@cache
def app_version() -> str:
    pyproject = app_root() / "pyproject.toml"
    if pyproject.is_file():
        return tomllib.loads(pyproject.read_text())["project"]["version"]
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("deepfake-inspector")
    except PackageNotFoundError:
        return "unknown"
