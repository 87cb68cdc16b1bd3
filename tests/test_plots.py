"""PNG charts: written, decodable, and the curve / cells drawn where the numbers say."""

import cv2
import numpy as np
import pytest

from core.training import metrics as M
from core.training import plots

BLUE = np.array(plots.COLOURS[0])


def _read(path):
    img = cv2.imread(str(path))
    assert img is not None
    return cv2.cvtColor(img, cv2.COLOR_BGR2RGB)


def _blue(img, ys, xs) -> int:
    patch = img[ys[0] : ys[1], xs[0] : xs[1]].astype(int)
    return int(np.sum(np.abs(patch - BLUE).sum(axis=2) < 60))


def test_roc_png_draws_the_curve_where_it_is(tmp_path):
    y = np.array([0, 0, 0, 1, 1, 1])
    good, bad = np.array([0.1, 0.2, 0.3, 0.7, 0.8, 0.9]), np.array([0.9, 0.8, 0.7, 0.3, 0.2, 0.1])
    for name, s in (("good", good), ("bad", bad)):
        fpr, tpr, _ = M.roc_curve(y, s)
        plots.roc_png([("frames", fpr, tpr, M.roc_auc(y, s))], tmp_path / f"{name}.png", size=520)
    # plot area: x 70..490, y 60..460; a perfect curve runs up the left edge, an inverted one along the bottom
    g, b = _read(tmp_path / "good.png"), _read(tmp_path / "bad.png")
    assert g.shape == (520, 520, 3)
    left, bottom = ((100, 440), (66, 75)), ((455, 465), (100, 460))
    assert _blue(g, *left) > 200 and _blue(g, *bottom) < 20
    assert _blue(b, *bottom) > 200 and _blue(b, *left) < 20


def test_confusion_png_shades_cells_by_share(tmp_path):
    img = plots.confusion_png([[8, 0], [2, 6]], tmp_path / "cm.png", threshold=0.5, size=420)
    assert _read(tmp_path / "cm.png").shape == img.shape
    cell = (420 - 160) // 2

    def colour(r, c):
        return img[90 + r * cell + 8, 120 + c * cell + 8].astype(int)

    assert (colour(0, 1) == 255).all()  # no real called fake: white
    tn, tp, fn = colour(0, 0), colour(1, 1), colour(1, 0)
    assert tn[1] > tn[0] and tn[1] > tn[2]  # green
    assert fn[0] > fn[1]  # reddish
    assert tn.sum() < tp.sum() < 3 * 255  # 100 % is darker than 75 %


@pytest.mark.parametrize("size", [240, 260, 420])  # the Evaluate and Training tabs draw it small
def test_confusion_png_keeps_every_number_inside_its_cell(size):
    img = plots.confusion_png([[640, 16], [27, 5300]], threshold=0.5, size=size)
    bottom = 90 + 2 * ((size - 160) // 2)  # the lower cells' bottom border
    assert (img[bottom + 1:] == 255).all()  # nothing drawn below the matrix: no share cut off at its foot


def test_training_curves_png(tmp_path):
    hist = [{"epoch": e, "loss": 1.0 / e, "val_loss": 1.2 / e, "accuracy": 0.5 + e / 10, "val_accuracy": 0.5,
             "val_auc": 0.6 + e / 20} for e in (1, 2, 3)]
    img = plots.curves_png(hist, tmp_path / "curves.png")
    assert _read(tmp_path / "curves.png").shape == img.shape
    left, right = img[50:320, 60:390], img[50:320, 460:790]
    assert (left != 255).any(axis=2).sum() > 500 and (right != 255).any(axis=2).sum() > 500
    empty = plots.curves_png([], None)
    assert (empty != 255).any()  # says there is nothing to draw
