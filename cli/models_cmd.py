"""``models``: the installed model bundles."""

from __future__ import annotations


def add_parser(sub) -> None:
    p = sub.add_parser("models", help="list installed model bundles")
    p.set_defaults(func=run)


def run(args) -> int:
    from core.models.bundle import default_bundle_id, list_bundles

    bundles, problems = list_bundles()
    default = default_bundle_id()
    if not bundles:
        print("No model bundles installed.")
    for b in bundles:
        c = b.card
        mark = "*" if b.id == default else " "
        where = "shipped" if b.read_only else "user"
        auc = c.metrics.get("val_auc") if isinstance(c.metrics, dict) else None
        auc_text = f" val AUC {auc:.3f}" if isinstance(auc, float) else ""
        print(f"{mark} {b.id:24s} {c.architecture:16s} {c.kind:8s} {c.input_size}px "
              f"thr {c.threshold:.2f}{auc_text}  [{where}] {b.path}")
    for p in problems:
        print(f"! {p}")
    return 0
