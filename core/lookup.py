"""Cheap look-ups of finished analyses, without loading TensorFlow or any model.

The cache key needs the model's weights hash and the resolved scoring parameters, exactly as
:meth:`core.analysis.Engine.analyze` builds it; this module builds the same key from a
bundle on disk so a window can show a cached result the moment a video is opened.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path

from core import cache
from core.analysis import AnalysisParams, decided_as
from core.models.bundle import BundleInfo
from core.result import AnalysisResult

_lock = threading.Lock()
_model_hashes: dict[tuple[str, int, int], str] = {}


def model_sha256(bundle: BundleInfo) -> str:
    """The weights' SHA-256, remembered while the file's size and modification time are unchanged."""
    path = bundle.weights_path
    st = path.stat()
    memo = (str(path.resolve()), st.st_size, st.st_mtime_ns)
    with _lock:
        known = _model_hashes.get(memo)
    if known is None:
        known = bundle.weights_sha256()
        with _lock:
            _model_hashes[memo] = known
    return known


def cache_key(video_sha256: str, bundle: BundleInfo, params: AnalysisParams, fps: float) -> str:
    """The engine's cache key; ``fps`` decides the automatic detection interval."""
    return cache.key(video_sha256, model_sha256(bundle), params.resolved(bundle, fps).scoring_json())


def cached_result(video_sha256: str, bundle: BundleInfo, params: AnalysisParams, fps: float,
                  video_path: str | Path | None = None) -> AnalysisResult | None:
    """The stored analysis of this video with this model and these parameters, or None.

    With ``video_path`` the result names that path (the same file may have moved since).
    """
    hit = cache.load(cache_key(video_sha256, bundle, params, fps))
    if hit is None:
        return None
    if video_path is not None:
        hit = replace(hit, video=replace(hit.video, path=str(video_path)))
    return decided_as(hit, params.resolved(bundle, fps))
