"""Cheap look-ups of finished analyses, without loading TensorFlow or any model.

The cache key needs the model's weights hash and the resolved scoring parameters; this module
gets the hash from a bundle on disk (remembered) and uses the engine's own key and look-up
(:func:`core.analysis.result_key`, :func:`core.analysis.stored_result`), so a window can show a
cached result the moment a video is opened.
"""

from __future__ import annotations

import threading
from pathlib import Path

from core.analysis import AnalysisParams, result_key, stored_result
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
    return result_key(video_sha256, model_sha256(bundle), params.resolved(bundle, fps))


def cached_result(video_sha256: str, bundle: BundleInfo, params: AnalysisParams, fps: float,
                  video_path: str | Path | None = None) -> AnalysisResult | None:
    """The stored analysis of this video with this model and these parameters, or None.

    With ``video_path`` the result names that path (the same file may have moved since).
    """
    return stored_result(cache_key(video_sha256, bundle, params, fps), params.resolved(bundle, fps),
                         None if video_path is None else str(video_path))
