"""Live training curves: loss, accuracy and AUC, the training side updated per batch, the
validation side per epoch; a dashed AUC curve per validation source when the validation folder
holds several (``core.training.sources``)."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QVBoxLayout, QWidget

from core.training.config import EpochMetrics, TrainProgress
from gui import theme

TRAIN, VAL, AUC = theme.ACCENT, theme.THRESHOLD, "#2ca02c"
SOURCE_COLOURS = ("#17becf", "#e377c2", "#bcbd22", "#9467bd", "#8c564b")


class LivePlots(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.view = pg.GraphicsLayoutWidget()
        self.view.setBackground(theme.BG)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.view)
        self.loss = self.view.addPlot(row=0, col=0, title="Loss")
        self.score = self.view.addPlot(row=0, col=1, title="Accuracy and AUC")
        legend_bg = pg.mkBrush(30, 31, 34, 210)
        for p, corner in ((self.loss, (-8, 8)), (self.score, (-8, -30))):  # where the curves rarely go
            p.setLabel("bottom", "epoch")
            p.showGrid(x=True, y=True, alpha=0.2)
            p.addLegend(offset=corner, brush=legend_bg)
        self.score.setYRange(0, 1.02)
        self.running_loss = self.loss.plot(pen=pg.mkPen(TRAIN, width=1), name="training (running)")
        self.epoch_loss = self.loss.plot(pen=pg.mkPen(TRAIN, width=2), symbol="o", symbolSize=6,
                                         symbolBrush=TRAIN, name="training")
        self.val_loss = self.loss.plot(pen=pg.mkPen(VAL, width=2), symbol="o", symbolSize=6, symbolBrush=VAL,
                                       name="validation")
        self.running_acc = self.score.plot(pen=pg.mkPen(TRAIN, width=1), name="training accuracy at 0.5 (running)")
        self.val_acc = self.score.plot(pen=pg.mkPen(VAL, width=2), symbol="o", symbolSize=6, symbolBrush=VAL,
                                       name="validation accuracy at 0.5")
        self.val_auc = self.score.plot(pen=pg.mkPen(AUC, width=2), symbol="t", symbolSize=7, symbolBrush=AUC,
                                       name="validation AUC")
        self.reset()

    def reset(self) -> None:
        self.batches: list[tuple[float, float, float]] = []  # (epoch position, running loss, running accuracy)
        self.epochs: list[EpochMetrics] = []
        for curve in getattr(self, "source_auc", {}).values():
            self.score.removeItem(curve)
        self.source_auc: dict[str, pg.PlotDataItem] = {}
        self._redraw()

    def _source_curve(self, name: str) -> pg.PlotDataItem:
        if name not in self.source_auc:
            colour = SOURCE_COLOURS[len(self.source_auc) % len(SOURCE_COLOURS)]
            self.source_auc[name] = self.score.plot(
                pen=pg.mkPen(colour, width=1.5, style=Qt.PenStyle.DashLine), symbol="t", symbolSize=5,
                symbolBrush=colour, name=f"validation AUC, {name or 'files directly in real/ and fake/'}")
        return self.source_auc[name]

    def add_batch(self, p: TrainProgress) -> None:
        if p.loss is None or not p.total:
            return
        self.batches.append((p.epoch - 1 + p.done / p.total, p.loss, p.accuracy or 0.0))
        self._dirty = True  # drawn by flush(), a few times a second: batches can come faster

    def flush(self) -> None:
        if self._dirty:
            self._redraw()

    def add_epoch(self, e: EpochMetrics) -> None:
        self.epochs.append(e)
        self._redraw()

    def _redraw(self) -> None:
        self._dirty = False
        b = self.batches
        self.running_loss.setData([x for x, _, _ in b], [v for _, v, _ in b])
        self.running_acc.setData([x for x, _, _ in b], [a for _, _, a in b])
        ex = [e.epoch for e in self.epochs]
        self.epoch_loss.setData(ex, [e.loss for e in self.epochs])
        self.val_loss.setData(*_known(ex, [e.val_loss for e in self.epochs]))
        self.val_acc.setData(*_known(ex, [e.val_accuracy for e in self.epochs]))
        self.val_auc.setData(*_known(ex, [e.val_auc for e in self.epochs]))
        names = dict.fromkeys(n for e in self.epochs for n in (e.val_auc_by_source or {}))
        for name in names:
            self._source_curve(name).setData(*_known(ex, [(e.val_auc_by_source or {}).get(name)
                                                          for e in self.epochs]))


def _known(xs, ys) -> tuple[list, list]:
    pairs = [(x, y) for x, y in zip(xs, ys, strict=True) if y is not None]
    return [x for x, _ in pairs], [y for _, y in pairs]
