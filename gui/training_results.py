"""A finished training run: metrics on validation and test, the chosen threshold, the confusion
matrices and the ROC curves."""

from __future__ import annotations

import html

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.training import metrics as M
from core.training.plots import confusion_png
from core.training.trainer import TrainResult
from core.wording import kept_weights, plural
from gui import theme
from gui.pixmaps import rgb_pixmap

ROWS = (("Accuracy (at the threshold)", "accuracy"), ("Precision", "precision"), ("Recall", "recall"), ("F1", "f1"),
        ("ROC AUC", "roc_auc"), ("Log loss", "log_loss"), ("EER", "eer"), ("Samples", "n"))
CARD_KEYS = {"roc_auc": "auc"}  # a card's metric names where they differ from Metrics' fields
SPLIT_COLOURS = {"validation": theme.THRESHOLD, "test": theme.ACCENT}


class ResultsView(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextSelectableByMouse)
        lay.addWidget(self.summary)
        row = QHBoxLayout()
        self.table = QTableWidget(len(ROWS), 2)
        self.table.setHorizontalHeaderLabels(["validation", "test"])
        self.table.setVerticalHeaderLabels([r[0] for r in ROWS])
        self.table.setEditTriggers(QTableWidget.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.Stretch)
        self.table.setMinimumWidth(240)
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 10)
        self.table.setMinimumHeight(self.table.horizontalHeader().sizeHint().height()  # every row, unscrolled
                                    + self.table.verticalHeader().length() + 2 * self.table.frameWidth())
        row.addWidget(self.table, 2)
        self.roc = pg.PlotWidget(title="ROC curve")
        self.roc.setBackground(theme.BG)
        self.roc.setLabel("bottom", "false positive rate (real called fake)")
        self.roc.setLabel("left", "true positive rate (fakes found)")
        self.roc.setXRange(0, 1)
        self.roc.setYRange(0, 1)
        self.roc.addLegend(offset=(-8, -8))
        self.roc.plot([0, 1], [0, 1], pen=pg.mkPen(theme.MUTED, style=Qt.DashLine))
        self.roc.setMinimumHeight(220)
        row.addWidget(self.roc, 3)
        lay.addLayout(row)
        mats = QHBoxLayout()
        self.confusion = {s: QLabel() for s in ("validation", "test")}
        for label in self.confusion.values():
            mats.addWidget(label)
        mats.addStretch(1)
        lay.addLayout(mats)
        self._roc_items: list = []
        self.clear()

    def clear(self) -> None:
        self.summary.setText("Results appear here when a run ends.")
        for r in range(len(ROWS)):
            for c in range(2):
                self.table.setItem(r, c, QTableWidgetItem(""))
        for item in self._roc_items:
            self.roc.removeItem(item)
        self._roc_items = []
        for label in self.confusion.values():
            label.clear()

    def show_result(self, r: TrainResult) -> None:
        self.clear()
        kept = kept_weights(r.best_epoch, r.averaged_epochs)
        best = f", {kept}," if kept else ""
        self.summary.setText(
            f"<b>{r.status.replace('_', ' ')}</b> after {plural(r.epochs_run, 'epoch')}{best} in {r.elapsed_s:.0f} s. "
            f"Decision threshold <b>{r.threshold:.3f}</b> (chosen on validation): the table's accuracy, precision, "
            f"recall and F1 are at it, the training curves' accuracy at 0.5. "
            + (f"Left out, no face crops: {plural(len(r.skipped), 'file')}. " if r.skipped else "")
            + per_source_text(r.bundle.card.metrics if r.bundle else {}))
        for c, (split, m, scores) in enumerate((("validation", r.val_metrics, r.val_scores),
                                                 ("test", r.test_metrics, r.test_scores))):
            if m is None:
                item = QTableWidgetItem("none")
                item.setToolTip("This run had no test split.")
                self.table.setItem(0, c, item)
                continue
            for row, (_, key) in enumerate(ROWS):
                self.table.setItem(row, c, _cell(getattr(m, key)))
            self.confusion[split].setPixmap(rgb_pixmap(confusion_png(m.confusion, title=split, threshold=m.threshold,
                                                                     size=260)))
            if scores is not None and m.n_real and m.n_fake:
                fpr, tpr, _ = M.roc_curve(*scores)
                auc = "" if m.roc_auc is None else f" (AUC {m.roc_auc:.3f})"
                item = self.roc.plot(fpr, tpr, pen=pg.mkPen(SPLIT_COLOURS[split], width=2), name=split + auc)
                self._roc_items.append(item)

    def show_card_metrics(self, metrics: dict) -> None:
        """A kept checkpoint has no result object: its card's validation (and test) figures fill the table."""
        for c, split in enumerate(("validation", "test")):
            prefix = "val_" if split == "validation" else "test_"
            if not any(k.startswith(prefix) for k in metrics):
                self.table.setItem(0, c, QTableWidgetItem("not measured" if split == "test" else "n/a"))
                continue
            for row, (_, key) in enumerate(ROWS):
                self.table.setItem(row, c, _cell(metrics.get(prefix + CARD_KEYS.get(key, key))))

    def value(self, metric: str, split: str) -> str:
        row = [k for _, k in ROWS].index(metric)
        item = self.table.item(row, ("validation", "test").index(split))
        return item.text() if item else ""


def per_source_text(metrics: dict) -> str:
    """The card's validation AUC per source (``core.training.sources``), or '' with one source."""
    found = metrics.get("val_by_source") or {}
    if not found:
        return ""
    parts = [f"{html.escape(name or 'files directly in real/ and fake/')} "
             f"<b>{'n/a' if m.get('auc') is None else format(m['auc'], '.3f')}</b> "
             f"({m.get('real', 0):,} real, {m.get('fake', 0):,} fake)" for name, m in found.items()]
    return "<br>Validation AUC per source: " + "; ".join(parts) + "."


def _cell(v) -> QTableWidgetItem:
    text = "n/a" if v is None else (f"{v:,}" if isinstance(v, int) else f"{v:.3f}")
    item = QTableWidgetItem(text)
    item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
    return item
