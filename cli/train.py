"""``train DATA --arch NAME``: train a model bundle on a labelled folder (real/ fake/, or
train/ validation/ test/ each with real/ fake/). Ctrl-C stops cleanly after the current batch;
``--resume`` continues from the last completed epoch."""

from __future__ import annotations

import json
import signal
import sys

from core.training.augment import AUGMENTATIONS
from core.training.config import BALANCE, MONITORS
from core.training.metrics import THRESHOLD_RULES
from core.training.splits import GROUP_RULES
from core.wording import kept_weights


def add_parser(sub) -> None:
    p = sub.add_parser("train", help="train a model on a labelled folder of images and videos",
                       description="Train a model bundle. DATA holds real/ and fake/ (split automatically by "
                       "identity/source) or train/ validation/ test/ each with real/ and fake/.")
    p.add_argument("data", metavar="DATA")
    p.add_argument("--recipe", metavar="JSON",
                   help="train as a recipe file says (scripts/recipes/); DATA is the root of its folders, and "
                        "only --out, --name, --seed (to repeat it with another seed), --resume and --overwrite "
                        "are taken from the command line")
    p.add_argument("--arch", help="architecture (python main.py train DATA --list-archs shows them)")
    p.add_argument("--list-archs", action="store_true", help="list the architectures and exit")
    p.add_argument("--scan-only", action="store_true", help="report what DATA holds and how it splits, then exit")
    p.add_argument("--out", metavar="DIR", help="bundle folder to write (default: the user's models folder)")
    p.add_argument("--name", help="model name shown in the app (default: ARCH-DATAFOLDER)")
    g = p.add_argument_group("training")
    g.add_argument("--epochs", type=int, default=10)
    g.add_argument("--batch-size", type=int, default=32)
    g.add_argument("--lr", type=float, default=1e-4, help="learning rate (Adam)")
    g.add_argument("--patience", type=int, default=3, help="early stopping: epochs without improvement")
    g.add_argument("--monitor", choices=MONITORS, default="val_auc",
                   help="what chooses the epoch kept; val_source_auc: the mean AUC of the validation sources "
                        "(the folders under validation/real/ and validation/fake/), each counted once")
    g.add_argument("--threshold-rule", choices=THRESHOLD_RULES, default="youden",
                   help="how the decision threshold is chosen on validation data")
    g.add_argument("--seed", type=int, default=None, help="random seed (default 0; with --recipe, the recipe's)")
    g.add_argument("--average-from", type=int, default=0, metavar="EPOCH",
                   help="keep the mean of the weights after each epoch from EPOCH on, not the best epoch (0: off)")
    g.add_argument("--augment", default="all",
                   help=f"'all', 'none' or a comma list of: {', '.join(AUGMENTATIONS)}")
    g.add_argument("--balance", choices=BALANCE, default="weights", help="how class imbalance is balanced")
    g.add_argument("--input-size", type=int, help="crop size in pixels (default: the architecture's)")
    g.add_argument("--param", action="append", default=[], metavar="KEY=VALUE",
                   help="architecture hyper-parameter, value in JSON (e.g. dropout=0.3, filters=[16,32])")
    g.add_argument("--init-from", metavar="BUNDLE",
                   help="start from an installed bundle (id or folder): the same architecture is fine-tuned "
                   "further; a frame detector lends a sequence model its backbone as the encoder")
    g.add_argument("--resume", action="store_true", help="continue the interrupted run of this output")
    g.add_argument("--overwrite", action="store_true", help="replace an existing bundle or interrupted run")
    b = p.add_argument_group("ImageNet backbone (resnet50 family)")
    b.add_argument("--backbone-weights", metavar="PATH", help="the Keras ResNet50 no-top weights file or its folder")
    b.add_argument("--from-scratch", action="store_true", help="train without ImageNet weights (weak on small data)")
    b.add_argument("--freeze-backbone", action="store_true",
                   help="freeze the whole backbone, cache its features once and train only the head (fast)")
    b.add_argument("--feature-views", type=int, default=1, help="augmented views cached per crop when frozen")
    d = p.add_argument_group("data")
    d.add_argument("--val-split", type=float, default=0.15, help="validation share (automatic split)")
    d.add_argument("--test-split", type=float, default=0.15, help="test share (automatic split)")
    d.add_argument("--split-seed", type=int, default=0)
    d.add_argument("--groups", metavar="CSV", help="CSV with path and group columns (keeps groups on one side)")
    d.add_argument("--group-rule", choices=GROUP_RULES, default="auto")
    d.add_argument("--images-are-faces", action="store_true", help="images are face crops: use them whole")
    d.add_argument("--frames-per-video", type=int, default=16)
    d.add_argument("--clips-per-video", type=int, default=4, help="sequence models: clips per video")
    d.add_argument("--frame-step", type=int, default=1, help="sequence models: frames between crops of a clip")
    d.add_argument("--margin", type=float, default=0.3, help="face crop margin (as analysis crops)")
    d.add_argument("--self-blend", action="store_true",
                   help="add self-blended fakes made from the real faces (frame models)")
    p.set_defaults(func=run)


def _params(items: list[str]) -> tuple:
    out = []
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise SystemExit(f"error: --param needs KEY=VALUE, got {item!r}")
        try:
            v = json.loads(value)
        except ValueError:
            v = value
        out.append((key.strip(), tuple(v) if isinstance(v, list) else v))
    return tuple(out)


def _augment(text: str):
    from core.training.augment import AugmentConfig

    t = text.strip().lower()
    if t == "all":
        return AugmentConfig()
    if t == "none":
        return AugmentConfig.none()
    try:
        return AugmentConfig.only(n.strip() for n in t.split(",") if n.strip())
    except ValueError as exc:
        raise SystemExit(f"error: --augment: {exc}") from None


