"""Finished analyses, keyed by what decides their numbers: the video's hash, the model's hash
and the analysis parameters. Stored in the user's cache folder, never beside the evidence."""

from __future__ import annotations

import json
import logging

from core import paths
from core.errors import OutputNotWritable
from core.forensic import atomic
from core.forensic.hashing import sha256_text
from core.result import SCHEMA, AnalysisResult

log = logging.getLogger(__name__)


def key(video_sha256: str, model_sha256: str, params: dict) -> str:
    blob = json.dumps({"schema": SCHEMA, "video": video_sha256, "model": model_sha256, "params": params},
                      sort_keys=True)
    return sha256_text(blob)


def _path(k: str):
    return paths.cache_dir() / "analyses" / f"{k}.json"


def load(k: str) -> AnalysisResult | None:
    path = _path(k)
    if not path.is_file():
        return None
    try:
        return AnalysisResult.from_json(json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, KeyError, TypeError) as exc:  # an old or damaged entry: analyse again
        log.warning("ignoring unreadable cache entry %s: %s", path, exc)
        return None


def store(k: str, result: AnalysisResult) -> None:
    try:
        atomic.write_json(_path(k), result.to_json())
    except OutputNotWritable as exc:  # a full disk must not fail the analysis itself
        log.warning("could not cache the analysis: %s", exc)
