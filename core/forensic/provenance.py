"""Provenance: everything that decides or explains an analysis' numbers, recorded with it.

An :class:`~core.result.AnalysisResult` carries a ``provenance`` dict. The engine fills the
environment (:func:`environment`) and the model card summary (:func:`model_summary`); the
caller adds who asked and the evidence hashes with :func:`annotate`. Keys:

- ``app_version, os, python, tensorflow, keras, opencv, mtcnn, numpy, device``: the environment;
- ``model_card``: the bundle's card in brief (training summary, metrics, limits);
- ``analyst``, ``case_number``: when given;
- ``evidence``: the evidence hashes taken before the analysis (SHA-256, optional MD5/SHA-1,
  size, modification time), ``integrity``: the same taken again after, with any change;
- ``from_cache``: true when the numbers were reused from an identical earlier analysis
  (same file hash, model hash and parameters); ``started``/``finished`` are then that run's.

The model's identity (bundle id, architecture, weights SHA-256) is in ``result.model`` and every
analysis parameter (resolved, segment rules included) in ``result.params``.
"""

from __future__ import annotations

import platform
from dataclasses import replace
from typing import Any

ENVIRONMENT_KEYS = ("app_version", "os", "python", "tensorflow", "keras", "opencv", "mtcnn", "numpy", "device")
# What must be equal for a re-run to be expected bit-identical (the OS build and device included).
BUILD_KEYS = ENVIRONMENT_KEYS


def environment() -> dict[str, str]:
    """Versions that decide the numbers, recorded with every analysis."""
    import cv2
    import numpy as np

    from core.keras_env import device_name, keras, tf
    from core.version import app_version

    try:
        from importlib.metadata import version

        mtcnn_version = version("mtcnn")
    except Exception:  # metadata is missing in some frozen builds
        mtcnn_version = "unknown"
    return {
        "app_version": app_version(),
        "os": platform.platform(),
        "python": platform.python_version(),
        "tensorflow": tf().__version__,
        "keras": keras().__version__,
        "opencv": cv2.__version__,
        "mtcnn": mtcnn_version,
        "numpy": np.__version__,
        "device": device_name(),
    }


def _brief(value: Any, depth: int = 0) -> Any:
    """Scalars, short lists and small dicts kept; long series (loss curves...) summarised."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (list, tuple)):
        if len(value) <= 12 and all(v is None or isinstance(v, (str, int, float, bool)) for v in value):
            return list(value)
        return f"({len(value)} values)"
    if isinstance(value, dict) and depth < 2:
        return {str(k): _brief(v, depth + 1) for k, v in value.items()}
    return f"({type(value).__name__})"


# What the report's Model section reads (core/report/html.py) from below _brief's depth: the training
# files per split, label and kind, and the video AUC per unseen source; small, and kept whole.
_REPORTED = {"training": ("data", "counts"), "metrics": ("unseen_sources", "by_source")}


def _brief_with_reported(part: str, value: dict[str, Any]) -> dict[str, Any]:
    out = _brief(value)
    outer, inner = _REPORTED[part]
    deep = value.get(outer)
    if isinstance(deep, dict) and isinstance(deep.get(inner), dict):
        out[outer][inner] = _brief(deep[inner], depth=-3)  # three levels more than _brief keeps
    return out


def model_summary(card) -> dict[str, Any]:
    """The model card in brief: what the analyst needs to judge the model."""
    return {
        "name": card.name,
        "architecture": card.architecture,
        "kind": card.kind,
        "input_size": card.input_size,
        "preprocessing": card.preprocessing,
        "output": card.output,
        "threshold": card.threshold,
        "face_margin": card.face_margin,
        "min_face_px": card.min_face_px,
        "sequence_length": card.sequence_length,
        "description": card.description,
        "created": card.created,
        "calibration": _brief(card.calibration),
        "training": _brief_with_reported("training", dict(card.training)),
        "metrics": _brief_with_reported("metrics", dict(card.metrics)),
        "limits": list(card.limits),
    }


def annotate(result, *, card=None, analyst: str | None = None, case_number: str | None = None,
             evidence=None, integrity=None, from_cache: bool | None = None):
    """The result with these facts added to its provenance (a new frozen value)."""
    prov = dict(result.provenance)
    if card is not None:
        prov["model_card"] = model_summary(card)
    if analyst:
        prov["analyst"] = analyst
    if case_number:
        prov["case_number"] = case_number
    if evidence is not None:
        prov["evidence"] = evidence.to_json()
    if integrity is not None:
        prov["integrity"] = integrity.to_json()
    if from_cache is not None:
        prov["from_cache"] = bool(from_cache)
    return replace(result, provenance=prov)


def same_build(recorded: dict[str, Any], current: dict[str, Any]) -> list[str]:
    """The environment keys that differ between two provenance dicts (empty: same build)."""
    return [k for k in BUILD_KEYS if recorded.get(k) != current.get(k)]
