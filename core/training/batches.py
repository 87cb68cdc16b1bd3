"""Training samples and batches: which crops (or windows of crops) an epoch sees, in what order,
with what weight, and how their pixels are made (self-blending, augmentation, preprocessing).

Every random choice is drawn from a generator seeded by ``(seed, epoch, sample)``, so an epoch
is the same whether it runs straight through, is resumed, or is prefetched in another thread.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from core.models.preprocess import preprocess
from core.training.augment import AugmentConfig, augment_image
from core.training.crops import CropTable
from core.training.self_blend import SelfBlendConfig, self_blend


@dataclass
class Samples:
    """``crop``: a table row (frame samples) or the first row of a window (sequence samples)."""

    crop: np.ndarray  # (n,) int64
    sbi: np.ndarray  # (n,) bool: a self-blended fake made from the (real) crop
    label: np.ndarray  # (n,) float32, 1 = fake
    file: np.ndarray  # (n,) int32, the table's file index

    def __len__(self) -> int:
        return len(self.crop)

    def count(self, label: int) -> int:
        return int(np.sum(self.label == label))


def frame_samples(table: CropTable, split: str, self_blended: bool) -> Samples:
    """Every crop of the split, plus one self-blended fake per real crop when asked.

    Outside training, self-blends stand in for fakes only where the split has none of its own:
    a validation split of real face swaps measures (and selects) the model on those alone.
    """
    idx = table.where(split).astype(np.int64)
    lab = table.label[idx].astype(np.float32)
    crop, sbi, label = [idx], [np.zeros(len(idx), bool)], [lab]
    if self_blended and (split == "train" or not np.any(lab == 1)):
        reals = idx[lab == 0]
        crop.append(reals)
        sbi.append(np.ones(len(reals), bool))
        label.append(np.ones(len(reals), np.float32))
    c = np.concatenate(crop)
    return Samples(c, np.concatenate(sbi), np.concatenate(label), table.file[c].astype(np.int32))


def window_samples(table: CropTable, split: str, length: int, hop: int, self_blended: bool = False) -> Samples:
    """Windows of ``length`` consecutive crops of one run, starting every ``hop`` crops.

    ``self_blended``: each real window also comes as a fake made of the same crops temporally
    self-blended (:func:`render_blended_runs`); outside training only where the split has no fakes.
    """
    s = _windows(table, split, length, hop)
    if not self_blended or not len(s) or (split != "train" and np.any(s.label == 1)):
        return s
    real = s.label == 0
    return Samples(np.r_[s.crop, s.crop[real]], np.r_[s.sbi, np.ones(int(real.sum()), bool)],
                   np.r_[s.label, np.ones(int(real.sum()), np.float32)], np.r_[s.file, s.file[real]])


def _windows(table: CropTable, split: str, length: int, hop: int) -> Samples:
    idx = table.where(split)
    starts = []
    if len(idx):
        runs = table.run[idx]
        edges = np.flatnonzero(np.diff(runs)) + 1
        for seg in np.split(idx, edges):
            if len(seg) >= length:
                starts += list(range(int(seg[0]), int(seg[-1]) - length + 2, hop))
    s = np.array(starts, np.int64)
    return Samples(s, np.zeros(len(s), bool), table.label[s].astype(np.float32) if len(s) else np.zeros(0, np.float32),
                   table.file[s].astype(np.int32) if len(s) else np.zeros(0, np.int32))


def class_weights(labels: np.ndarray, balance: str) -> dict[int, float]:
    """Weights that make both classes count equally in the loss (``balance == 'weights'``), else 1."""
    n = len(labels)
    counts = {c: int(np.sum(labels == c)) for c in (0, 1)}
    if balance != "weights" or not all(counts.values()):
        return {0: 1.0, 1: 1.0}
    return {c: n / (2.0 * counts[c]) for c in (0, 1)}


def epoch_order(samples: Samples, balance: str, seed: int, epoch: int) -> np.ndarray:
    """Indices into ``samples`` for one epoch, shuffled; the smaller class repeated if oversampling."""
    rng = np.random.default_rng([seed, epoch, 7])
    idx = np.arange(len(samples))
    if balance == "oversample":
        by = [idx[samples.label == c] for c in (0, 1)]
        if all(len(b) for b in by):
            big = max(len(b) for b in by)
            idx = np.concatenate([np.r_[b, rng.choice(b, big - len(b), replace=True)] for b in by])
    return rng.permutation(idx)


def pair_blends(order: np.ndarray, samples: Samples) -> np.ndarray:
    """``order`` with each self-blend moved right after the real crop it is made from (as the
    self-blended-images paper batches them: a face and its fake side by side, so what differs is the
    blend alone). A permutation of ``order``'s entries; a blend whose real crop is not in ``order``
    keeps its place."""
    order = np.asarray(order, np.int64)
    is_blend = samples.sbi[order]
    real_crops = set(samples.crop[order[~is_blend]].tolist())
    blend_of = {int(samples.crop[j]): int(j) for j in order[is_blend] if int(samples.crop[j]) in real_crops}
    paired = set(blend_of.values())
    out = []
    for j in order.tolist():
        c = int(samples.crop[j])
        if samples.sbi[j]:
            if j not in paired:
                out.append(j)  # its real crop is not in this order: it keeps its place
            continue
        out.append(j)
        b = blend_of.pop(c, None)
        if b is not None:
            out.append(b)
    return np.array(out, np.int64)


def epoch_slice(samples: Samples, balance: str, seed: int, epoch: int, size: int | None) -> np.ndarray:
    """The samples of ``epoch`` when an epoch is ``size`` samples: consecutive slices of successive full
    passes (each pass shuffled as :func:`epoch_order`), so every sample is seen once per pass."""
    if not size:
        return epoch_order(samples, balance, seed, epoch)
    start, out, have = (epoch - 1) * size, [], 0
    passes = 0
    first = epoch_order(samples, balance, seed, 1)
    n = len(first)
    if not n:
        return first
    p, offset = divmod(start, n)
    while have < size:
        order = first if p == 0 else epoch_order(samples, balance, seed, p + 1)
        part = order[offset:offset + size - have]
        out.append(part)
        have += len(part)
        p, offset, passes = p + 1, 0, passes + 1
    return np.concatenate(out)


def render_blended_runs(table: CropTable, rows: np.ndarray, seed: int, sbi: SelfBlendConfig | None) -> np.ndarray:
    """The crops ``rows`` (whole runs, in order) temporally self-blended run by run: within a face
    track the blend's parameters drift and now and then jump from frame to frame, as a face swap
    flickers (:func:`core.training.self_blend.temporal_self_blend`). Seeded by ``(seed, run)``."""
    from core.training.self_blend import temporal_self_blend

    rows = np.asarray(rows, np.int64)
    out = np.empty((len(rows), *table.crops.shape[1:]), np.uint8)
    runs = table.run[rows]
    edges = np.flatnonzero(np.diff(runs)) + 1
    at = 0
    for seg in np.split(rows, edges):
        marks = [_marks(table, int(c)) for c in seg]
        blended = temporal_self_blend([np.asarray(table.crops[int(c)]) for c in seg],
                                      np.random.default_rng([seed, int(table.run[seg[0]]), 17]),
                                      [tuple(table.boxes[int(c)]) for c in seg], marks, sbi or SelfBlendConfig())
        out[at:at + len(seg)] = [b.image for b in blended]
        at += len(seg)
    return out


def _marks(table: CropTable, c: int):
    """The landmarks a self-blend of crop ``c`` follows: the face mesh, else MTCNN's five, else none."""
    marks = table.mesh[c] if table.mesh is not None and not np.isnan(table.mesh[c]).any() else table.landmarks[c]
    return None if np.isnan(marks).any() else marks


