"""A model bundle to run the window with before any trained model is installed.

``ensure_model(None)`` returns the first installed bundle's id, or builds ``demo_untrained``:
the test-only tiny CNN with random weights. Its scores mean nothing (the card says so); it
exists so that screenshots and benchmarks exercise the whole path. ``rescale_demo`` stretches
its output layer so that scores seen on a clip spread over 0..1 (a flat line at 0.5 shows no
layout problem). Built in a subprocess so the caller does not load TensorFlow (the window must
load it only in its worker).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEMO_ID = "demo_untrained"

_BUILD = """
import sys
sys.path.insert(0, {root!r})
from core import paths
from core.keras_env import keras
from core.models import registry
from core.models.bundle import ModelCard, save_bundle
k = keras()
k.utils.set_random_seed(7)
m = registry.get("tiny_cnn").build_model(filters=8)
dense = m.get_layer("p")
kernel, bias = dense.get_weights()
kernel = kernel * 60.0
dense.set_weights([kernel * {scale!r}, (bias) * {scale!r} + {shift!r}])
card = ModelCard.for_architecture(
    "tiny_cnn", "Demo (untrained, scores meaningless)", min_face_px=24,
    description="Random weights with a rescaled output layer, for screenshots and benchmarks only. "
                "Its scores say nothing about manipulation.",
    limits=["Untrained: never use for a finding."],
)
save_bundle(m, card, paths.user_models_dir() / {demo!r}, overwrite=True)
"""


def _build(scale: float = 1.0, shift: float = 0.0) -> None:
    code = _BUILD.format(root=str(ROOT), scale=float(scale), shift=float(shift), demo=DEMO_ID)
    subprocess.run([sys.executable, "-c", code], check=True)


def ensure_model(model_id: str | None) -> str:
    from core.models.bundle import list_bundles, resolve

    if model_id:
        return resolve(model_id).id
    bundles, _ = list_bundles()
    if bundles:
        return bundles[0].id
    _build()
    return resolve(DEMO_ID).id


def rescale_demo(scores) -> None:
    """Rebuild the demo so the logits of ``scores`` (its outputs on a clip) spread around 0 with
    a standard deviation of 1.5: z' = (z - median) * 1.5 / std."""
    import numpy as np

    s = np.clip(np.asarray([x for x in scores if x is not None], dtype=np.float64), 1e-9, 1 - 1e-9)
    z = np.log(s / (1 - s))
    scale = 1.5 / max(float(z.std()), 1e-6)
    _build(scale, -float(np.median(z)) * scale + 0.3)
