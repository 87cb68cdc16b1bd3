"""Training a registry architecture on a labelled folder into a model bundle.

``train(config, progress=cb, should_cancel=fn) -> TrainResult`` runs: scan the folder, crop
the faces (cached), build the model (ImageNet backbone verified offline), train with per-batch
progress, validate each epoch, checkpoint each epoch, stop early, keep the best epoch (or the mean
of the weights from ``average_from`` on: core.training.averaging), pick the decision threshold on
validation data, measure the test split, and write the bundle with a full card.

Three modes, chosen from the architecture and the config:
- ``full``: batches of pixels through the model; frozen layers stay frozen;
- ``cached_head``: a frame model with a frozen ``backbone``: its features are computed once and
  only the ``head`` trains on them;
- ``sequence_head``: a sequence model: the frame encoder is frozen, its features are cached and
  the ``sequence_head`` trains on windows of them.

Cancelling returns at the next batch with ``status == "cancelled"``; the last complete epoch's
checkpoint stays in the run folder, from which ``TrainConfig(resume=True)`` continues.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from core import backbones as bbs
from core import paths
from core.errors import Cancelled, DatasetError, OutputNotWritable, TrainingError
from core.faces import FaceDetector
from core.jobs import CancelFn
from core.models import calibration, registry
from core.models.bundle import BundleInfo, read_bundle, save_bundle
from core.training import metrics as M
from core.training import plots, sources
from core.training.averaging import AVERAGE_FILE, WeightAverage
from core.training.batches import (
    Prefetch,
    Samples,
    class_weights,
    epoch_slice,
    feature_batches,
    frame_samples,
    pair_blends,
    pixel_batches,
    window_samples,
)
from core.training.card import training_card
from core.training.checkpoint import OPTIMIZER_FILE, RNG_FILE, RunDir, restore_variables, rng_variables, run_dir_for
from core.training.config import BALANCE, MONITORS, EpochMetrics, ProgressFn, TrainConfig
from core.training.config import TrainProgress as P
from core.training.crops import CropSettings, build_table
from core.training.dataset import DatasetSummary, Skipped, scan_dataset
from core.training.defaults import ENCODER, start_from, start_refusal
from core.training.features import encode, encode_blended_runs, weights_digest
from core.training.mesh import add_face_mesh
from core.training.step import make_step

FULL, CACHED_HEAD, SEQUENCE_HEAD = "full", "cached_head", "sequence_head"
RELIABILITY_PNG = "reliability.png"  # beside the bundle's card: raw and calibrated scores on validation


@dataclass(frozen=True)
class TrainResult:
    status: str  # "completed" | "stopped_early" | "cancelled"
    bundle: BundleInfo | None  # the trained model (None when cancelled)
    out: str  # the bundle folder (written only on success)
    run_dir: str  # checkpoints of an unfinished run (removed after success)
    epochs_run: int
    best_epoch: int | None
    history: tuple[EpochMetrics, ...]
    threshold: float | None
    val_metrics: M.Metrics | None
    test_metrics: M.Metrics | None
    data: DatasetSummary | None
    skipped: tuple[Skipped, ...]
    warnings: tuple[str, ...]
    elapsed_s: float
    val_scores: tuple[np.ndarray, np.ndarray] | None = None  # (labels, P(fake)) of the saved model
    test_scores: tuple[np.ndarray, np.ndarray] | None = None
    averaged_epochs: tuple[int, int] | None = None  # (first, last) when the bundle holds their mean weights

    @property
    def resumable(self) -> bool:
        return self.status == "cancelled" and (Path(self.run_dir) / "state.json").is_file()


def default_out(config: TrainConfig) -> Path:
    return Path(config.out) if config.out else paths.user_models_dir() / paths.slug(model_name(config))


def model_name(config: TrainConfig) -> str:
    return config.name or f"{config.arch}-{Path(config.data.root).resolve().name}"


# --- checks before any work ------------------------------------------------------------------


def config_problems(c: TrainConfig, arch: registry.Architecture) -> list[str]:
    """Settings that cannot work, each as a sentence (empty when all is well)."""
    problems = []
    if c.epochs < 1:
        problems.append("epochs must be at least 1")
    if c.batch_size < 1:
        problems.append("the batch size must be at least 1")
    if not (c.learning_rate > 0 and math.isfinite(c.learning_rate)):
        problems.append("the learning rate must be a positive number")
    if c.patience < 1:
        problems.append("patience must be at least 1 epoch")
    if c.monitor not in MONITORS:
        problems.append(f"monitor must be one of {', '.join(MONITORS)}")
    if c.threshold_rule not in M.THRESHOLD_RULES:
        problems.append(f"the threshold rule must be one of {', '.join(M.THRESHOLD_RULES)}")
    if c.data.balance not in BALANCE:
        problems.append(f"balance must be one of {', '.join(BALANCE)}")
    if c.feature_views < 1:
        problems.append("feature views must be at least 1")
    if not 0 <= c.average_from <= c.epochs:
        problems.append("weights can be averaged from an epoch between 1 and the number of epochs (0: keep the "
                        "best epoch)")
    if not 0 <= c.data.face_margin <= 2:
        problems.append("the face margin must lie between 0 and 2")
    if c.data.frames_per_video < 1 or c.data.clips_per_video < 1 or c.data.frame_step < 1:
        problems.append("frames per video, clips per video and the frame step must be at least 1")
    if c.input_size is not None and c.input_size < 16:
        problems.append("the input size must be at least 16")
    if c.freeze_backbone and not (arch.kind == registry.FRAME and arch.uses_imagenet_backbone):
        problems.append(f"--freeze-backbone applies to frame models on an ImageNet backbone, not {arch.name}")
    return problems


def _check_config(c: TrainConfig, arch: registry.Architecture) -> None:
    problems = config_problems(c, arch)
    if problems:
        raise TrainingError("Cannot train: " + "; ".join(problems) + ".")


def _check_writable(out: Path) -> None:
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        probe = out.parent / f".{out.name}.write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise OutputNotWritable(f"Cannot write the model into {out.parent}: {exc.strerror}.") from exc


def _fingerprint(c: TrainConfig, arch_name: str, size: int, mode: str, summary: DatasetSummary,
                 settings: CropSettings, backbone: str) -> dict:
    return {
        "arch": arch_name, "input_size": size, "mode": mode, "params": {k: repr(v) for k, v in c.params},
        "data": summary.file_list_hash, "crops": settings.key(), "seed": c.seed, "batch_size": c.batch_size,
        "learning_rate": c.learning_rate, "augment": c.augment.to_json(), "balance": c.data.balance,
        "self_blend": c.data.self_blend, "feature_views": c.feature_views, "backbone": backbone,
        "epoch_samples": c.epoch_samples, "pair_self_blends": c.pair_self_blends, "average_from": c.average_from,
    }


# --- the run -------------------------------------------------------------------------------------


class _Run:
    def __init__(self, config: TrainConfig, progress: ProgressFn | None, should_cancel: CancelFn | None,
                 detector):
        self.c = config
        self.name = model_name(config)
        self.report = progress or (lambda p: None)
        self.cancelled = should_cancel or (lambda: False)
        self.detector = detector
        self.t0 = time.perf_counter()
        self.started = datetime.now(UTC).isoformat(timespec="seconds")
        self.warnings: list[str] = []
        self.summary: DatasetSummary | None = None
        self.skipped: tuple[Skipped, ...] = ()
        self.history: list[EpochMetrics] = []
        self.best_epoch: int | None = None

    def elapsed(self) -> float:
        return time.perf_counter() - self.t0

    def _detector(self):
        if self.detector is None:
            self.detector = FaceDetector(self.c.data.detect_width, self.c.data.min_confidence)
        return self.detector

    def check_cancel(self) -> None:
        if self.cancelled():
            raise Cancelled("Training was cancelled.")

    # -- set-up ---------------------------------------------------------------------------
    def prepare(self) -> None:
        c = self.c
        self.arch = registry.get(c.arch)
        _check_config(c, self.arch)
        self.out = default_out(c)
        self.run = RunDir(run_dir_for(self.out))
        if self.out.exists() and not c.overwrite:
            raise OutputNotWritable(f"{self.out} already exists; choose another name or output folder, or "
                                    "replace it (--overwrite).")
        _check_writable(self.out)
        if c.resume and not self.run.has_state():
            raise TrainingError(f"There is no interrupted run to resume for {self.out.name} (no {self.run.path}).")
        if self.run.has_state() and not c.resume:
            if not c.overwrite:
                raise TrainingError(f"An interrupted run of {self.out.name} exists in {self.run.path}: continue it "
                                    "with --resume, or start again with --overwrite.")
            self.run.remove()
        self.init = self._starting_bundle() if c.init_from else None
        self.init_sha = self.init.weights_sha256() if self.init else None
        self.start_how = start_from(self.arch, self.init.card) if self.init else None  # FINE_TUNE or ENCODER
        self.backbone = None
        self._val_sources: np.ndarray | None = None  # each validation sample's source, read once (_by_source)
        self.average = WeightAverage()  # of the weights after each epoch from c.average_from on
        if self.arch.uses_imagenet_backbone and not c.from_scratch and self.init is None:
            self.backbone = bbs.locate(self.arch.backbone, c.backbone_weights)  # fail before any long work
        self.size = c.input_size or (self.init.card.input_size if self.init else self.arch.input_size)
        self.mode = (SEQUENCE_HEAD if self.arch.kind == registry.SEQUENCE
                     else CACHED_HEAD if c.freeze_backbone else FULL)

    def _starting_bundle(self) -> BundleInfo:
        """The bundle to start from (fine-tuned further, or a frame detector whose backbone becomes a
        sequence model's encoder) at its own input size, or say what does not fit."""
        c = self.c
        info = read_bundle(c.init_from)
        refused = start_refusal(self.arch, info.card)
        if refused:
            raise TrainingError(refused)
        if c.input_size is not None and c.input_size != info.card.input_size:
            raise TrainingError(f"{info.card.name} takes {info.card.input_size} px crops, not {c.input_size}.")
        return info

    def load_data(self) -> None:
        c, d = self.c, self.c.data
        self.summary = scan_dataset(d, self.report, self.cancelled)
        self.warnings += list(self.summary.warnings)
        seq = self.arch.kind == registry.SEQUENCE
        params = dict(c.params)
        self.seq_len = int(params.get("sequence_length", self.arch.sequence_length or 1)) if seq else 1
        self.settings = CropSettings(
            size=self.size, margin=d.face_margin, images_are_faces=d.images_are_faces,
            frames_per_video=d.frames_per_video, clip_len=self.seq_len, clips_per_video=d.clips_per_video,
            frame_step=d.frame_step, detect_width=d.detect_width, min_confidence=d.min_confidence,
            min_face_px=d.min_face_px,
        )
        files = self.summary.files
        if seq and any(f.kind == "image" for f in files):
            n = sum(f.kind == "image" for f in files)
            self.warnings.append(f"{n} images are ignored: a sequence model learns from videos only.")
            files = tuple(f for f in files if f.kind == "video")
            if not files:
                raise DatasetError("A sequence model needs videos, and the folder holds only images.")
        summary = replace(self.summary, files=files)
        self.table, skipped = build_table(summary, self.settings, self._detector, self.report, self.cancelled)
        self.skipped = tuple(self.summary.skipped) + tuple(skipped)
        if seq:
            hop = max(1, self.seq_len // 2)
            sb = d.self_blend
            self.train_s = window_samples(self.table, "train", self.seq_len, max(1, self.seq_len // 4), sb)
            self.val_s = window_samples(self.table, "validation", self.seq_len, hop, sb)
            self.test_s = window_samples(self.table, "test", self.seq_len, hop, sb)
            unit = f"windows of {self.seq_len} consecutive face crops"
        else:
            self.train_s = frame_samples(self.table, "train", d.self_blend)
            self.val_s = frame_samples(self.table, "validation", d.self_blend)
            self.test_s = frame_samples(self.table, "test", d.self_blend)
            unit = "face crops"
        if d.self_blend:
            self._face_mesh(seq)
        self._check_samples(unit)

    def _face_mesh(self, seq: bool) -> None:
        """Dense landmarks for every crop a self-blend is made from (whole tracks for sequences)."""
        splits = (self.train_s, self.val_s, self.test_s)
        rows = np.concatenate([s.crop[s.sbi] for s in splits])
        if seq and len(rows):
            rows = np.flatnonzero(np.isin(self.table.run, np.unique(self.table.run[rows])))
        warning = add_face_mesh(self.table, rows, self.report, self.cancelled)
        self.mask_points = 5 if self.table.mesh is None else 468
        if warning:
            self.warnings.append(warning)

    def _check_samples(self, unit: str) -> None:
        bs = self.c.batch_size
        if not len(self.train_s):
            raise DatasetError(f"No training {unit} could be made ({len(self.skipped)} files skipped: "
                               f"{'; '.join(f'{s.path}: {s.reason}' for s in self.skipped[:3])}).")
        for label, cname in ((0, "real"), (1, "fake")):
            n = self.train_s.count(label)
            if n == 0:
                raise DatasetError(f"The training split has no {cname} {unit} (after skipping unusable files).")
            if n < bs:
                raise DatasetError(f"The training split has only {n} {cname} {unit}, fewer than one batch of {bs}: "
                                   f"add data, or use a batch size of {n} or less.")
        if not len(self.val_s):
            why = next((w for w in self.warnings if w.startswith("The automatic split could not fill")), "")
            raise DatasetError(f"The validation split has no {unit}: add validation data or raise its share. {why}"
                               .strip())
        if self.val_s.count(0) == 0 or self.val_s.count(1) == 0:
            self.warnings.append("The validation split holds one class only: AUC cannot be measured, so early "
                                 "stopping watches the validation loss and the threshold stays at 0.5.")

    def build(self) -> None:
        c = self.c
        from core.keras_env import keras

        keras().utils.set_random_seed(c.seed)
        params = dict(c.params)
        params["input_size"] = self.size
        if self.arch.uses_imagenet_backbone:
            params["backbone_weights"] = self.backbone
            if self.init is not None:  # BN stays as frozen as it would over ImageNet weights
                params.setdefault("bn_trainable", False)
        if self.mode == CACHED_HEAD:
            params["trainable_from"] = "none"
        try:
            self.model = self.arch.build_model(**params)
        except (TypeError, ValueError) as exc:
            raise TrainingError(f"Cannot build {self.arch.name} with {dict(c.params)}: {exc}") from exc
        if self.start_how == ENCODER:
            self._load_encoder(self.init)
        elif self.init is not None:
            self._load_weights(Path(self.init.path))
        if self.mode == FULL:
            self.target = self.model
        elif self.mode == CACHED_HEAD:
            self.encoder, self.target = self.model.get_layer("backbone"), self.model.get_layer("head")
        else:
            self.encoder = self.model.get_layer(f"{registry.ENCODER_NAME}_td").layer
            self.target = self.model.get_layer(registry.HEAD_NAME)
        if not self.target.trainable_variables:
            raise TrainingError(f"{self.arch.name} has nothing trainable with these settings.")
        backbone = (self.backbone.sha256 if self.backbone else
                    f"bundle:{self.init_sha}" if self.init else "random-init")
        self.fingerprint = _fingerprint(c, self.arch.name, self.size, self.mode, self.summary, self.settings, backbone)

    def encode_features(self) -> None:
        c = self.c
        if self.mode == FULL:
            return
        if c.augment.active and c.feature_views == 1:
            self.warnings.append("With a frozen backbone, augmentation needs cached augmented views "
                                 "(--feature-views 2 or more); the features were computed without augmentation.")
        enc_id = weights_digest(self.encoder)
        sbi = c.data.self_blend_config if c.data.self_blend else None
        kw = dict(encoder_id=enc_id, seed=c.seed, augment=c.augment, sbi=sbi, batch_size=c.batch_size,
                  progress=self.report, should_cancel=self.cancelled)
        prep = self.arch.preprocessing
        if self.mode == CACHED_HEAD:
            self.f_train = encode(self.encoder, self.table, self.train_s, prep, views=c.feature_views, **kw)
            self.f_val = encode(self.encoder, self.table, self.val_s, prep, views=1, **kw)
            self.f_test = encode(self.encoder, self.table, self.test_s, prep, views=1, **kw) if len(self.test_s) \
                else None
        else:
            n = len(self.table)
            rows = Samples(np.arange(n, dtype=np.int64), np.zeros(n, bool), self.table.label.astype(np.float32),
                           self.table.file)
            feats = encode(self.encoder, self.table, rows, prep, views=c.feature_views, by_run=True, **kw)
            self.f_train = feats
            self.f_val = self.f_test = feats[:1]
            self.f_blended = None
            if c.data.self_blend:
                every = Samples(np.r_[self.train_s.crop, self.val_s.crop, self.test_s.crop],
                                np.r_[self.train_s.sbi, self.val_s.sbi, self.test_s.sbi],
                                np.r_[self.train_s.label, self.val_s.label, self.test_s.label],
                                np.r_[self.train_s.file, self.val_s.file, self.test_s.file])
                self.f_blended = encode_blended_runs(self.encoder, self.table, every, prep, enc_id, c.seed,
                                                     c.data.self_blend_config, c.batch_size, self.report,
                                                     self.cancelled)

    # -- batches ------------------------------------------------------------------------------
    def _batches(self, samples: Samples, order: np.ndarray, epoch: int, train: bool):
        c = self.c
        weights = self.weights if train else {0: 1.0, 1: 1.0}
        if self.mode == FULL:
            sbi = c.data.self_blend_config
            aug = c.augment if train else None
            return Prefetch(lambda: pixel_batches(self.table, samples, order, c.batch_size, c.seed, epoch,
                                                  self.arch.preprocessing, weights, aug, sbi))
        feats = self.f_train if train else (self.f_val if samples is self.val_s else self.f_test)
        views = None
        if train and c.feature_views > 1:
            views = np.random.default_rng([c.seed, epoch, 3]).integers(0, c.feature_views, len(samples))
        window = self.seq_len if self.mode == SEQUENCE_HEAD else None
        blended = getattr(self, "f_blended", None)
        return Prefetch(lambda: feature_batches(feats, samples, order, c.batch_size, weights, views, window,
                                                blended))

    def predict(self, samples: Samples) -> np.ndarray:
        out = []
        with self._batches(samples, np.arange(len(samples)), 0, train=False) as batches:
            for x, _, _ in batches:
                self.check_cancel()
                out.append(np.asarray(self.predict_fn(x)).reshape(-1))
        return np.concatenate(out).astype(np.float64) if out else np.zeros(0)

    # -- training -------------------------------------------------------------------------------
    def compile_steps(self) -> None:
        from core.keras_env import keras

        self.optimizer = keras().optimizers.Adam(learning_rate=self.c.learning_rate)
        self.step, self.predict_fn = make_step(self.target, self.optimizer)

    def restore(self) -> int:
        """Continue from the run folder; returns the last completed epoch (0 for a fresh run)."""
        self.state = {"history": [], "best": None, "best_score": None, "wait": 0, "epoch": 0}
        if not self.c.resume:
            return 0
        state = self.run.load_state()
        if state.get("fingerprint") != self.fingerprint:
            old, new = state.get("fingerprint") or {}, self.fingerprint
            diff = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
            raise TrainingError(f"The interrupted run in {self.run.path} used different settings or data "
                                f"({', '.join(diff)}); resume with the same ones, or start again with --overwrite.")
        latest = self.run.checkpoint(state["latest"])
        self._load_weights(latest)
        restore_variables(self.optimizer.variables, latest / OPTIMIZER_FILE, "optimizer state")
        restore_variables(rng_variables(self.model), latest / RNG_FILE, "random state")
        if (latest / AVERAGE_FILE).is_file():
            self.average = WeightAverage.load(latest / AVERAGE_FILE)
        self.state = state
        self.history = [EpochMetrics(**h) for h in state["history"]]
        self.best_epoch = state.get("best_epoch")
        return int(state["epoch"])

    def _load_encoder(self, info: BundleInfo) -> None:
        """Copy the frame detector's ``backbone`` into this model's frozen ``frame_encoder``."""
        from core.models.bundle import load_keras_model

        source = load_keras_model(info).get_layer("backbone")
        encoder = self.model.get_layer(f"{registry.ENCODER_NAME}_td").layer
        values = source.get_weights()
        shapes = [tuple(v.shape) for v in encoder.weights]
        if [tuple(v.shape) for v in values] != shapes:
            raise TrainingError(f"The backbone of {info.card.name} does not fit the encoder of {self.arch.name}.")
        encoder.set_weights(values)

    def _load_weights(self, folder: Path) -> None:
        try:
            self.model.load_weights(read_bundle(folder).weights_path)
        except (ValueError, OSError, KeyError) as exc:
            raise TrainingError(f"The checkpoint {folder} does not fit this model ({exc}).") from exc

    def fit(self, start: int) -> str:
        c = self.c
        self.weights = class_weights(self.train_s.label, c.data.balance)
        steps = math.ceil(len(self.train_s) / c.batch_size) if c.data.balance != "oversample" else math.ceil(
            2 * max(self.train_s.count(0), self.train_s.count(1)) / c.batch_size)
        if c.epoch_samples:
            steps = math.ceil(c.epoch_samples / c.batch_size)
        total_steps = steps * (c.epochs - start)
        done_steps, train_time = 0, 0.0
        status = "completed"
        for epoch in range(start + 1, c.epochs + 1):
            e0 = time.perf_counter()
            order = epoch_slice(self.train_s, c.data.balance, c.seed, epoch, c.epoch_samples)
            if c.pair_self_blends and c.data.self_blend:
                order = pair_blends(order, self.train_s)
            losses, hits, seen = 0.0, 0, 0
            with self._batches(self.train_s, order, epoch, train=True) as batches:
                for b, (x, y, w) in enumerate(batches):
                    s0 = time.perf_counter()
                    loss, p = self.step(x, y, w)
                    loss = float(loss)
                    if not math.isfinite(loss):
                        raise TrainingError("Training diverged (the loss is not a number); lower the learning rate.")
                    losses += loss * len(y)
                    hits += int(np.sum((np.asarray(p) >= 0.5) == (y >= 0.5)))
                    seen += len(y)
                    done_steps += 1
                    train_time += time.perf_counter() - s0
                    eta = (time.perf_counter() - self.t0) / max(done_steps, 1) * (total_steps - done_steps)
                    self.report(P("training", b + 1, steps, self.elapsed(), eta, epoch, c.epochs, losses / seen,
                                  hits / seen))
                    self.check_cancel()
            self.report(P("validating", 0, len(self.val_s), self.elapsed(), None, epoch, c.epochs))
            p_val = self.predict(self.val_s)
            found = self._by_source(p_val)
            em = self._epoch_metrics(epoch, losses / seen, hits / seen, p_val, found, time.perf_counter() - e0)
            self._checkpoint(epoch, em, p_val, found)
            self.report(P("validating", len(self.val_s), len(self.val_s), self.elapsed(), None, epoch, c.epochs,
                          epoch_end=em))
            if self.state["wait"] >= c.patience and epoch < c.epochs:
                status = "stopped_early"
                break
        self.train_seconds = train_time
        return status

    def _score(self, em: EpochMetrics) -> tuple[float, float]:
        """(monitored value, tie-breaker), both larger-is-better; ties on AUC go to the lower loss."""
        mon = self.c.monitor
        if mon == "val_source_auc" and em.val_source_auc is None:
            mon = "val_auc"  # one source: the pooled AUC is its AUC
        if mon == "val_auc" and em.val_auc is None:
            mon = "val_loss"
        value = getattr(em, mon)
        if value is None:
            value = -em.val_loss if mon != "val_loss" else value
        primary = -value if mon == "val_loss" else value
        return float(primary), float(-em.val_loss)

    def _epoch_metrics(self, epoch, loss, acc, p_val, found, seconds) -> EpochMetrics:
        """``found``: :meth:`_by_source` of ``p_val``."""
        y = self.val_s.label
        vl = M.log_loss(y, p_val)
        if vl is None or not math.isfinite(vl):
            raise TrainingError("Validation produced no usable scores.")
        e = M.eer(y, p_val)
        em = EpochMetrics(epoch, float(loss), float(acc), vl, M.accuracy(y, p_val, 0.5), M.roc_auc(y, p_val),
                          None if e is None else e[0], seconds, False, sources.mean_auc(found),
                          None if found is None else {k: m["auc"] for k, m in found.items()})
        score = self._score(em)
        best = self.state.get("best_score")
        improved = best is None or score[0] > best[0] + 1e-9 or (abs(score[0] - best[0]) <= 1e-9
                                                                 and score[1] > best[1] + 1e-9)
        return replace(em, improved=improved)

    def _by_source(self, p_val: np.ndarray) -> dict[str, dict] | None:
        """Validation per source (core.training.sources); the samples' sources are read once per run."""
        if self._val_sources is None:
            self._val_sources = sources.source_names(self.table.files, self.val_s.file)
        return sources.by_names(self._val_sources, self.val_s.label, p_val)

    def _checkpoint(self, epoch: int, em: EpochMetrics, p_val: np.ndarray, found: dict | None) -> None:
        self.history.append(em)
        st = self.state
        if em.improved:
            self.best_p_val = p_val
            st["best_score"] = list(self._score(em))
            st["best"] = f"epoch_{epoch:04d}"
            st["best_epoch"] = self.best_epoch = epoch
            st["wait"] = 0
        else:
            st["wait"] = int(st.get("wait", 0)) + 1
        st["epoch"] = epoch
        st["latest"] = f"epoch_{epoch:04d}"
        st["history"] = [asdict(h) for h in self.history]
        st["fingerprint"] = self.fingerprint
        thr = M.choose_threshold(self.val_s.label, p_val, self.c.threshold_rule)
        card = training_card(self, thr, M.compute(self.val_s.label, p_val, thr), None, f" (checkpoint, epoch {epoch})",
                             val_by_source=found)
        self.report(P("saving", 0, 1, self.elapsed(), None, epoch, self.c.epochs, message="checkpoint"))
        if self.c.average_from and epoch >= self.c.average_from:
            self.average.add(self.model.get_weights(), epoch)
        self.run.save(epoch, self.model, card, self.optimizer, st,
                      average=self.average.to_bytes() if self.average.count else None)

    # -- the result -------------------------------------------------------------------------------
    def finish(self, status: str) -> TrainResult:
        c = self.c
        best, latest = self.state.get("best"), self.state.get("latest")
        p_val = getattr(self, "best_p_val", None)
        if self.average.count:  # the bundle is the mean of the averaged epochs' weights
            self.model.set_weights(self.average.weights_like(self.model.get_weights()))
            p_val = None
        elif best and best != latest:  # the model holds the last epoch's weights: go back to the best
            self._load_weights(self.run.checkpoint(best))
            p_val = None
        if p_val is None:
            p_val = self.predict(self.val_s)
        raw_val = p_val
        calib = self._calibration(raw_val)
        p_val = calibration.apply(raw_val, calib)
        thr = M.choose_threshold(self.val_s.label, p_val, c.threshold_rule)
        val = M.compute(self.val_s.label, p_val, thr)
        test, p_test = None, None
        if len(self.test_s):
            p_test = calibration.apply(self.predict(self.test_s), calib)
            test = M.compute(self.test_s.label, p_test, thr)
        card = training_card(self, thr, val, test, "", calib, self._by_source(p_val),
                             self.average.to_card() if self.average.count else None)
        self.report(P("saving", 0, 1, self.elapsed(), None, len(self.history), c.epochs, message=str(self.out)))
        info = save_bundle(self.model, card, self.out, overwrite=c.overwrite)
        if calib is not None:
            y = self.val_s.label
            plots.reliability_png([("raw", y, raw_val, calib["val_ece_raw"]),
                                   ("calibrated", y, p_val, calib["val_ece"])],
                                  Path(info.path) / RELIABILITY_PNG, title="Reliability on validation")
        self.run.remove()
        self.report(P("done", 1, 1, self.elapsed(), 0.0, len(self.history), c.epochs))
        scores = {"val_scores": (self.val_s.label.copy(), p_val),
                  "test_scores": None if p_test is None else (self.test_s.label.copy(), p_test)}
        averaged = (self.average.first_epoch, self.average.last_epoch) if self.average.count else None
        return replace(self.result(status, info, thr, val, test), averaged_epochs=averaged, **scores)

    def _calibration(self, raw_val: np.ndarray) -> dict | None:
        """Platt scaling fitted on the validation scores (None when off or one class only)."""
        y = self.val_s.label
        if not self.c.calibrate or y.min() == y.max():
            return None
        slope, intercept = calibration.fit_platt(y, raw_val)
        if slope <= 0:
            self.warnings.append("Scores were not calibrated: on validation they rank fakes below reals.")
            return None
        out = {"method": calibration.METHOD, "slope": slope, "intercept": intercept,
               "fitted_on": f"validation ({len(y)} samples)"}
        out["val_ece_raw"] = M.expected_calibration_error(y, raw_val)
        out["val_ece"] = M.expected_calibration_error(y, calibration.apply(raw_val, out))
        return out

    def result(self, status, info=None, thr=None, val=None, test=None) -> TrainResult:
        return TrainResult(
            status=status, bundle=info, out=str(self.out) if hasattr(self, "out") else "",
            run_dir=str(self.run.path) if hasattr(self, "run") else "", epochs_run=len(self.history),
            best_epoch=self.best_epoch, history=tuple(self.history), threshold=thr, val_metrics=val,
            test_metrics=test, data=self.summary, skipped=self.skipped, warnings=tuple(self.warnings),
            elapsed_s=self.elapsed(),
        )


def keep_best_checkpoint(config: TrainConfig) -> BundleInfo:
    """After a cancelled or failed run of ``config``: its best epoch, as validated, becomes the bundle."""
    out = default_out(config)
    RunDir(run_dir_for(out)).keep_best(out)
    return read_bundle(out)


def unfinished_run(config: TrainConfig) -> RunDir | None:
    """The checkpoints a failed or cancelled run of ``config`` left behind, if any."""
    run = RunDir(run_dir_for(default_out(config)))
    try:
        return run if run.best() is not None else None
    except TrainingError:  # an unreadable state file: nothing that can be kept
        return None


def train(config: TrainConfig, progress: ProgressFn | None = None, should_cancel: CancelFn | None = None,
          detector=None) -> TrainResult:
    """Train ``config.arch`` on ``config.data`` into a bundle; see the module docstring.

    Raises typed :class:`~core.errors.InspectorError` subclasses for bad input; returns a
    result with ``status == "cancelled"`` when ``should_cancel()`` turned true.
    """
    run = _Run(config, progress, should_cancel, detector)
    run.prepare()
    try:
        run.load_data()
        run.build()
        run.compile_steps()
        start = run.restore()
        run.encode_features()
        if start >= config.epochs:
            status = "completed"
        else:
            status = run.fit(start)
        return run.finish(status)
    except Cancelled:
        run.report(P("done", 0, 0, run.elapsed(), 0.0, len(run.history), config.epochs, message="cancelled"))
        return run.result("cancelled")