def render(table: CropTable, samples: Samples, rows: np.ndarray, seed: int, epoch: int,
           augment: AugmentConfig | None, sbi: SelfBlendConfig | None, by_run: bool = False) -> np.ndarray:
    """The uint8 crops of the given sample rows, self-blended and augmented as asked.

    ``by_run``: crops of one run (a face track) share their geometric augmentation, so the frames
    of a sequence window move together; noise and compression still differ per frame.
    """
    out = np.empty((len(rows), *table.crops.shape[1:]), np.uint8)
    for k, j in enumerate(rows):
        c = int(samples.crop[j])
        img = np.asarray(table.crops[c])
        rng = np.random.default_rng([seed, epoch, int(j), 11])
        if samples.sbi[j]:
            img = self_blend(img, rng, tuple(table.boxes[c]), _marks(table, c), sbi or SelfBlendConfig()).image
        if augment is not None and augment.active:
            if by_run:
                track = np.random.default_rng([seed, epoch, int(table.run[c]), 13])
                img = augment_image(img, track, augment, pixel_rng=rng)
            else:
                img = augment_image(img, rng, augment)
        out[k] = img
    return out


def pixel_batches(table: CropTable, samples: Samples, order: np.ndarray, batch_size: int, seed: int, epoch: int,
                  preprocessing: str, weights: dict[int, float], augment: AugmentConfig | None = None,
                  sbi: SelfBlendConfig | None = None) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """(x float32 preprocessed, y, sample weight) batches in ``order``."""
    for i in range(0, len(order), batch_size):
        rows = order[i : i + batch_size]
        x = preprocess(preprocessing, render(table, samples, rows, seed, epoch, augment, sbi))
        y = samples.label[rows]
        w = np.array([weights[int(v)] for v in y], np.float32)
        yield x, y.reshape(-1, 1), w


