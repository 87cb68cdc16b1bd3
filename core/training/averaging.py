"""Weight averaging over epochs: a bundle that holds the mean of the weights after several epochs.

With ``TrainConfig.average_from = k`` the trainer adds the model's weights after each epoch from the
k-th on to a running mean, and writes that mean as the bundle instead of the epoch that validated
best (stochastic weight averaging with one snapshot an epoch; batch-norm statistics are averaged
too). The mean is saved with every checkpoint, so a resumed run averages exactly the same epochs
as one that was never interrupted.

Why: a small validation split chooses between epochs poorly. On four runs of the shipped
detector's recipe (docs/detector-experiments.md, the four-run table), the mean of epochs 5-9 scored on
unseen footage like those epochs' average, within 0.025, and never as far below it as the epoch a
run kept could fall.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from core.errors import TrainingError

AVERAGE_FILE = "average.npz"  # in a checkpoint folder, beside its model: the running mean so far


class WeightAverage:
    """A running mean of weight lists (one array per model weight, in the model's order)."""

    def __init__(self) -> None:
        self.mean: list[np.ndarray] | None = None
        self.count = 0
        self.first_epoch: int | None = None
        self.last_epoch: int | None = None

    def add(self, weights: list[np.ndarray], epoch: int) -> None:
        arrays = [np.asarray(w, np.float64) for w in weights]
        if self.mean is None:
            self.mean, self.first_epoch = [a.copy() for a in arrays], epoch
        else:
            if [a.shape for a in arrays] != [m.shape for m in self.mean]:
                raise TrainingError("The model's weights changed shape during the run: they cannot be averaged.")
            for m, a in zip(self.mean, arrays, strict=True):
                m += (a - m) / (self.count + 1)
        self.count += 1
        self.last_epoch = epoch

    def weights_like(self, current: list[np.ndarray]) -> list[np.ndarray]:
        """The mean, each array in the dtype of the model's own weight."""
        if self.mean is None:
            raise TrainingError("No epoch has been averaged yet.")
        return [m.astype(np.asarray(c).dtype) for m, c in zip(self.mean, current, strict=True)]

    def to_bytes(self) -> bytes:
        buf = io.BytesIO()
        np.savez(buf, epochs=np.array([self.count, self.first_epoch or 0, self.last_epoch or 0]),
                 **{f"w{i:05d}": m for i, m in enumerate(self.mean or [])})
        return buf.getvalue()

    @classmethod
    def load(cls, path: Path) -> WeightAverage:
        try:
            with np.load(path, allow_pickle=False) as z:
                count, first, last = (int(v) for v in z["epochs"])
                mean = [z[k] for k in sorted(k for k in z.files if k.startswith("w"))]
        except (OSError, ValueError, KeyError) as exc:
            raise TrainingError(f"The averaged weights {path} cannot be read ({exc}); start again with "
                                "--overwrite.") from exc
        out = cls()
        if count:
            out.mean, out.count, out.first_epoch, out.last_epoch = mean, count, first, last
        return out

    def to_card(self) -> dict:
        return {"from_epoch": self.first_epoch, "to_epoch": self.last_epoch, "epochs": self.count}
