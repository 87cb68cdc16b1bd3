"""The training tab's work off the GUI thread: reading a data folder, and a training run."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from core.training.config import DataConfig, TrainConfig
from core.training.dataset import DatasetSummary, scan_dataset
from core.training.preview import sample_crops
from core.training.trainer import train
from gui.workers import Worker

PREVIEW_PER_CLASS = 5


@dataclass(frozen=True)
class DataPreview:
    summary: DatasetSummary
    crops: dict[str, list[np.ndarray]]


class ScanWorker(Worker):
    """Scans the folder (progress: TrainProgress, then the DatasetSummary), then crops a few faces."""

    name = "scan-dataset"

    def __init__(self, data: DataConfig, detector: Callable):
        super().__init__()
        self.data, self.detector = data, detector

    def work(self) -> DataPreview:
        summary = scan_dataset(self.data, self.report, self.cancelled)
        self.report(summary)
        crops = sample_crops(summary, self.detector, PREVIEW_PER_CLASS, self.data.face_margin,
                             self.data.images_are_faces, self.cancelled)
        return DataPreview(summary, crops)


class TrainWorker(Worker):
    """One training run; progress is core's TrainProgress, the result its TrainResult."""

    name = "training"

    def __init__(self, config: TrainConfig, detector=None):
        super().__init__()
        self.config, self.detector = config, detector

    def work(self):
        return train(self.config, progress=self.report, should_cancel=self.cancelled, detector=self.detector)
