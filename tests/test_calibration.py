"""Calibration: Platt scaling fitted on validation makes scores probabilities; cards carry it, scorers apply it."""

import json

import numpy as np
import pytest

from core.errors import BundleInvalid
from core.models import calibration as cal
from core.models.bundle import read_bundle
from core.training.metrics import expected_calibration_error, roc_auc


def _overconfident(n=4000, seed=0):
    """Labels and scores whose true P(fake) is sigmoid(z), reported as sigmoid(3z + 1.5): overconfident, shifted."""
    rng = np.random.default_rng(seed)
    z = rng.normal(0, 1.5, n)
    y = (rng.random(n) < 1 / (1 + np.exp(-z))).astype(float)
    return y, 1 / (1 + np.exp(-(3 * z + 1.5)))


def test_platt_scaling_recovers_the_true_probabilities():
    y, raw = _overconfident()
    slope, intercept = cal.fit_platt(y, raw)
    assert slope == pytest.approx(1 / 3, abs=0.05) and intercept == pytest.approx(-0.5, abs=0.12)
    c = {"method": "platt", "slope": slope, "intercept": intercept}
    fixed = cal.apply(raw, c)
    y2, raw2 = _overconfident(seed=1)  # fresh data: calibrated there too
    assert expected_calibration_error(y, raw) > 0.08
    assert expected_calibration_error(y2, cal.apply(raw2, c)) < 0.03
    assert roc_auc(y, fixed) == pytest.approx(roc_auc(y, raw))  # monotone: ranking untouched
    assert np.array_equal(cal.apply(raw, None), raw)


def test_separable_data_gives_a_finite_calibration():
    y = np.r_[np.zeros(50), np.ones(50)]
    raw = np.r_[np.full(50, 0.1), np.full(50, 0.9)]
    slope, intercept = cal.fit_platt(y, raw)
    p = cal.apply(raw, {"method": "platt", "slope": slope, "intercept": intercept})
    assert np.isfinite([slope, intercept]).all() and 0.95 < p[-1] < 1 and 0 < p[0] < 0.05
    with pytest.raises(ValueError, match="both"):
        cal.fit_platt(np.zeros(5), np.full(5, 0.2))


@pytest.mark.parametrize("bad, why", [
    ({"method": "isotonic", "slope": 1.0, "intercept": 0.0}, "method must be 'platt'"),
    ({"method": "platt", "slope": "1", "intercept": 0.0}, "slope must be a finite number"),
    ({"method": "platt", "slope": -2.0, "intercept": 0.0}, "may not reverse"),
    ([1, 2], "must be an object"),
])
def test_cards_with_bad_calibration_are_refused(tiny_bundle, tmp_path, bad, why):
    import shutil

    folder = tmp_path / "b"
    shutil.copytree(tiny_bundle.path, folder)
    card = json.loads((folder / "card.json").read_text())
    card["calibration"] = bad
    (folder / "card.json").write_text(json.dumps(card))
    with pytest.raises(BundleInvalid, match=why):
        read_bundle(folder)


def test_the_scorer_applies_the_cards_calibration(tiny_bundle, tmp_path):
    import shutil

    from core.models.scorer import Scorer

    folder = tmp_path / "b"
    shutil.copytree(tiny_bundle.path, folder)
    card = json.loads((folder / "card.json").read_text())
    crops = np.random.default_rng(0).integers(0, 256, (6, card["input_size"], card["input_size"], 3), np.uint8)
    raw = Scorer(read_bundle(folder)).score_crops(crops)
    c = {"method": "platt", "slope": 0.5, "intercept": -1.0}
    card["calibration"] = c
    (folder / "card.json").write_text(json.dumps(card))
    got = Scorer(read_bundle(folder)).score_crops(crops)
    assert np.allclose(got, cal.apply(raw, c)) and not np.allclose(got, raw)


def test_calibration_transfer_undoes_the_cards_calibration_before_refitting():
    import sys
    from pathlib import Path

    scripts = str(Path(__file__).resolve().parents[1] / "scripts")
    sys.path.insert(0, scripts)
    try:
        import calibration_transfer
    finally:
        sys.path.remove(scripts)
    from core.models.calibration import apply

    raw = np.array([0.02, 0.3, 0.5, 0.77, 0.99])
    card = {"slope": 1.7, "intercept": -0.4}
    shown = apply(raw, card)
    assert not np.allclose(shown, raw)
    assert np.allclose(calibration_transfer.uncalibrated(shown, card), raw)
    assert np.allclose(calibration_transfer.uncalibrated(shown, None), shown)