def feature_batches(features: np.ndarray, samples: Samples, order: np.ndarray, batch_size: int,
                    weights: dict[int, float], views: np.ndarray | None = None, window: int | None = None,
                    blended: np.ndarray | None = None) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Batches of cached features ``features[view, row]``.

    Frame heads: ``features`` is ``(views, n_samples, ...)`` aligned with ``samples``. Sequence
    heads (``window`` set): ``(views, n_table_rows, D)`` and a sample is ``window`` rows from
    its start; a self-blended window reads ``blended`` (``(1, n_table_rows, D)``, the features of
    the temporally blended runs). ``views[j]`` picks sample j's view (default 0).
    """
    for i in range(0, len(order), batch_size):
        rows = order[i : i + batch_size]
        v = np.zeros(len(rows), np.int64) if views is None else views[rows]
        if window is None:
            x = np.stack([features[vi, r] for vi, r in zip(v, rows, strict=True)])
        else:
            def take(vi, r):
                src, vi = (blended, 0) if samples.sbi[r] else (features, vi)
                return src[vi, int(samples.crop[r]) : int(samples.crop[r]) + window]

            x = np.stack([take(vi, r) for vi, r in zip(v, rows, strict=True)])
        y = samples.label[rows]
        w = np.array([weights[int(t)] for t in y], np.float32)
        yield x.astype(np.float32), y.reshape(-1, 1), w


class Prefetch:
    """Runs a batch iterator in a background thread, a few batches ahead (cv2 and numpy release the GIL)."""

    _DONE = object()

    def __init__(self, make: Callable[[], Iterator], depth: int = 2):
        self._q: queue.Queue = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(make,), name="batches", daemon=True)
        self._thread.start()

    def _run(self, make):
        try:
            for item in make():
                while not self._stop.is_set():
                    try:
                        self._q.put(item, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if self._stop.is_set():
                    return
            self._q.put(self._DONE)
        except Exception as exc:  # handed to the consumer, which re-raises it
            self._q.put(exc)

    def __iter__(self):
        while True:
            item = self._q.get()
            if item is self._DONE:
                return
            if isinstance(item, Exception):
                raise item
            yield item

    def close(self) -> None:
        self._stop.set()
        while self._thread.is_alive():
            try:
                self._q.get_nowait()
            except queue.Empty:
                self._thread.join(0.05)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
