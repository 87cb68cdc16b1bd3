"""Calibration: the network's raw P(fake) mapped to a probability that means what it says.

Platt scaling on the logit, ``p = sigmoid(slope * logit(raw) + intercept)``, fitted on the
validation faces by maximum likelihood (Newton's method on two parameters). The card stores the
two numbers and where they were fitted; the scorer applies them, so every score the app shows,
exports and thresholds is the calibrated one. A card without calibration scores raw.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

METHOD = "platt"
_EPS = 1e-6


def logit(p: np.ndarray) -> np.ndarray:
    q = np.clip(np.asarray(p, np.float64), _EPS, 1.0 - _EPS)
    return np.log(q) - np.log1p(-q)


def apply(raw: np.ndarray, calibration: dict[str, Any] | None) -> np.ndarray:
    """Calibrated P(fake) for raw P(fake) scores (unchanged without a calibration)."""
    raw = np.asarray(raw, np.float64)
    if not calibration:
        return raw
    z = float(calibration["slope"]) * logit(raw) + float(calibration["intercept"])
    return 1.0 / (1.0 + np.exp(-z))


def fit_platt(y: np.ndarray, raw: np.ndarray, iterations: int = 100) -> tuple[float, float]:
    """(slope, intercept) maximising the likelihood of labels ``y`` (1 = fake) given ``raw`` scores.

    Uses Platt's smoothed targets, so perfectly separated data gives a finite, sensible slope.
    """
    y = np.asarray(y, np.float64).reshape(-1)
    x = logit(raw).reshape(-1)
    n1, n0 = float(y.sum()), float(len(y) - y.sum())
    if n1 == 0 or n0 == 0:
        raise ValueError("calibration needs both real and fake faces")
    t = np.where(y > 0.5, (n1 + 1) / (n1 + 2), 1 / (n0 + 2))

    def loss(a: float, b: float) -> float:
        z = a * x + b
        return float(np.sum(np.logaddexp(0.0, z) - t * z))  # cross-entropy with the smoothed targets

    a, b = 1.0, 0.0
    current = loss(a, b)
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-(a * x + b)))
        g = np.array([np.sum((p - t) * x), np.sum(p - t)])
        w = p * (1 - p) + 1e-12
        h = np.array([[np.sum(w * x * x), np.sum(w * x)], [np.sum(w * x), np.sum(w)]]) + 1e-9 * np.eye(2)
        step = np.linalg.solve(h, g)
        scale = 1.0
        while scale > 1e-8 and loss(a - scale * step[0], b - scale * step[1]) > current:
            scale /= 2  # damped Newton: never a step that makes the fit worse
        a, b = a - scale * step[0], b - scale * step[1]
        new = loss(a, b)
        if current - new < 1e-12:
            break
        current = new
    return float(a), float(b)


def problems(calibration: Any) -> list[str]:
    """What is wrong with a card's ``calibration`` value (empty when it is usable or absent)."""
    if calibration is None:
        return []
    if not isinstance(calibration, dict):
        return ["calibration must be an object"]
    out = []
    if calibration.get("method") != METHOD:
        out.append(f"calibration method must be '{METHOD}'")
    for key in ("slope", "intercept"):
        v = calibration.get(key)
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            out.append(f"calibration {key} must be a finite number")
    if not out and calibration["slope"] <= 0:
        out.append("calibration slope must be positive (it may not reverse the scores)")
    return out
