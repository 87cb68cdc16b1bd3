"""Features of a frozen backbone, computed once per crop and cached on disk.

With the backbone frozen, only the head learns, and a ResNet50 forward pass per crop per epoch
is wasted work: the features are computed once (``views`` times when augmented views are
wanted) and every epoch trains the head on them — many times faster on a CPU
(bench/train_throughput.py). The cache key covers the crops, the sample list, the encoder's
exact weights and the augmentation, so a stale file is never reused.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from core import paths
from core.errors import Cancelled, OutputNotWritable
from core.forensic.hashing import sha256_text
from core.models.preprocess import preprocess
from core.training.augment import AugmentConfig
from core.training.batches import Samples, render
from core.training.config import TrainProgress
from core.training.crops import CropTable
from core.training.self_blend import SelfBlendConfig

FEATURES_VERSION = "features@1"


def weights_digest(model) -> str:
    """SHA-256 over a model's variables: the identity of a frozen encoder."""
    h = hashlib.sha256()
    for v in model.weights:
        a = np.ascontiguousarray(np.asarray(v))
        h.update(str(a.shape).encode())
        h.update(a.tobytes())
    return h.hexdigest()


def _key(table: CropTable, samples: Samples, encoder_id: str, preprocessing: str, views: int, seed: int,
         augment: AugmentConfig | None, sbi: SelfBlendConfig | None) -> str:
    h = hashlib.sha256()
    h.update(samples.crop.tobytes())
    h.update(samples.sbi.tobytes())
    parts = [FEATURES_VERSION, table.key, h.hexdigest(), encoder_id, preprocessing, str(views), str(seed),
             repr(augment.to_json() if augment and views > 1 else None),
             repr(sbi.to_json() if sbi and samples.sbi.any() else None)]
    return sha256_text("|".join(parts))


def _cached(path: Path, shape: tuple) -> np.ndarray | None:
    """The cached features at ``path`` when they are there with the expected shape."""
    if not path.is_file():
        return None
    try:
        cached = np.load(path, mmap_mode="r")
    except (OSError, ValueError):
        return None
    return cached if cached.shape == shape else None


def _encoder_fn(encoder, size: int):
    from core.keras_env import tf

    t = tf()
    return t.function(lambda x: encoder(x, training=False),
                      input_signature=[t.TensorSpec((None, size, size, 3), t.float32)], autograph=False)


def encode(encoder, table: CropTable, samples: Samples, preprocessing: str, encoder_id: str, views: int = 1,
           seed: int = 0, augment: AugmentConfig | None = None, sbi: SelfBlendConfig | None = None,
           batch_size: int = 32, progress: Callable[[TrainProgress], None] | None = None,
           should_cancel: Callable[[], bool] | None = None, use_cache: bool = True,
           by_run: bool = False) -> np.ndarray:
    """``(views, len(samples), *feature_shape)`` float16 features; view 0 is never augmented.

    ``by_run``: augment the crops of a face track alike (sequence models; see ``batches.render``).
    """

    report = progress or (lambda p: None)
    cancelled = should_cancel or (lambda: False)
    key = _key(table, samples, encoder_id, preprocessing, views, seed, augment, sbi) + ("-runs" if by_run else "")
    folder = paths.cache_dir() / "features"
    final = folder / f"{key}.npy"
    shape = (views, len(samples), *tuple(int(d) for d in encoder.output_shape[1:]))
    if use_cache and (cached := _cached(final, shape)) is not None:
        return cached
    fn = _encoder_fn(encoder, table.settings.size)
    tmp = folder / f".{key}.{os.getpid()}.part"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        out = np.lib.format.open_memmap(tmp, mode="w+", dtype=np.float16, shape=shape) if use_cache \
            else np.zeros(shape, np.float16)
    except OSError as exc:
        raise OutputNotWritable(f"Cannot cache backbone features in {folder}: {exc.strerror}.") from exc
    total = views * len(samples)
    done, t0 = 0, time.perf_counter()
    try:
        for v in range(views):
            for i in range(0, len(samples), batch_size):
                if cancelled():
                    raise Cancelled("Computing backbone features was cancelled.")
                rows = np.arange(i, min(i + batch_size, len(samples)))
                pixels = render(table, samples, rows, seed, v, augment if v > 0 else None, sbi, by_run)
                out[v, rows] = np.asarray(fn(preprocess(preprocessing, pixels))).astype(np.float16)
                done += len(rows)
                el = time.perf_counter() - t0
                report(TrainProgress("encoding", done, total, el, el / done * (total - done)))
        if use_cache:
            out.flush()
            del out
            os.replace(tmp, final)
            return np.load(final, mmap_mode="r")
        return out
    except BaseException:
        if use_cache:
            Path(tmp).unlink(missing_ok=True)
        raise


def encode_blended_runs(encoder, table: CropTable, samples: Samples, preprocessing: str, encoder_id: str,
                        seed: int, sbi: SelfBlendConfig | None, batch_size: int = 32,
                        progress: Callable[[TrainProgress], None] | None = None,
                        should_cancel: Callable[[], bool] | None = None, use_cache: bool = True) -> np.ndarray:
    """``(1, len(table), D)`` float16: features of the temporally self-blended face tracks that the
    self-blended windows of ``samples`` come from (rows of other tracks stay zero)."""
    from core.training.batches import render_blended_runs

    report = progress or (lambda p: None)
    cancelled = should_cancel or (lambda: False)
    runs = np.unique(table.run[samples.crop[samples.sbi]]) if samples.sbi.any() else np.zeros(0, np.int64)
    rows = np.flatnonzero(np.isin(table.run, runs))
    h = hashlib.sha256(rows.tobytes()).hexdigest()
    key = sha256_text("|".join([FEATURES_VERSION, "temporal-sbi", table.key, h, encoder_id, preprocessing, str(seed),
                                repr(sbi.to_json() if sbi else None)]))
    final = paths.cache_dir() / "features" / f"{key}.npy"
    shape = (1, len(table), *tuple(int(d) for d in encoder.output_shape[1:]))
    if use_cache and (cached := _cached(final, shape)) is not None:
        return cached
    fn = _encoder_fn(encoder, table.settings.size)
    out = np.zeros(shape, np.float16)
    t0 = time.perf_counter()
    edges = np.flatnonzero(np.diff(table.run[rows])) + 1
    done = 0
    for seg in np.split(rows, edges) if len(rows) else []:
        if cancelled():
            raise Cancelled("Computing backbone features was cancelled.")
        pixels = render_blended_runs(table, seg, seed, sbi)
        for i in range(0, len(seg), batch_size):
            out[0, seg[i:i + batch_size]] = np.asarray(
                fn(preprocess(preprocessing, pixels[i:i + batch_size]))).astype(np.float16)
        done += len(seg)
        el = time.perf_counter() - t0
        report(TrainProgress("encoding", done, len(rows), el, el / done * (len(rows) - done),
                             message="temporal self-blends"))
    if use_cache:
        try:
            final.parent.mkdir(parents=True, exist_ok=True)
            tmp = final.parent / f".{key}.{os.getpid()}.part.npy"
            np.save(tmp, out)
            os.replace(tmp, final)
        except OSError:
            pass  # a full disk costs a recomputation next time
    return out
