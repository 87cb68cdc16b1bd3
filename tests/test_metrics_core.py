import numpy as np
import pytest

from core.training.metrics import expected_calibration_error, roc_auc, threshold_youden


def test_auc_by_hand():
    # positives 0.8, 0.4; negatives 0.6, 0.2, 0.4 -> pairs won: (0.8 beats all 3) + (0.4 beats 0.2, ties 0.4) = 4.5 of 6
    y = np.array([1, 1, 0, 0, 0])
    s = np.array([0.8, 0.4, 0.6, 0.2, 0.4])
    assert roc_auc(y, s) == pytest.approx(4.5 / 6)
    assert roc_auc(y, -s) == pytest.approx(1 - 4.5 / 6)
    assert np.isnan(roc_auc(np.ones(3), s[:3]))


def test_youden_threshold_separates():
    y = np.array([0, 0, 0, 1, 1, 1])
    s = np.array([0.1, 0.2, 0.3, 0.7, 0.8, 0.9])
    t = threshold_youden(y, s)
    assert 0.3 < t <= 0.7


def test_ece_by_hand():
    y = np.array([1, 0, 1, 1])
    s = np.array([0.95, 0.95, 0.15, 0.15])  # bin 9: rate 0.5 vs 0.95; bin 1: rate 1.0 vs 0.15
    assert expected_calibration_error(y, s) == pytest.approx(0.5 * 0.45 + 0.5 * 0.85)
