"""Naming a freshly trained bundle and installing it among the user's models.

Runs from the GUI train into a staging folder in the cache; nothing reaches the model library
until the analyst saves it under a name. User bundles live in the user's data directory, never
in the install folder.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from core import paths
from core.errors import OutputNotWritable, TrainingError
from core.forensic import atomic
from core.models.bundle import CARD_FILE, BundleInfo, read_bundle, with_card


def staging_dir() -> Path:
    return paths.cache_dir() / "training"


def target_for(name: str) -> Path:
    return paths.user_models_dir() / paths.slug(name)


def publish(staged: str | Path, name: str, overwrite: bool = False) -> BundleInfo:
    """Copy the bundle ``staged`` into the user's models as ``name`` (its card says so); returns it."""
    name = name.strip()
    if not name:
        raise TrainingError("Give the model a name before saving it.")
    info = read_bundle(staged)
    target = target_for(name)
    if target.exists() and not overwrite:
        raise OutputNotWritable(f"A model folder called {target.name} exists already; choose another name.")
    with atomic.staged_folder(target, f"save the model into {target.parent}") as tmp:
        shutil.copytree(info.path, tmp, dirs_exist_ok=True)
        atomic.write_json(tmp / CARD_FILE, with_card(info, name=name).to_json())
        read_bundle(tmp)  # the copy reads back before it takes the name
    return read_bundle(target)
