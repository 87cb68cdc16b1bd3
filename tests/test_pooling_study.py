"""``scripts/pooling_study.py``: other video poolings and score ensembles, recomputed from stored frame scores."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def _eval_file(path: Path, videos: list[tuple[int, list[float]]], source: str = "celebdf_pairs") -> Path:
    """An eval_unseen-shaped result whose engine score is each video's mean frame score."""
    rows = [{"source": source, "path": f"/v/{i}.mp4", "label": label, "group": f"g{i}", "variant": "original",
             "method": "m", "score": float(np.mean(frames)), "frames_scored": len(frames), "frame_scores": frames}
            for i, (label, frames) in enumerate(videos)]
    path.write_text(json.dumps({"every": 10, "command": "", "models": {str(path): {"summary": {}, "videos": rows}}}))
    return path


def _run(*args) -> str:
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "pooling_study.py"), *map(str, args)],
                          capture_output=True, text=True, check=True)
    return done.stdout


def _value(out: str, label: str) -> float:
    (line,) = [ln for ln in out.splitlines() if ln.strip().startswith(label)]
    return float(line.split()[-1])


def test_a_brief_burst_in_a_fake_is_found_by_the_maximum_and_lost_by_the_mean(tmp_path):
    # Fakes: mostly low with a short burst; reals: steady a little above the fakes' bulk.
    fakes = [(1, [0.1] * 9 + [0.95]) for _ in range(3)]
    reals = [(0, [0.2] * 10) for _ in range(3)]
    out = _run(_eval_file(tmp_path / "m.json", fakes + reals))
    assert "engine score mean video AUC 0.000" in out
    assert "maximum           1.000  change +1.000  better for 1, worse for 0" in out
    assert "median            0.000" in out


def test_two_models_wrong_on_different_videos_rank_better_together(tmp_path):
    # Model a misranks video pair 0, model b misranks pair 1; their mean ranks both pairs right.
    a = _eval_file(tmp_path / "a.json", [(1, [0.3]), (0, [0.6]), (1, [0.9]), (0, [0.1])])
    b = _eval_file(tmp_path / "b.json", [(1, [0.9]), (0, [0.1]), (1, [0.3]), (0, [0.6])])
    out = _run(a, b, "--ensemble")
    assert _value(out, "a ") == 0.75 and _value(out, "b ") == 0.75
    assert "mean of 2 models' scores over 1 subsets: mean 1.000" in out
