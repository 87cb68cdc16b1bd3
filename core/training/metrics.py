"""Detection metrics in numpy (label 1 = fake, scores = P(fake))."""

from __future__ import annotations

import numpy as np


def roc_auc(y: np.ndarray, s: np.ndarray) -> float:
    """Area under the ROC curve (ties count half), via ranks: the Mann-Whitney U statistic."""
    y, s = np.asarray(y).astype(bool), np.asarray(s, dtype=np.float64)
    pos, neg = int(y.sum()), int((~y).sum())
    if pos == 0 or neg == 0:
        return float("nan")
    order = np.argsort(s, kind="mergesort")
    ranks = np.empty(len(s), dtype=np.float64)
    sorted_s = s[order]
    i = 0
    while i < len(s):  # average ranks over ties
        j = i
        while j + 1 < len(s) and sorted_s[j + 1] == sorted_s[i]:
            j += 1
        ranks[order[i : j + 1]] = (i + j) / 2.0 + 1.0
        i = j + 1
    return float((ranks[y].sum() - pos * (pos + 1) / 2.0) / (pos * neg))


def threshold_youden(y: np.ndarray, s: np.ndarray) -> float:
    """The score threshold that maximises TPR - FPR (balanced accuracy) on these labels."""
    y, s = np.asarray(y).astype(bool), np.asarray(s, dtype=np.float64)
    cands = np.unique(s)
    best, best_t = -1.0, 0.5
    for t in cands:
        pred = s >= t
        j = pred[y].mean() - pred[~y].mean()
        if j > best:
            best, best_t = j, float(t)
    return float(min(max(best_t, 1e-3), 1 - 1e-3))


def expected_calibration_error(y: np.ndarray, s: np.ndarray, bins: int = 10) -> float:
    """Mean |observed fake rate - mean predicted P(fake)| over equal-width bins, weighted by count."""
    y, s = np.asarray(y, dtype=np.float64), np.asarray(s, dtype=np.float64)
    edges = np.linspace(0, 1, bins + 1)
    idx = np.clip(np.digitize(s, edges[1:-1]), 0, bins - 1)
    ece = 0.0
    for b in range(bins):
        sel = idx == b
        if sel.any():
            ece += sel.mean() * abs(y[sel].mean() - s[sel].mean())
    return float(ece)
