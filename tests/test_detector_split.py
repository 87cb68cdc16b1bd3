"""The shipped detector's data split: what chooses the model is never what reports on it.

``scripts/detector_data.py`` lays out training and validation; ``scripts/eval_unseen.py`` reports on
the rest. A Celeb-DF identity group (a real clip, its fakes and their re-encodes) lies on one side
only, and no file that trains or validates is scored as unseen.
"""

import sys
from pathlib import Path

import pytest
from conftest import shared_path

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def scripts():
    shared_path("celebdf_v2_pairs", "labels.csv")
    sys.path.insert(0, str(ROOT / "scripts"))
    import detector_data
    import eval_unseen

    yield detector_data, eval_unseen
    sys.path.remove(str(ROOT / "scripts"))


@pytest.mark.shared_data
def test_validation_and_unseen_sources_share_no_group_and_no_file(scripts, tmp_path):
    detector_data, eval_unseen = scripts
    counts = detector_data.layout(tmp_path / "data", tight_chips=20)
    assert counts["train/real/utkface_real"] == 20
    laid = {p.resolve() for p in (tmp_path / "data").rglob("*") if p.is_symlink()}
    validation = {p.resolve() for p in (tmp_path / "data" / "validation").rglob("*") if p.is_symlink()}
    assert counts["validation/real (Celeb-DF v2 pairs)"] == counts["validation/fake (Celeb-DF v2 pairs)"] > 0

    held_out = eval_unseen.SOURCES["celebdf_pairs"]()
    chosen = eval_unseen.SOURCES["celebdf_pairs_validation"]()
    assert {Path(v["path"]).resolve() for v in chosen} == validation
    assert not {v["group"] for v in held_out} & {v["group"] for v in chosen}
    assert len(held_out) > len(chosen)  # the larger half reports
    for name in ("celebdf_pairs", "celebdf_faceclips", "deepfacelive", "talking_heads"):
        scored = {Path(v["path"]).resolve() for v in eval_unseen.SOURCES[name]()}
        assert scored and not scored & laid, name
    detector_data.layout_unseen(tmp_path / "unseen")
    unseen = {p.resolve() for p in (tmp_path / "unseen").rglob("*") if p.is_symlink()}
    assert len(unseen) == len(held_out) + 14 + 53 and not unseen & laid  # + face clips + all of DeepFaceLive
