"""Datasets, training and evaluation.

What a GUI or script drives (every value crossing is plain or a frozen dataclass):

- :func:`core.training.dataset.scan_dataset` ``(DataConfig | folder) -> DatasetSummary``: files, labels,
  splits, groups, counts, warnings, skipped files; cheap (names and hashes only).
- :func:`core.training.trainer.train` ``(TrainConfig, progress=fn(TrainProgress), should_cancel=fn()) ->
  TrainResult``: the whole run, cancellable at any batch, resumable (``TrainConfig(resume=True)``).
- :func:`core.training.evaluate.evaluate` ``(bundle, DataConfig | folder) -> EvaluationResult`` and
  :func:`core.training.evaluate.write_plots`.
- :mod:`core.training.plots` draws ROC, confusion matrix and training curves as RGB arrays / PNG files.
- :func:`core.training.self_blend.self_blend`: one self-blended fake of a face crop.

Modules import TensorFlow lazily (through :mod:`core.keras_env`), so importing this package is cheap.
"""
