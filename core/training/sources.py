"""Validation per source: the first folder under ``real/`` or ``fake/`` names where a file comes from.

A validation folder that mixes sources (``validation/fake/celebdf/``, ``validation/fake/deepfacelive/``)
is measured per source as well as pooled: pooled AUC lets the largest source drown the others, and
one score scale can rank every source well apart yet badly together. ``val_source_auc``, the mean of
the per-source AUCs, can choose the epoch so that each source counts once. Files directly in
``real/`` or ``fake/`` belong to the unnamed source ``""``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from core.training import metrics as M
from core.training.dataset import CLASSES, DataFile


def source_of(path: str) -> str:
    """The folder just below the class folder in a dataset-relative ``path`` ('' when there is none)."""
    parts = path.split("/")
    for i, part in enumerate(parts[:-1]):
        if part.lower() in CLASSES:
            return parts[i + 1] if i + 2 < len(parts) else ""
    return ""


def source_names(files: Sequence[DataFile], file_idx: np.ndarray) -> np.ndarray:
    """The source of each sample (``file_idx`` into ``files``)."""
    return np.array([source_of(files[i].path) for i in np.asarray(file_idx, int)], dtype=object)


def by_source(files: Sequence[DataFile], file_idx: np.ndarray, y: np.ndarray, p: np.ndarray) -> dict[str, dict] | None:
    """``{source: {"auc", "real", "fake", "ece"}}`` of the samples (``file_idx`` into ``files``, labels
    ``y``, scores ``p``); None unless they come from two sources or more."""
    return by_names(source_names(files, file_idx), y, p)


def by_names(names: np.ndarray, y: np.ndarray, p: np.ndarray) -> dict[str, dict] | None:
    """:func:`by_source` for samples whose sources are already known (``names``, one per sample)."""
    found = sorted(set(names.tolist()))
    if len(found) < 2:
        return None
    out = {}
    for name in found:
        sel = names == name
        ys, ps = y[sel], p[sel]
        out[name] = {"auc": M.roc_auc(ys, ps), "real": int(np.sum(ys == 0)), "fake": int(np.sum(ys == 1)),
                     "ece": M.expected_calibration_error(ys, ps)}
    return out


def mean_auc(found: dict[str, dict] | None) -> float | None:
    """The mean AUC of the sources that hold both classes (None when none does)."""
    aucs = [m["auc"] for m in (found or {}).values() if m["auc"] is not None]
    return float(np.mean(aucs)) if aucs else None
