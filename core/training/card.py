"""The model card of a trained bundle: everything needed to judge and reproduce the model."""

from __future__ import annotations

import math
from dataclasses import asdict
from pathlib import Path

from core.forensic.provenance import environment
from core.models import registry
from core.models.bundle import ModelCard
from core.training import metrics as M

MODE_TEXT = {
    "full": "fine-tuning on pixel batches (frozen layers stay frozen)",
    "cached_head": "frozen backbone: features computed once and cached, only the head trained",
    "sequence_head": "frozen frame encoder: features computed once and cached, only the sequence head trained",
}


def training_card(run, thr: float, val: M.Metrics, test: M.Metrics | None, suffix: str,
                  calibration: dict | None = None, val_by_source: dict | None = None,
                  averaged: dict | None = None) -> ModelCard:
    """The card for the trainer's run state ``run`` (data, settings, history) with threshold ``thr``;
    ``val_by_source``: :func:`core.training.sources.by_source` of the validation scores; ``averaged``:
    the epochs whose mean weights the bundle holds (core.training.averaging), None for one epoch's."""
    c = run.c
    name = run.name + suffix
    mets = _card_metrics("val", val)
    if val_by_source:
        mets["val_by_source"] = val_by_source
    if test is not None:
        mets.update(_card_metrics("test", test))
    s = run.summary
    counts = {sp: {"real": smp.count(0), "fake": smp.count(1)}
              for sp, smp in (("train", run.train_s), ("validation", run.val_s), ("test", run.test_s))}
    data = {**s.to_card(), "samples": counts, "sample_unit": "window" if run.mode == "sequence_head" else "crop",
            "self_blended_fakes": c.data.self_blend}
    data["skipped"] = [{"path": k.path, "reason": k.reason} for k in run.skipped]
    best = run.state.get("best_epoch")
    training = {
        "mode": MODE_TEXT[run.mode],
        "data": data,
        "crops": run.settings.to_json(),
        "hyper_parameters": c.hyper_parameters() | {"input_size": run.size},
        "augmentation": c.augment.to_json() if c.augment.active else "none",
        "self_blend": (c.data.self_blend_config.to_json() | {"mask_landmarks": getattr(run, "mask_points", None)}
                       if c.data.self_blend else None),
        "backbone": (run.backbone.to_card() if run.backbone else
                     "from the starting bundle" if run.init else
                     ("none: trained from scratch (asked for)" if run.arch.uses_imagenet_backbone else None)),
        "started_from": _started_from(run.init, run.init_sha, run.start_how),
        "epochs_run": len(run.history),
        "best_epoch": best,
        "weights_averaged": averaged,
        "history": [asdict(h) for h in run.history],
        "threshold": {"value": thr, "rule": c.threshold_rule, "chosen_on": f"validation ({len(run.val_s)} "
                                                                          "samples)"},
        "seed": c.seed,
        "started": run.started,
        "elapsed_s": round(run.elapsed(), 1),
        "software": environment(),  # the same record as every analysis's provenance
    }
    limits = [f"Trained on {counts['train']['real']} real and {counts['train']['fake']} fake "
              f"{data['sample_unit']}s from {Path(s.root).name}/; accuracy on other sources is unknown."]
    limits += [w for w in run.warnings if w.startswith(("Tiny", "Class imbalance", "The validation split"))]
    seq = run.arch.kind == registry.SEQUENCE
    return ModelCard.for_architecture(
        run.arch.name, name, input_size=run.size, threshold=float(thr), face_margin=c.data.face_margin,
        min_face_px=c.data.min_face_px, sequence_length=run.seq_len if seq else None,
        sequence_hop=max(1, run.seq_len // 2) if seq else None, sequence_step=c.data.frame_step if seq else None,
        training=training,
        metrics=_finite(mets), limits=limits, calibration=calibration,
    )


def _started_from(info, sha256: str | None, how: str | None) -> dict | None:
    """The bundle a run started from, and how: fine-tuned further, or lending its backbone as the encoder."""
    if info is None:
        return None
    return {"bundle": info.id, "name": info.card.name, "model_sha256": sha256, "how": how}


def _card_metrics(prefix: str, m: M.Metrics) -> dict:
    """Flat ``val_auc``, ``val_accuracy``, ... entries for the card (``models`` lists ``val_auc``)."""
    out = {f"{prefix}_{'auc' if k == 'roc_auc' else k}": v for k, v in m.to_json().items()
           if k not in ("confusion", "threshold")}
    out[f"{prefix}_confusion"] = [list(r) for r in m.confusion]
    return out


def _finite(d: dict) -> dict:
    return {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in d.items()}


