"""Metrics against values worked out by hand."""

import math

import numpy as np
import pytest

from core.training import metrics as M

# The classic example: reals score 0.1 and 0.4, fakes 0.35 and 0.8.
Y = [0, 0, 1, 1]
S = [0.1, 0.4, 0.35, 0.8]


def test_confusion_and_threshold_metrics_by_hand():
    # at 0.5 only 0.8 is called fake: TN=2, FP=0, FN=1, TP=1
    assert M.confusion_matrix(Y, S, 0.5).tolist() == [[2, 0], [1, 1]]
    assert M.accuracy(Y, S, 0.5) == 0.75
    assert M.precision(Y, S, 0.5) == 1.0
    assert M.recall(Y, S, 0.5) == 0.5
    assert M.f1(Y, S, 0.5) == pytest.approx(2 / 3)
    # at 0.3: 0.4, 0.35, 0.8 are called fake: TN=1 FP=1 FN=0 TP=2
    assert M.confusion_matrix(Y, S, 0.3).tolist() == [[1, 1], [0, 2]]
    assert M.precision(Y, S, 0.3) == pytest.approx(2 / 3)
    assert M.f1(Y, S, 0.3) == pytest.approx(0.8)
    # a score equal to the threshold counts as fake
    assert M.confusion_matrix([1], [0.5], 0.5).tolist() == [[0, 0], [0, 1]]


def test_undefined_metrics_are_none_not_invented():
    assert M.precision([0, 1], [0.1, 0.2], 0.5) is None  # nothing called fake
    assert M.recall([0, 0], [0.1, 0.9], 0.5) is None  # no fakes
    assert M.roc_auc([1, 1], [0.2, 0.9]) is None
    assert M.eer([0, 0], [0.2, 0.9]) is None
    assert M.log_loss([], []) is None


def test_auc_by_hand_with_ties():
    assert M.roc_auc(Y, S) == pytest.approx(0.75)  # 3 of 4 (fake, real) pairs ordered right
    # one tie between a fake and a real counts one half: pairs (f=0.5 vs r=0.5) 0.5, (0.5 vs 0.2) 1,
    # (0.9 vs 0.5) 1, (0.9 vs 0.2) 1 -> 3.5 / 4
    assert M.roc_auc([0, 0, 1, 1], [0.5, 0.2, 0.5, 0.9]) == pytest.approx(0.875)
    assert M.roc_auc([0, 1], [0.9, 0.1]) == 0.0


def test_log_loss_by_hand_and_clipping():
    want = -(math.log(0.9) + math.log(0.6) + math.log(0.35) + math.log(0.8)) / 4
    assert M.log_loss(Y, S) == pytest.approx(want)
    assert M.log_loss([1], [0.0]) == pytest.approx(-math.log(1e-7))
    assert M.log_loss([0, 1], [0.2, 0.6], sample_weight=[1, 3]) == pytest.approx(
        (-math.log(0.8) - 3 * math.log(0.6)) / 4)


def test_roc_curve_points_by_hand():
    fpr, tpr, thr = M.roc_curve(Y, S)
    assert fpr.tolist() == [0.0, 0.0, 0.5, 0.5, 1.0]
    assert tpr.tolist() == [0.0, 0.5, 0.5, 1.0, 1.0]
    assert thr[0] == np.inf and thr[1:].tolist() == [0.8, 0.4, 0.35, 0.1]
    trapezoid = getattr(np, "trapezoid", None) or np.trapz  # NumPy 1.26 (the installer's) has only trapz
    assert trapezoid(tpr, fpr) == pytest.approx(M.roc_auc(Y, S))
    with pytest.raises(ValueError):
        M.roc_curve([0, 0], [0.1, 0.2])


def test_eer_exact_and_interpolated():
    # Y/S: at threshold 0.4 FPR = FNR = 0.5
    assert M.eer(Y, S) == (pytest.approx(0.5), pytest.approx(0.4))
    # reals 0.1, 0.2, 0.7 and one fake 0.6: the curve jumps from FNR 1 to 0 at FPR 1/3
    rate, thr = M.eer([0, 0, 0, 1], [0.1, 0.2, 0.7, 0.6])
    assert rate == pytest.approx(1 / 3)
    assert 0.6 <= thr <= 0.7
    assert M.eer([0, 1], [0.2, 0.8])[0] == 0.0


def test_threshold_rules():
    y = [0, 0, 0, 1, 1, 1]
    s = [0.1, 0.2, 0.3, 0.6, 0.7, 0.9]  # separable between 0.3 and 0.6
    for rule in ("youden", "f1"):
        t = M.choose_threshold(y, s, rule)
        assert 0.3 < t < 0.6
        assert M.accuracy(y, s, t) == 1.0
    assert 0.3 <= M.choose_threshold(y, s, "eer") <= 0.6
    assert M.choose_threshold(y, s, "fixed", fixed=0.42) == 0.42
    assert M.choose_threshold([0, 0], [0.2, 0.3], "youden") == 0.5  # one class: falls back
    assert M.choose_threshold([0, 1], [0.0, 0.0], "youden") >= 0.001  # clipped into (0, 1)
    with pytest.raises(ValueError):
        M.choose_threshold(y, s, "best")


def test_compute_bundles_everything_and_validates_input():
    m = M.compute(Y, S, 0.5)
    assert (m.n, m.n_real, m.n_fake) == (4, 2, 2)
    assert m.confusion == ((2, 0), (1, 1))
    assert m.roc_auc == pytest.approx(0.75) and m.eer == pytest.approx(0.5)
    assert m.to_json()["accuracy"] == 0.75
    with pytest.raises(ValueError):
        M.compute([0, 2], [0.1, 0.2])
    with pytest.raises(ValueError):
        M.compute([0, 1], [0.1])
    with pytest.raises(ValueError):
        M.compute([0, 1], [0.1, float("nan")])


def test_expected_calibration_error_by_hand():
    from core.training.metrics import expected_calibration_error

    y = np.array([1, 0, 1, 1])
    s = np.array([0.95, 0.95, 0.15, 0.15])  # bin 9: rate 0.5 vs 0.95; bin 1: rate 1.0 vs 0.15
    assert expected_calibration_error(y, s) == pytest.approx(0.5 * 0.45 + 0.5 * 0.85)