def config_from_args(args):
    from core.training.config import DataConfig, TrainConfig

    if args.recipe:
        from core.training.recipe import config_from_recipe

        given = {"name": args.name, "seed": args.seed}
        return config_from_recipe(args.recipe, args.data, out=args.out, resume=args.resume, overwrite=args.overwrite,
                                  **{k: v for k, v in given.items() if v is not None})

    data = DataConfig(
        root=args.data, val_fraction=args.val_split, test_fraction=args.test_split, group_rule=args.group_rule,
        split_seed=args.split_seed, groups_csv=args.groups, images_are_faces=args.images_are_faces,
        frames_per_video=args.frames_per_video, clips_per_video=args.clips_per_video, frame_step=args.frame_step,
        face_margin=args.margin, self_blend=args.self_blend, balance=args.balance,
    )
    return TrainConfig(
        data=data, arch=args.arch, out=args.out, name=args.name, epochs=args.epochs, batch_size=args.batch_size,
        learning_rate=args.lr, augment=_augment(args.augment), patience=args.patience, monitor=args.monitor,
        seed=args.seed or 0, average_from=args.average_from,
        threshold_rule=args.threshold_rule, input_size=args.input_size, params=_params(args.param),
        backbone_weights=args.backbone_weights, from_scratch=args.from_scratch, freeze_backbone=args.freeze_backbone,
        feature_views=args.feature_views, resume=args.resume, overwrite=args.overwrite,
        init_from=_bundle_folder(args.init_from),
    )


def _bundle_folder(id_or_dir: str | None) -> str | None:
    if id_or_dir is None:
        return None
    from core.models.bundle import resolve

    return resolve(id_or_dir).path


LONG_STAGES = ("scanning", "extracting", "landmarks", "encoding", "training")


class _Printer:
    def __init__(self):
        self.tty = sys.stderr.isatty()
        self.stage = None

    def __call__(self, p) -> None:
        if p.epoch_end is not None:
            e = p.epoch_end

            def f(v):
                return "  n/a" if v is None else f"{v:.3f}"

            self._clear()
            per_source = "".join(f" {name or '(unnamed)'} {f(auc)}"
                                 for name, auc in (e.val_auc_by_source or {}).items())
            per_source = f" | AUC per source{per_source}, mean {f(e.val_source_auc)}" if per_source else ""
            print(f"epoch {e.epoch}/{p.epochs}: loss {e.loss:.4f} acc {e.accuracy:.3f} | val loss {f(e.val_loss)} "
                  f"acc {f(e.val_accuracy)} AUC {f(e.val_auc)} EER {f(e.val_eer)}{per_source} | {e.seconds:.1f}s"
                  f"{'  *best' if e.improved else ''}", file=sys.stderr, flush=True)
            return
        if p.stage != self.stage and not self.tty and p.stage in LONG_STAGES:
            print(f"{p.stage}...", file=sys.stderr, flush=True)
        self.stage = p.stage
        if not self.tty or p.stage not in LONG_STAGES:
            return
        eta = f" ETA {p.eta_s:5.0f}s" if p.eta_s is not None else ""
        if p.stage == "training":
            text = f"epoch {p.epoch}/{p.epochs} batch {p.done}/{p.total} loss {p.loss:.4f} acc {p.accuracy:.3f}{eta}"
        else:
            text = f"{p.stage} {p.done}/{p.total}{eta}"
        print(f"\r{text:80s}", end="", file=sys.stderr, flush=True)

    def _clear(self):
        if self.tty:
            print("\r" + " " * 80 + "\r", end="", file=sys.stderr)


def run(args) -> int:
    from core.models import registry

    if args.list_archs:
        for a in registry.all_architectures():
            print(f"{a.name:16s} {a.kind:8s} {a.input_size}px  {a.description}")
        return 0
    cfg = config_from_args(args)
    if args.scan_only:
        from core.training.dataset import scan_dataset

        for line in scan_dataset(cfg.data).lines():
            print(line)
        return 0
    if not cfg.arch:
        raise SystemExit("error: --arch is required (see --list-archs)")
    from core.training.trainer import train

    stop = {"asked": False}

    def on_sigint(signum, frame):
        if stop["asked"]:
            raise KeyboardInterrupt
        stop["asked"] = True
        print("\nstopping after this batch (Ctrl-C again to abort at once)...", file=sys.stderr, flush=True)

    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        result = train(cfg, progress=_Printer(), should_cancel=lambda: stop["asked"])
    finally:
        signal.signal(signal.SIGINT, previous)
    if sys.stderr.isatty():
        print(file=sys.stderr)
    for line in result.data.lines() if result.data else []:
        print(line)
    if result.status == "cancelled":
        where = f" Resume with --resume (checkpoints in {result.run_dir})." if result.resumable else ""
        print(f"Training cancelled after {result.epochs_run} complete epochs.{where}")
        return 130
    v, t = result.val_metrics, result.test_metrics
    kept = kept_weights(result.best_epoch, result.averaged_epochs)
    print(f"{result.status}: {result.epochs_run} epochs, {kept}, threshold {result.threshold:.3f}, "
          f"{result.elapsed_s:.0f}s")
    for name, m in (("validation", v), ("test", t)):
        if m is not None:
            auc = "n/a" if m.roc_auc is None else f"{m.roc_auc:.3f}"
            print(f"  {name}: accuracy {m.accuracy:.3f} AUC {auc} F1 {m.f1 if m.f1 is None else round(m.f1, 3)} "
                  f"(n={m.n})")
    print(f"model bundle: {result.bundle.path}")
    return 0
