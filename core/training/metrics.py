"""Binary classification metrics in numpy: labels 1 = fake (positive), 0 = real; scores = P(fake).

A prediction is *fake* when ``score >= threshold``. Metrics that a sample cannot define (AUC
with one class, precision with no predicted fake) are ``None``, never a made-up number.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

EPS = 1e-7


def _arrays(y_true, scores) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(y_true, dtype=np.int64).reshape(-1)
    s = np.asarray(scores, dtype=np.float64).reshape(-1)
    if y.shape != s.shape:
        raise ValueError(f"{len(y)} labels but {len(s)} scores")
    if len(y) and not np.isin(y, (0, 1)).all():
        raise ValueError("labels must be 0 (real) or 1 (fake)")
    if not np.isfinite(s).all():
        raise ValueError("scores must be finite")
    return y, s


def confusion_matrix(y_true, scores, threshold: float = 0.5) -> np.ndarray:
    """``[[TN, FP], [FN, TP]]``: rows are the truth (real, fake), columns the prediction."""
    y, s = _arrays(y_true, scores)
    pred = s >= threshold
    tp = int(np.sum(pred & (y == 1)))
    fp = int(np.sum(pred & (y == 0)))
    fn = int(np.sum(~pred & (y == 1)))
    tn = int(np.sum(~pred & (y == 0)))
    return np.array([[tn, fp], [fn, tp]], dtype=np.int64)


def _ratio(num: float, den: float) -> float | None:
    return float(num) / float(den) if den else None


def accuracy(y_true, scores, threshold: float = 0.5) -> float | None:
    (tn, fp), (fn, tp) = confusion_matrix(y_true, scores, threshold)
    return _ratio(tp + tn, tp + tn + fp + fn)


def precision(y_true, scores, threshold: float = 0.5) -> float | None:
    (_, fp), (_, tp) = confusion_matrix(y_true, scores, threshold)
    return _ratio(tp, tp + fp)


def recall(y_true, scores, threshold: float = 0.5) -> float | None:
    _, (fn, tp) = confusion_matrix(y_true, scores, threshold)
    return _ratio(tp, tp + fn)


def f1(y_true, scores, threshold: float = 0.5) -> float | None:
    (_, fp), (fn, tp) = confusion_matrix(y_true, scores, threshold)
    return _ratio(2 * tp, 2 * tp + fp + fn)


def log_loss(y_true, scores, sample_weight=None) -> float | None:
    """Mean binary cross-entropy, scores clipped to [1e-7, 1 - 1e-7]."""
    y, s = _arrays(y_true, scores)
    if not len(y):
        return None
    p = np.clip(s, EPS, 1.0 - EPS)
    losses = -(y * np.log(p) + (1 - y) * np.log(1.0 - p))
    w = np.ones_like(p) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    return float(np.sum(w * losses) / np.sum(w))


def roc_auc(y_true, scores) -> float | None:
    """Area under the ROC curve: P(score of a fake > score of a real), ties counting one half."""
    y, s = _arrays(y_true, scores)
    n_pos, n_neg = int(np.sum(y == 1)), int(np.sum(y == 0))
    if not n_pos or not n_neg:
        return None
    order = np.argsort(s, kind="mergesort")
    ranks = np.empty(len(s), dtype=np.float64)
    sorted_s = s[order]
    # average ranks over ties (1-based)
    _, first, counts = np.unique(sorted_s, return_index=True, return_counts=True)
    avg = first + (counts + 1) / 2.0
    ranks[order] = np.repeat(avg, counts)
    u = np.sum(ranks[y == 1]) - n_pos * (n_pos + 1) / 2.0
    return float(u / (n_pos * n_neg))


def roc_curve(y_true, scores) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(fpr, tpr, thresholds) with one point per distinct score, highest first.

    ``thresholds[0]`` is ``inf`` (nothing predicted fake, the point (0, 0)); point i predicts
    fake for ``score >= thresholds[i]``. Needs both classes.
    """
    y, s = _arrays(y_true, scores)
    n_pos, n_neg = int(np.sum(y == 1)), int(np.sum(y == 0))
    if not n_pos or not n_neg:
        raise ValueError("a ROC curve needs both real and fake samples")
    order = np.argsort(-s, kind="mergesort")
    s_sorted, y_sorted = s[order], y[order]
    distinct = np.where(np.diff(s_sorted))[0]
    idx = np.r_[distinct, len(s_sorted) - 1]
    tps = np.cumsum(y_sorted)[idx]
    fps = (idx + 1) - tps
    tpr = np.r_[0.0, tps / n_pos]
    fpr = np.r_[0.0, fps / n_neg]
    thresholds = np.r_[np.inf, s_sorted[idx]]
    return fpr, tpr, thresholds


