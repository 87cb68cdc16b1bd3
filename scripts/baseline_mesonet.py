"""MesoNet's published weights, imported through the app, scored on the default model's validation split.

    .venv/bin/python scripts/baseline_mesonet.py /tmp/dfi-train/all.npz \
        ../shared/data/mesonet/weights/Meso4_DF.h5 /tmp/dfi-train/mesonet_baseline.json

Prints the same metrics as scripts/train_default.py, so the shipped model's card can compare.
The crops are cut with margin 0.3 (the engine's); MesoNet's own crops were tighter.
"""

from __future__ import annotations

import json
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]

import train_default as td  # noqa: E402

from cli import run  # noqa: E402
from core.models import registry  # noqa: E402
from core.models.bundle import load_keras_model, read_bundle  # noqa: E402


def main() -> None:
    crops_npz, weights = Path(sys.argv[1]), Path(sys.argv[2])
    arch_name = "meso_inception4" if "Inception" in weights.name else "meso4"
    out = Path(tempfile.mkdtemp()) / weights.stem
    assert run(["import-weights", str(weights), "--arch", arch_name, "--out", str(out)]) == 0
    info = read_bundle(out)
    crops, points, meta = td.load(crops_npz)
    val = td.split_groups(meta)
    # the imported card says what the output means (MesoNet's is P(real)); the registry's default is P(fake)
    arch = replace(registry.get(arch_name), output=info.card.output)
    m = td.evaluate(load_keras_model(info), arch, crops, points, meta, val)
    m.pop("celebdf_videos")
    doc = json.dumps({"baseline": weights.name, **m}, indent=1)
    print(doc)
    if len(sys.argv) > 3:
        Path(sys.argv[3]).write_text(doc)


if __name__ == "__main__":
    main()
