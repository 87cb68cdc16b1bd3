"""The shipped detector's data split: what chooses the model is never what reports on it.

``scripts/detector_data.py`` lays out training and validation; ``scripts/eval_unseen.py`` reports on
the rest. A Celeb-DF identity group (a real clip, its fakes and their re-encodes) lies on one side
only, and no file that trains or validates is scored as unseen.
"""

import sys
from pathlib import Path

import pytest
from conftest import shared_path

from core.training.sources import source_of

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


@pytest.mark.shared_data
def test_variant_trained_on_deepfacelive_is_measured_on_recordings_and_face_models_it_never_met(scripts, tmp_path):
    detector_data, eval_unseen = scripts
    sides = detector_data.dfl_supervised_groups()
    assert sides["train"] and sides["validation"] and sides["held_out"]
    assert not (sides["train"] & sides["validation"] or sides["train"] & sides["held_out"]
                or sides["validation"] & sides["held_out"])
    rows = list(detector_data._rows("deepfacelive_pairs"))
    side_of = {g: name for name, groups in sides.items() for g in groups}
    assert {r["group"] for r in rows} == set(side_of)
    models: dict[str, set[str]] = {}
    for r in rows:
        model = detector_data._face_model(r["path"])
        if model:
            models.setdefault(model, set()).add(side_of[r["group"]])
    assert "Kim_Jarrey" in models and all(len(s) == 1 for s in models.values()), models

    counts = detector_data.layout_with_dfl(tmp_path / "data", tight_chips=5)
    assert counts["train/fake (DeepFaceLive)"] > 0 and counts["validation/real (DeepFaceLive)"] > 0
    laid = {p.resolve() for p in (tmp_path / "data").rglob("*") if p.is_symlink()}
    validation = [p.relative_to(tmp_path / "data").as_posix()
                  for p in (tmp_path / "data" / "validation").rglob("*") if p.is_symlink()]
    assert {source_of(v) for v in validation} == {"celebdf_pairs", "deepfacelive"}  # measured apart
    held = eval_unseen.SOURCES["deepfacelive_unseen_models"]()
    assert {v["group"] for v in held} == sides["held_out"]
    assert not {Path(v["path"]).resolve() for v in held} & laid


def test_within_group_auc_takes_out_the_difference_between_recordings():
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import eval_unseen
    finally:
        sys.path.remove(str(ROOT / "scripts"))

    def video(group, label, score):
        return {"group": group, "label": label, "score": score, "frame_scores": [score] * 3}
    # each fake beats its own recording's real, but one recording scores high throughout
    rows = [video("a", 1, 0.9), video("a", 0, 0.6), video("b", 1, 0.3), video("b", 0, 0.1),
            video("c", 1, 0.5), video("c", 0, 0.5)]
    assert eval_unseen.within_groups(rows) == {"auc": pytest.approx(2.5 / 3, abs=1e-4), "pairs": 3}
    assert eval_unseen.auc_with_interval(rows, "video")["auc"] < 2.5 / 3
    ece = eval_unseen.calibration_error(rows)
    # bins hold (0.1: a real), (0.3: a fake), (0.5: one of each), (0.6: a real), (0.9: a fake):
    # gaps 0.1, 0.7, 0, 0.6, 0.1 weighted by 1, 1, 2, 1, 1 of 6 videos
    assert ece["frame"] == ece["video"] == pytest.approx(1.5 / 6, abs=1e-4)


@pytest.mark.shared_data
def test_two_source_validation_keeps_training_on_real_faces_and_the_unseen_groups_unseen(scripts, tmp_path):
    detector_data, eval_unseen = scripts
    counts = detector_data.layout_two_sources(tmp_path / "data", tight_chips=5)
    assert counts["validation/fake (DeepFaceLive)"] == counts["validation/real (DeepFaceLive)"] > 0
    assert not any((tmp_path / "data" / "train" / "fake").rglob("*.*"))  # the fakes are still self-blends only
    validation = [p for p in (tmp_path / "data" / "validation").rglob("*") if p.is_symlink()]
    rel = [p.relative_to(tmp_path / "data").as_posix() for p in validation]
    assert {source_of(v) for v in rel} == {"celebdf_pairs", "deepfacelive"}
    unseen = {Path(v["path"]).resolve() for v in eval_unseen.SOURCES["deepfacelive"]()}
    assert unseen and not unseen & {p.resolve() for p in validation}


@pytest.mark.shared_data
def test_deepfacelive_reals_train_without_their_swaps_and_the_unseen_groups_stay_unseen(scripts, tmp_path):
    detector_data, eval_unseen = scripts
    sides = detector_data.dfl_real_training_groups()
    assert sides["train"] and sides["validation"] and not sides["train"] & sides["validation"]
    assert sides["train"] | sides["validation"] == detector_data.dfl_validation_groups()
    counts = detector_data.layout_dfl_reals(tmp_path / "data", tight_chips=5)
    assert counts["train/real (DeepFaceLive)"] == len(sides["train"])  # one real recording per group
    assert "train/fake (DeepFaceLive)" not in counts
    assert not any((tmp_path / "data" / "train" / "fake").rglob("*.*"))  # still no face swap trains
    laid = {p.resolve() for p in (tmp_path / "data").rglob("*") if p.is_symlink()}
    validation = [p.relative_to(tmp_path / "data").as_posix()
                  for p in (tmp_path / "data" / "validation").rglob("*") if p.is_symlink()]
    assert {source_of(v) for v in validation} == {"celebdf_pairs", "deepfacelive"}
    group_of = {Path(r["path"]).name: r["group"] for r in detector_data._rows("deepfacelive_pairs")}
    validated = {group_of[Path(v).name] for v in validation if source_of(v) == "deepfacelive"}
    assert validated == sides["validation"]
    unseen = eval_unseen.SOURCES["deepfacelive"]()
    assert unseen and not {v["group"] for v in unseen} & detector_data.dfl_validation_groups()
    assert not {Path(v["path"]).resolve() for v in unseen} & laid