def eer(y_true, scores) -> tuple[float, float] | None:
    """Equal error rate and the threshold where it occurs (FPR = FNR, linearly interpolated)."""
    y, s = _arrays(y_true, scores)
    if not (np.any(y == 1) and np.any(y == 0)):
        return None
    fpr, tpr, thr = roc_curve(y, s)
    fnr = 1.0 - tpr
    diff = fnr - fpr  # decreasing from 1 to -1 along the curve
    i = int(np.argmax(diff <= 0))
    if diff[i] == 0 or i == 0:
        t = thr[i] if np.isfinite(thr[i]) else thr[1]
        return float(fpr[i]), float(t)
    # interpolate between point i-1 (diff > 0) and point i (diff <= 0)
    a = diff[i - 1] / (diff[i - 1] - diff[i])
    rate = fpr[i - 1] + a * (fpr[i] - fpr[i - 1])
    t_prev = thr[i - 1] if np.isfinite(thr[i - 1]) else thr[i]
    t = t_prev + a * (thr[i] - t_prev)
    return float(rate), float(t)


THRESHOLD_RULES = ("youden", "eer", "f1", "fixed")


def choose_threshold(y_true, scores, rule: str = "youden", fixed: float = 0.5) -> float:
    """A decision threshold picked on validation scores.

    ``youden`` maximises TPR - FPR (balanced accuracy), ``eer`` equalises the error rates,
    ``f1`` maximises F1 on fakes, ``fixed`` returns ``fixed``. Candidates are midpoints between
    neighbouring distinct scores, so the threshold generalises rather than sitting on a sample.
    With one class only it falls back to ``fixed``. The result lies in [0.001, 0.999].
    """
    if rule not in THRESHOLD_RULES:
        raise ValueError(f"unknown threshold rule {rule!r}; use one of {', '.join(THRESHOLD_RULES)}")
    y, s = _arrays(y_true, scores)
    if rule == "fixed" or not (np.any(y == 1) and np.any(y == 0)):
        return float(np.clip(fixed, 0.001, 0.999))
    if rule == "eer":
        return float(np.clip(eer(y, s)[1], 0.001, 0.999))
    u = np.unique(s)
    cands = np.r_[u[0] - 1e-6, (u[:-1] + u[1:]) / 2.0, u[-1] + 1e-6]
    pred = s[None, :] >= cands[:, None]
    tp = np.sum(pred & (y == 1), axis=1)
    fp = np.sum(pred & (y == 0), axis=1)
    fn = np.sum(~pred & (y == 1), axis=1)
    if rule == "youden":
        score = tp / max(np.sum(y == 1), 1) - fp / max(np.sum(y == 0), 1)
    else:
        score = 2 * tp / np.maximum(2 * tp + fp + fn, 1)
    best = np.flatnonzero(score == score.max())
    t = float(cands[best[len(best) // 2]])  # the middle of equally good thresholds
    return float(np.clip(t, 0.001, 0.999))


@dataclass(frozen=True)
class Metrics:
    n: int
    n_real: int
    n_fake: int
    threshold: float
    accuracy: float | None
    precision: float | None
    recall: float | None
    f1: float | None
    roc_auc: float | None
    log_loss: float | None
    eer: float | None
    eer_threshold: float | None
    confusion: tuple[tuple[int, int], tuple[int, int]]  # [[TN, FP], [FN, TP]]

    def to_json(self) -> dict:
        return asdict(self)


def compute(y_true, scores, threshold: float = 0.5) -> Metrics:
    """Every metric at once for one threshold."""
    y, s = _arrays(y_true, scores)
    cm = confusion_matrix(y, s, threshold)
    e = eer(y, s)
    return Metrics(
        n=int(len(y)),
        n_real=int(np.sum(y == 0)),
        n_fake=int(np.sum(y == 1)),
        threshold=float(threshold),
        accuracy=accuracy(y, s, threshold),
        precision=precision(y, s, threshold),
        recall=recall(y, s, threshold),
        f1=f1(y, s, threshold),
        roc_auc=roc_auc(y, s),
        log_loss=log_loss(y, s),
        eer=None if e is None else e[0],
        eer_threshold=None if e is None else e[1],
        confusion=tuple(tuple(int(v) for v in row) for row in cm),
    )


def expected_calibration_error(y_true, scores, bins: int = 10) -> float | None:
    """Mean |observed fake rate - mean predicted P(fake)| over equal-width score bins, weighted by count."""
    y, s = _arrays(y_true, scores)
    if not len(y):
        return None
    idx = np.clip(np.digitize(s, np.linspace(0, 1, bins + 1)[1:-1]), 0, bins - 1)
    return float(sum(np.mean(idx == b) * abs(y[idx == b].mean() - s[idx == b].mean())
                     for b in range(bins) if np.any(idx == b)))
