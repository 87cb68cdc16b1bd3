"""Training throughput in samples per second, through the trainer's own compiled step.

Modes:
- ``full``: ResNet50 + head v1 with every layer trainable (full fine-tuning);
- ``frozen``: the same with the backbone frozen (its forward pass still runs every step);
- ``cached``: only the head trains, on features computed once (what --freeze-backbone does), for
  head v1 (7x7x2048 maps), head v2 (pooled 2048) and the ResNet50+LSTM sequence head;
- ``encode``: the one-off cost of cached mode: crops per second through the frozen ResNet50;
- ``cnn``: the small CNNs trained from scratch (simple_cnn, face_cnn, meso4, meso_inception4).

Random pixels and labels: speed does not depend on the content. Run from the project root:
    python bench/train_throughput.py [--size 224] [--batch 16] [--steps 5] [--modes full,frozen,cached,encode,cnn]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

from core.keras_env import device_name, keras  # noqa: E402
from core.models import registry  # noqa: E402
from core.models.preprocess import preprocess  # noqa: E402
from core.models.zoo_resnet import set_trainable  # noqa: E402
from core.training.step import make_step  # noqa: E402


def _time_steps(target, x, batch: int, steps: int) -> tuple[float, float]:
    """(samples/s, ms per step) after two warm-up steps (the first one traces the graph)."""
    step, _ = make_step(target, keras().optimizers.Adam(1e-4))
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, (batch, 1)).astype(np.float32)
    w = np.ones(batch, np.float32)
    for _ in range(2):
        step(x, y, w)
    t0 = time.perf_counter()
    for _ in range(steps):
        loss, _ = step(x, y, w)
    float(loss)
    dt = time.perf_counter() - t0
    return batch * steps / dt, 1000 * dt / steps


def _pixels(batch: int, size: int, prep: str, length: int | None = None) -> np.ndarray:
    shape = (batch, length, size, size, 3) if length else (batch, size, size, 3)
    return preprocess(prep, np.random.default_rng(1).integers(0, 256, shape, dtype=np.uint8))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", type=int, default=224, help="ResNet50 input size")
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--modes", default="full,frozen,cached,encode,cnn")
    args = ap.parse_args()
    modes = set(args.modes.split(","))
    k = keras()
    print(f"device: {device_name()}; CPU threads: {os.cpu_count()}; batch {args.batch}; "
          f"ResNet50 at {args.size}px; {args.steps} timed steps after 2 warm-up steps")
    print(f"{'mode':46s} {'samples/s':>10s} {'ms/step':>9s}")
    rows = []

    def report(name, sps, ms):
        rows.append((name, sps, ms))
        print(f"{name:46s} {sps:10.1f} {ms:9.1f}", flush=True)

    s, b = args.size, args.batch
    x = _pixels(b, s, "resnet50") if modes & {"full", "frozen", "encode"} else None
    if "full" in modes:
        k.utils.set_random_seed(0)
        model = registry.get("resnet50").build_model(input_size=s, trainable_from="all", bn_trainable=True)
        report("full fine-tuning resnet50 (v1)", *_time_steps(model, x, b, args.steps))
    if "frozen" in modes:
        k.utils.set_random_seed(0)
        model = registry.get("resnet50").build_model(input_size=s, trainable_from="none")
        report("frozen backbone resnet50 (v1)", *_time_steps(model, x, b, args.steps))
    if "encode" in modes:
        base = registry.get("resnet50_v2").build_model(input_size=s).get_layer("backbone")
        set_trainable(base, "none", bn_trainable=False)
        fn = __import__("tensorflow").function(lambda t: base(t, training=False))
        fn(x)
        t0 = time.perf_counter()
        for _ in range(args.steps):
            np.asarray(fn(x))
        dt = time.perf_counter() - t0
        report("encode crops (frozen resnet50, once)", b * args.steps / dt, 1000 * dt / args.steps)
    if "cached" in modes:
        cb = max(b, 64)  # heads on features take big batches
        for arch, label in (("resnet50", "cached features, head v1"), ("resnet50_v2", "cached features, head v2")):
            head = registry.get(arch).build_model(input_size=s, trainable_from="none").get_layer("head")
            feats = np.random.default_rng(2).random((cb, *head.input_shape[1:])).astype(np.float32)
            report(f"{label} (batch {cb})", *_time_steps(head, feats, cb, args.steps * 4))
        seq = registry.get("resnet50_lstm")
        head = seq.build_model(input_size=32).get_layer(registry.HEAD_NAME)  # the head does not depend on size
        feats = np.random.default_rng(3).random((cb, *head.input_shape[1:])).astype(np.float32)
        report(f"cached features, LSTM head (batch {cb}, T={seq.sequence_length})",
               *_time_steps(head, feats, cb, args.steps * 4))
    if "cnn" in modes:
        for name in ("simple_cnn", "face_cnn", "meso4", "meso_inception4"):
            arch = registry.get(name)
            k.utils.set_random_seed(0)
            model = arch.build_model()
            xs = _pixels(b, arch.input_size, arch.preprocessing)
            report(f"{name} from scratch ({arch.input_size}px)", *_time_steps(model, xs, b, args.steps))
    return 0


if __name__ == "__main__":
    sys.exit(main())
