"""How well a model bundle separates real from fake on a labelled folder.

Faces are cropped as the model's card says (size, margin, minimum face size) and scored
through the engine's :class:`~core.models.scorer.Scorer`, so the numbers describe the model as
analysis uses it. Frame level: every crop (an image, or a sampled video frame). Video level:
each video's mean crop score (the engine's ``mean`` verdict strategy). Sequence models score
windows of a face's consecutive crops and give each crop the mean of the windows covering it,
exactly as analysis does (:class:`~core.sequence.TrackWindows`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np

from core.errors import Cancelled, DatasetError
from core.models import registry
from core.models.bundle import BundleInfo, resolve
from core.models.scorer import Scorer
from core.sequence import TrackWindows
from core.training import metrics as M
from core.training import plots
from core.training.config import DataConfig, TrainProgress
from core.training.crops import CropSettings, CropTable, build_table
from core.training.dataset import DIGEST_CHARS, DatasetSummary, Skipped, scan_dataset
from core.wording import plural

SCHEMA = "deepfake-inspector/evaluation@1"


@dataclass(frozen=True)
class FileScore:
    path: str
    label: int  # 1 = fake
    kind: str
    score: float | None  # mean P(fake) of the file's crops
    crops: int


@dataclass(frozen=True)
class Curve:
    fpr: tuple[float, ...]
    tpr: tuple[float, ...]


@dataclass(frozen=True)
class EvaluationResult:
    model: dict  # id, name, architecture, weights sha256, threshold of the card
    data: str
    split: str
    threshold: float
    frame: M.Metrics | None
    video: M.Metrics | None
    frame_roc: Curve | None
    video_roc: Curve | None
    files: tuple[FileScore, ...]
    skipped: tuple[Skipped, ...]
    warnings: tuple[str, ...]
    elapsed_s: float

    def to_json(self) -> dict:
        d = asdict(self)
        d["schema"] = SCHEMA
        return d


def _roc(y: np.ndarray, s: np.ndarray) -> Curve | None:
    if len(y) == 0 or len(np.unique(y)) < 2:
        return None
    fpr, tpr, _ = M.roc_curve(y, s)
    return Curve(tuple(float(v) for v in fpr), tuple(float(v) for v in tpr))


def _sequence_scores(scorer: Scorer, table: CropTable, batch_size: int, cancelled) -> np.ndarray:
    card = scorer.card
    feats = np.zeros((len(table), scorer.feature_size), np.float32)
    for i in range(0, len(table), batch_size):
        if cancelled():
            raise Cancelled("Evaluation was cancelled.")
        feats[i : i + batch_size] = scorer.encode_crops(np.asarray(table.crops[i : i + batch_size]))
    out = np.zeros(len(table), np.float64)
    edges = np.flatnonzero(np.diff(table.run)) + 1
    for seg in np.split(np.arange(len(table)), edges):
        if not len(seg):
            continue
        tw = TrackWindows(card.sequence_length, card.sequence_hop or card.sequence_length)
        for r in seg:
            tw.add(feats[r])
        starts = tw.due_windows()
        tail = tw.tail_window()
        if tail is not None:
            starts.append(tail)
        scores = scorer.score_windows(np.stack([tw.window(s) for s in starts]))
        for s, v in zip(starts, scores, strict=True):
            tw.record(s, float(v))
        out[seg] = [tw.score(p) for p in range(len(seg))]
    return out


def evaluate(model: str | BundleInfo | None, data: DataConfig | str, split: str | None = None,
             threshold: float | None = None, progress: Callable[[TrainProgress], None] | None = None,
             should_cancel: Callable[[], bool] | None = None, detector=None, batch_size: int = 32) -> EvaluationResult:
    """Frame- and video-level metrics of a bundle on a labelled folder.

    ``split``: ``None`` evaluates every file of a ``real/ fake/`` folder, or the ``test/`` folder of
    a ``train/ validation/ test/`` one; ``"all"`` every file; a split name that split only.
    """
    t0 = time.perf_counter()
    cancelled = should_cancel or (lambda: False)
    info = model if isinstance(model, BundleInfo) else resolve(model)
    card = info.card
    cfg = data if isinstance(data, DataConfig) else DataConfig(root=str(data))
    summary = scan_dataset(cfg, progress, cancelled, purpose="evaluate")
    which, files = _select(summary, split)
    seq = card.kind == registry.SEQUENCE
    step = card.contract.sequence_step if seq else None  # windows as the model learned them
    settings = CropSettings(size=card.input_size, margin=card.face_margin, images_are_faces=cfg.images_are_faces,
                            frames_per_video=cfg.frames_per_video, clip_len=card.sequence_length if seq else 1,
                            clips_per_video=cfg.clips_per_video,
                            frame_step=step or cfg.frame_step,
                            detect_width=cfg.detect_width, min_confidence=cfg.min_confidence,
                            min_face_px=card.min_face_px)
    det = {"d": detector}

    def get_detector():
        if det["d"] is None:
            from core.faces import FaceDetector

            det["d"] = FaceDetector(cfg.detect_width, cfg.min_confidence)
        return det["d"]

    warnings = list(summary.warnings)
    if seq and any(f.kind == "image" for f in files):
        warnings.append("A sequence model scores videos only; images were left out.")
        files = tuple(f for f in files if f.kind == "video")
        if not files:
            raise DatasetError(f"{info.id} is a sequence model: it scores videos, and {summary.root} holds only "
                               "images.")
    warnings += overlap_warnings(card, summary.root, files)
    sub = replace(summary, files=files)
    table, skipped = build_table(sub, settings, get_detector, progress, cancelled,
                                 splits=tuple(sorted({f.split for f in files})))
    if not len(table):
        raise DatasetError(f"No face could be cropped from the {len(files)} files evaluated "
                           f"({len(skipped)} skipped).")
    scorer = Scorer(info, batch_size=batch_size)
    if seq:
        scores = _sequence_scores(scorer, table, batch_size, cancelled)
    else:
        parts = []
        for i in range(0, len(table), batch_size):
            if cancelled():
                raise Cancelled("Evaluation was cancelled.")
            parts.append(scorer.score_crops(np.asarray(table.crops[i : i + batch_size])))
            if progress:
                el = time.perf_counter() - t0
                progress(TrainProgress("scoring", min(i + batch_size, len(table)), len(table), el))
        scores = np.concatenate(parts)
    thr = card.threshold if threshold is None else float(threshold)
    y = table.label.astype(np.int64)
    frame = M.compute(y, scores, thr)
    per_file = []
    for k, f in enumerate(table.files):
        rows = table.file == k
        n = int(np.sum(rows))
        per_file.append(FileScore(f.path, f.label, f.kind, float(np.mean(scores[rows])) if n else None, n))
    vids = [fs for fs in per_file if fs.kind == "video" and fs.score is not None]
    video = vroc = None
    if vids:
        vy, vs = np.array([v.label for v in vids]), np.array([v.score for v in vids])
        video, vroc = M.compute(vy, vs, thr), _roc(vy, vs)
    return EvaluationResult(
        model={"id": info.id, "name": card.name, "architecture": card.architecture, "output": card.output,
               "card_threshold": card.threshold, "weights_sha256": info.weights_sha256()},
        data=summary.root, split=which, threshold=thr, frame=frame, video=video, frame_roc=_roc(y, scores),
        video_roc=vroc, files=tuple(per_file), skipped=tuple(summary.skipped) + tuple(skipped),
        warnings=tuple(warnings), elapsed_s=time.perf_counter() - t0,
    )


def overlap_warnings(card, root: str, files) -> list[str]:
    """Evaluated files the model trained or was selected on (by content, as its card lists them), or
    the very folder it was trained from: figures on them flatter it."""
    data = (card.training or {}).get("data") or {}
    out = []
    trained_from = data.get("folder")
    if trained_from and Path(trained_from).expanduser().resolve() == Path(root).expanduser().resolve():
        out.append(f"This is the folder {card.name} was trained from ({trained_from}): its train and validation "
                   "files flatter it; only a test split it never saw measures it.")
    digests = data.get("file_digests") or {}
    for split, role in (("train", "trained on"), ("validation", "selected on (epoch, threshold, calibration)")):
        seen = set(digests.get(split) or ())
        both = [f for f in files if f.sha256[:DIGEST_CHARS] in seen]
        if both:
            ex = ", ".join(f.path for f in both[:3]) + (" …" if len(both) > 3 else "")
            out.append(f"{plural(len(both), 'evaluated file')} of {len(files):,} {'is' if len(both) == 1 else 'are'} "
                       f"what the model was {role} ({ex}): the figures on {'it' if len(both) == 1 else 'them'} "
                       "are not a fair measure.")
    return out


def _select(summary: DatasetSummary, split: str | None):
    if split == "all" or (split is None and summary.layout != "split folders"):
        return "all", summary.files
    which = split or "test"
    files = tuple(f for f in summary.files if f.split == which)
    if not files:
        raise DatasetError(f"{summary.root} has no files in its {which} split; choose another (--split) or 'all'.")
    return which, files


def write_plots(result: EvaluationResult, folder: str | Path, info: BundleInfo | None = None) -> list[Path]:
    """roc.png, confusion_frames.png, confusion_videos.png and, when the card has a history,
    training_curves.png."""
    out = Path(folder)
    written = []
    curves = [(name, np.array(c.fpr), np.array(c.tpr), m.roc_auc)
              for name, c, m in (("frames", result.frame_roc, result.frame), ("videos", result.video_roc, result.video))
              if c is not None and m is not None]
    plots.roc_png(curves, out / "roc.png", title=f"ROC: {result.model['name']}")
    written.append(out / "roc.png")
    for name, m in (("frames", result.frame), ("videos", result.video)):
        if m is not None:
            plots.confusion_png(m.confusion, out / f"confusion_{name}.png", f"{name.capitalize()}", m.threshold)
            written.append(out / f"confusion_{name}.png")
    history = (info.card.training or {}).get("history") if info is not None else None
    if history:
        plots.curves_png(history, out / "training_curves.png", title=info.card.name)
        written.append(out / "training_curves.png")
    return written
