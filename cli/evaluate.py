"""``evaluate DATA --model ID_OR_DIR``: frame- and video-level metrics of a model on a labelled folder."""

from __future__ import annotations

import sys


def add_parser(sub) -> None:
    p = sub.add_parser("evaluate", help="measure a model on a labelled folder (real/ fake/)")
    p.add_argument("data", metavar="DATA")
    p.add_argument("--model", help="installed model id or bundle folder (default: the default model)")
    p.add_argument("--json", metavar="OUT", help="write every metric and per-file score as JSON")
    p.add_argument("--plots", metavar="DIR", help="write ROC, confusion matrices and training curves as PNG")
    p.add_argument("--split", help="for train/validation/test folders: which split (default test; 'all')")
    p.add_argument("--threshold", type=float, help="decision threshold (default: the model card's)")
    p.add_argument("--images-are-faces", action="store_true", help="images are face crops: use them whole")
    p.add_argument("--frames-per-video", type=int, default=16)
    p.set_defaults(func=run)


def _f(v) -> str:
    return "  n/a" if v is None else f"{v:.3f}"


def run(args) -> int:
    from core.forensic import atomic
    from core.models.bundle import resolve
    from core.training.config import DataConfig
    from core.training.evaluate import evaluate, write_plots

    info = resolve(args.model)
    data = DataConfig(root=args.data, images_are_faces=args.images_are_faces, frames_per_video=args.frames_per_video)

    def progress(p):
        if sys.stderr.isatty() and p.total:
            print(f"\r{p.stage} {p.done}/{p.total}      ", end="", file=sys.stderr, flush=True)

    result = evaluate(info, data, split=args.split, threshold=args.threshold, progress=progress)
    if sys.stderr.isatty():
        print(file=sys.stderr)
    print(f"{info.id} ({info.card.architecture}) on {result.data} [{result.split}], threshold {result.threshold:.3f}")
    print(f"{'level':7s} {'n':>6s} {'acc':>6s} {'prec':>6s} {'recall':>6s} {'F1':>6s} {'AUC':>6s} {'logloss':>7s} "
          f"{'EER':>6s}  confusion [[TN FP] [FN TP]]")
    for name, m in (("frames", result.frame), ("videos", result.video)):
        if m is not None:
            print(f"{name:7s} {m.n:6d} {_f(m.accuracy):>6s} {_f(m.precision):>6s} {_f(m.recall):>6s} {_f(m.f1):>6s} "
                  f"{_f(m.roc_auc):>6s} {_f(m.log_loss):>7s} {_f(m.eer):>6s}  {[list(r) for r in m.confusion]}")
    for s in result.skipped:
        print(f"skipped {s.path}: {s.reason}", file=sys.stderr)
    for w in result.warnings:
        print(f"warning: {w}", file=sys.stderr)
    if args.json:
        atomic.write_json(args.json, result.to_json())
    if args.plots:
        for path in write_plots(result, args.plots, info):
            print(f"wrote {path}")
    return 0
