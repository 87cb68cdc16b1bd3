"""The folder of a training run in progress: per-epoch checkpoints that survive any interruption.

``<out parent>/.<out name>.run/`` holds ``epoch_NNNN/`` folders, each a complete model bundle
(the engine can load it as it is) plus the optimizer's state, and ``state.json`` naming the
latest and the best of them with the history so far. A checkpoint is written completely
(temporary folder, then renamed) before ``state.json`` points at it, and older ones are deleted
only after that, so whatever happens the last complete checkpoint stays loadable.
"""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import numpy as np

from core.errors import TrainingError
from core.forensic import atomic
from core.models.bundle import ModelCard, save_bundle
from core.training.averaging import AVERAGE_FILE

STATE_FILE = "state.json"
OPTIMIZER_FILE = "optimizer.npz"
RNG_FILE = "random_state.npz"  # dropout seed generators: not part of a saved model, needed to resume exactly
RUN_SCHEMA = "deepfake-inspector/train-run@1"


def run_dir_for(out: Path) -> Path:
    return out.parent / f".{out.name}.run"


class RunDir:
    def __init__(self, path: str | Path):
        self.path = Path(path)

    @property
    def state_path(self) -> Path:
        return self.path / STATE_FILE

    def has_state(self) -> bool:
        return self.state_path.is_file()

    def load_state(self) -> dict:
        try:
            state = json.loads(self.state_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise TrainingError(f"The run state {self.state_path} cannot be read ({exc}); start again with "
                                "--overwrite.") from exc
        if not isinstance(state, dict) or state.get("schema") != RUN_SCHEMA:
            raise TrainingError(f"{self.state_path} is not a training-run state file of this version.")
        return state

    def checkpoint(self, name: str) -> Path:
        return self.path / name

    def save(self, epoch: int, model, card: ModelCard, optimizer, state: dict, average: bytes | None = None) -> None:
        """Write checkpoint ``epoch`` (with ``average``, the running mean of weights, when there is one), then
        the state pointing at it, then drop unreferenced ones."""
        name = f"epoch_{epoch:04d}"
        folder = self.path / name
        save_bundle(model, card, folder, overwrite=True)
        atomic.write_bytes(folder / OPTIMIZER_FILE, variables_bytes(optimizer.variables))
        atomic.write_bytes(folder / RNG_FILE, variables_bytes(rng_variables(model)))
        if average is not None:
            atomic.write_bytes(folder / AVERAGE_FILE, average)
        state = {**state, "schema": RUN_SCHEMA, "latest": name}
        atomic.write_json(self.state_path, state)
        keep = {state.get("latest"), state.get("best")}
        for old in self.path.glob("epoch_*"):
            if old.name not in keep:
                shutil.rmtree(old, ignore_errors=True)
        for tmp in self.path.glob(".epoch_*"):  # leftovers of an interrupted save
            shutil.rmtree(tmp, ignore_errors=True)

    def remove(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)

    def best(self) -> Path | None:
        """The best complete checkpoint of the run so far (None before the first epoch ended)."""
        if not self.has_state():
            return None
        state = self.load_state()
        name = state.get("best") or state.get("latest")
        folder = self.checkpoint(name) if name else None
        return folder if folder is not None and folder.is_dir() else None

    def keep_best(self, out: Path) -> Path:
        """Make the best checkpoint the bundle ``out`` (without the resume state) and drop the run."""
        best = self.best()
        if best is None:
            raise TrainingError("No epoch finished, so there is no checkpoint to keep.")
        if out.exists():
            raise TrainingError(f"{out} already exists; the checkpoint stays in {self.path}.")
        tmp = out.parent / f".{out.name}.keeping"
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.copytree(best, tmp, ignore=shutil.ignore_patterns(OPTIMIZER_FILE, RNG_FILE, AVERAGE_FILE))
        tmp.rename(out)
        self.remove()
        return out


def rng_variables(model) -> list:
    """The model's variables that are not weights: the random generators' states."""
    weights = {id(w) for w in model.weights}
    return [v for v in model.variables if id(v) not in weights]


def variables_bytes(variables) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **{f"v{i:05d}": np.asarray(v) for i, v in enumerate(variables)})
    return buf.getvalue()


def restore_variables(variables, path: Path, what: str) -> None:
    """Assign saved variables (the same list, in the same order, as when saved)."""
    try:
        with np.load(path, allow_pickle=False) as z:
            arrays = [z[k] for k in sorted(z.files)]
    except (OSError, ValueError) as exc:
        raise TrainingError(f"The {what} {path} cannot be read ({exc}).") from exc
    if len(arrays) != len(variables) or any(tuple(a.shape) != tuple(v.shape) for a, v in zip(arrays, variables,
                                                                                              strict=False)):
        raise TrainingError(f"The {what} in {path.parent.name} does not fit this model; start again with "
                            "--overwrite.")
    for v, a in zip(variables, arrays, strict=True):
        v.assign(a)
