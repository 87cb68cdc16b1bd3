"""A training run written down: a JSON file of :class:`~core.training.config.TrainConfig` values.

The shipped models are trained from checked-in recipes (``scripts/recipes/``) through the same
engine as the Training tab and ``main.py train``. Keys are the config's field names; ``data``,
``augment`` and ``data.self_blend_config`` are objects of their own dataclasses' fields. Data
folders are given on the command line (they are not part of the project), and a recipe may name
them relative to that root. Unknown keys are errors, so a typo never silently trains something else.
"""

from __future__ import annotations

import json
import os
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

from core.errors import TrainingError
from core.training.augment import AugmentConfig
from core.training.config import DataConfig, TrainConfig
from core.training.self_blend import SelfBlendConfig


def _build(cls, values: dict, where: str):
    known = {f.name for f in fields(cls)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise TrainingError(f"The recipe's {where} has unknown keys: {', '.join(unknown)}.")
    return {k: (tuple(v) if isinstance(v, list) else v) for k, v in values.items()}


def _split_roots(values: Any, root: Path) -> tuple[tuple[str, str], ...]:
    return tuple((split, str(root / sub)) for split, sub in dict(values).items())


def config_from_recipe(path: str | os.PathLike, data_root: str | os.PathLike, **overrides) -> TrainConfig:
    """The TrainConfig of the recipe at ``path`` on the data under ``data_root``; ``overrides`` win."""
    p = Path(path)
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise TrainingError(f"The recipe {p} cannot be read: {exc}.") from exc
    if not isinstance(doc, dict):
        raise TrainingError(f"The recipe {p} is not a JSON object.")
    doc.pop("comment", None)
    root = Path(data_root)
    data = dict(doc.pop("data", {}))
    try:
        sbi = SelfBlendConfig(**_build(SelfBlendConfig, data.pop("self_blend_config", {}), "self_blend_config"))
    except ValueError as exc:
        raise TrainingError(f"The recipe's self_blend_config: {exc}.") from exc
    splits = _split_roots(data.pop("split_roots", {}), root)
    data_cfg = DataConfig(root=str(root), split_roots=splits, self_blend_config=sbi, **_build(DataConfig, data, "data"))
    aug = AugmentConfig.from_json(doc.pop("augment", {}))
    params = tuple((k, tuple(v) if isinstance(v, list) else v) for k, v in dict(doc.pop("params", {})).items())
    cfg = TrainConfig(data=data_cfg, augment=aug, params=params, **_build(TrainConfig, doc, "top level"))
    return replace(cfg, **overrides)
