"""How long one full garbage collection takes on the GUI thread once the models are loaded.

    .venv/bin/python bench/gc_pause.py

gui/gc_guard.py collects everything every ten seconds on the GUI thread; after the warm-up the app
freezes the objects alive then (gc_guard.freeze_long_lived). This prints a full collection's time
before and after that freeze, with TensorFlow, Keras, Qt, pyqtgraph and the default model loaded.
"""

from __future__ import annotations

import gc
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def full_collection_ms(runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        gc.collect()
        times.append((time.perf_counter() - t0) * 1000)
    return min(times)


def main() -> None:
    import pyqtgraph  # noqa: F401
    from PySide6 import QtWidgets  # noqa: F401

    from core.models.bundle import list_bundles, load_keras_model

    bundles, _ = list_bundles()
    load_keras_model(bundles[0])
    print(f"objects tracked: {len(gc.get_objects()):,}")
    print(f"full collection before the freeze: {full_collection_ms():.1f} ms")
    gc.freeze()
    garbage = [[i, {}] for i in range(20_000)]  # some young objects, as the app makes
    print(f"full collection after the freeze:  {full_collection_ms():.1f} ms ({len(garbage):,} new lists)")


if __name__ == "__main__":
    main()
