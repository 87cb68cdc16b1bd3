"""What a training run is asked to do, and what it reports: frozen values a GUI can build and show."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from core.jobs import JobProgress
from core.training.augment import AugmentConfig
from core.training.self_blend import SelfBlendConfig

BALANCE = ("weights", "oversample", "none")
MONITORS = ("val_auc", "val_loss", "val_accuracy", "val_source_auc")  # core.training.sources


@dataclass(frozen=True)
class DataConfig:
    """Where the data is and how faces are taken from it."""

    root: str  # the data folder; with ``split_roots``, informative only (their common parent is used)
    split_roots: tuple[tuple[str, str], ...] = ()  # separate folders: (("train", dir), ("validation", dir), ...)
    val_fraction: float = 0.15  # automatic split (real/ fake/ layout), or carved from train/ without validation/
    test_fraction: float = 0.15  # automatic split only
    group_rule: str = "auto"  # see core.training.splits
    split_seed: int = 0  # the automatic split depends on this only, not on the training seed
    groups_csv: str | None = None  # None: <root>/groups.csv or identities.csv when present
    images_are_faces: bool = False  # images are face crops already: use them whole instead of detecting
    frames_per_video: int = 16  # frame models: evenly spaced frames sampled per video
    clips_per_video: int = 4  # sequence models: clips of consecutive frames per video
    frame_step: int = 1  # sequence models: frames between the crops of a clip (1 = every frame, as analysed)
    face_margin: float = 0.3  # as the engine crops (recorded in the card)
    min_face_px: int = 24
    detect_width: int = 640
    min_confidence: float = 0.9
    self_blend: bool = False  # add one self-blended fake per real training crop (frame models)
    self_blend_config: SelfBlendConfig = field(default_factory=SelfBlendConfig)
    balance: str = "weights"  # class imbalance: "weights", "oversample" or "none"

    def to_json(self) -> dict:
        d = asdict(self)
        d["self_blend_config"] = self.self_blend_config.to_json()
        return d


@dataclass(frozen=True)
class TrainConfig:
    data: DataConfig
    arch: str
    out: str | None = None  # the bundle folder; None: <user models>/<name>
    name: str | None = None  # the model's display name; None: derived from arch and data folder
    epochs: int = 10
    epoch_samples: int | None = None  # an epoch is this many training samples (None: all of them once)
    pair_self_blends: bool = False  # batches hold each self-blend next to the real face it is made from
    batch_size: int = 32
    learning_rate: float = 1e-4
    augment: AugmentConfig = field(default_factory=AugmentConfig)
    patience: int = 3  # early stopping: epochs without improvement of ``monitor``
    monitor: str = "val_auc"
    seed: int = 0
    average_from: int = 0  # from this epoch on, the bundle holds the mean of each epoch's weights (0: the best epoch)
    threshold_rule: str = "youden"  # see core.training.metrics.choose_threshold
    calibrate: bool = True  # Platt scaling fitted on validation: the card's scores are then probabilities
    input_size: int | None = None  # None: the architecture's
    params: tuple[tuple[str, Any], ...] = ()  # architecture hyper-parameters, e.g. (("dropout", 0.3),)
    backbone_weights: str | None = None  # ImageNet file or folder; None: the app's backbone folder
    from_scratch: bool = False  # ImageNet architectures without ImageNet weights, only when asked
    init_from: str | None = None  # a bundle folder of the same architecture to fine-tune further
    freeze_backbone: bool = False  # frozen ResNet50: cache its features once, train only the head
    feature_views: int = 1  # frozen backbone: augmented views of each crop whose features are cached
    resume: bool = False  # continue the interrupted run of this output folder
    overwrite: bool = False  # replace an existing bundle / discard an interrupted run

    def hyper_parameters(self) -> dict:
        return {
            "epochs": self.epochs,
            "epoch_samples": self.epoch_samples,
            "pair_self_blends": self.pair_self_blends,
            "batch_size": self.batch_size,
            "learning_rate": self.learning_rate,
            "optimizer": "adam",
            "loss": "binary cross-entropy (class-weighted)" if self.data.balance == "weights"
            else "binary cross-entropy",
            "patience": self.patience,
            "monitor": self.monitor,
            "seed": self.seed,
            "average_from": self.average_from,
            "threshold_rule": self.threshold_rule,
            "input_size": self.input_size,
            "params": {k: v for k, v in self.params},
            "from_scratch": self.from_scratch,
            "init_from": self.init_from,
            "freeze_backbone": self.freeze_backbone,
            "feature_views": self.feature_views,
            "balance": self.data.balance,
        }


@dataclass(frozen=True)
class EpochMetrics:
    epoch: int  # 1-based
    loss: float  # mean training loss
    accuracy: float  # training accuracy at 0.5
    val_loss: float | None
    val_accuracy: float | None
    val_auc: float | None
    val_eer: float | None
    seconds: float
    improved: bool  # the best epoch so far
    val_source_auc: float | None = None  # mean of the per-source AUCs (a validation of two sources or more)
    val_auc_by_source: dict[str, float | None] | None = None


@dataclass(frozen=True)
class TrainProgress(JobProgress):
    """One progress report. ``stage``: scanning, extracting, encoding, training, validating, saving,
    done; ``done`` of ``total`` units of that stage (files, crops, batches)."""

    epoch: int = 0  # 1-based while training
    epochs: int = 0
    loss: float | None = None  # running mean loss of the epoch
    accuracy: float | None = None  # running training accuracy of the epoch
    epoch_end: EpochMetrics | None = None  # set once per epoch, when it is validated
    message: str = ""


ProgressFn = Callable[[TrainProgress], None]
