"""The robustness probe: the same faces re-scored after the degradations sharing brings."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from core.analysis import AnalysisParams, Engine
from core.errors import EvidenceChanged
from core.models.scorer import Scorer
from core.robustness import VARIANTS, degrade, probe


@pytest.fixture
def analysed(tiny_bundle, colour_detector, face_video):
    # a threshold under every score: every scored frame is in a segment
    return Engine(tiny_bundle, detector=colour_detector).analyze(face_video, AnalysisParams(threshold=0.05),
                                                                 use_cache=False)


def test_re_scoring_reproduces_the_analysis_and_reports_every_degradation(analysed, tiny_bundle, face_video):
    scorer = Scorer(tiny_bundle)
    rep = probe(analysed, face_video, scorer.score_crops, tiny_bundle.card.input_size)
    assert rep.reproduced < 1e-5  # the crops are the analysis's own: same faces, same scores
    assert set(rep.shift) == set(VARIANTS) and len(rep.segments) == len(analysed.segments)
    for s in rep.segments:
        assert set(s.degraded) == set(VARIANTS) and s.frames and 0 <= s.original <= 1
    assert any("Segment 1" in line for line in rep.lines())


def _sharpness(crops: np.ndarray) -> np.ndarray:
    """A stand-in model that calls sharp faces fake: a finding that lives in fine detail."""
    lap = [cv2.Laplacian(cv2.cvtColor(c, cv2.COLOR_RGB2GRAY), cv2.CV_64F).var() for c in crops]
    return np.clip(np.array(lap) / 2000.0, 0, 1)


def test_a_finding_that_lives_in_fine_detail_is_fragile(analysed, face_video):
    from dataclasses import replace

    base = probe(analysed, face_video, _sharpness, 32)
    first = base.segments[0]
    assert first.degraded["half"] < first.original and first.degraded["blur"] < first.original
    between = (first.original + first.degraded["half"]) / 2  # a threshold the re-encode crosses
    at = replace(analysed, verdict=replace(analysed.verdict, threshold=between))
    rep = probe(at, face_video, _sharpness, 32)
    assert rep.segments[0].fragile and "half resolution" in rep.segments[0].because
    assert "FRAGILE (half resolution" in rep.lines()[2]
    low = replace(analysed, verdict=replace(analysed.verdict, threshold=1e-6))  # far below every score
    assert not any(s.fragile for s in probe(low, face_video, _sharpness, 32).segments)


def test_each_re_scored_face_keeps_its_lowest_and_highest_degraded_score(analysed, face_video):
    """The per-frame range the timeline draws as a band: for every face a segment re-scored, the least
    and greatest of its scores over the degradations, computed here again from the frames."""
    from core.faces import crop_face
    from core.video import FrameReader

    rep = probe(analysed, face_video, _sharpness, 32)
    assert rep.frames
    for s in rep.segments:  # exactly the faces the segment summaries were made of, in their order
        own = [f for f in rep.frames if f.segment == s.segment]
        assert tuple(f.frame for f in own) == s.frames and {f.track for f in own} == {s.track}
        assert np.mean([f.original for f in own]) == pytest.approx(s.original)
    margin = float(analysed.params.get("margin", 0.3))
    by_index = {f.index: f for f in analysed.frames}
    with FrameReader(face_video) as reader:
        for f in rep.frames:
            rgb = reader.read(f.frame)
            box = next(x.box for x in by_index[f.frame].faces if x.track == f.track)
            expected = [float(_sharpness(crop_face(degrade(rgb, v), box, margin, 32)[None])[0]) for v in VARIANTS]
            assert (f.low, f.high) == pytest.approx((min(expected), max(expected)))
            assert f.original == pytest.approx(float(_sharpness(crop_face(rgb, box, margin, 32)[None])[0]))
            assert f.low < f.original  # a finding in fine detail: some degradation lowers every face


def test_degradations_keep_the_frame_size_and_change_it(face_video):
    from core.video import iter_frames

    _, _, rgb = next(iter_frames(face_video))
    for v in VARIANTS:
        d = degrade(rgb, v)
        assert d.shape == rgb.shape and d.dtype == np.uint8 and not np.array_equal(d, rgb)


def test_only_the_analysed_file_is_re_scored(analysed, tiny_bundle, face_video, tmp_path):
    other = tmp_path / "other.avi"
    data = bytearray(face_video.read_bytes())
    data[-5] ^= 1
    other.write_bytes(bytes(data))
    with pytest.raises(EvidenceChanged, match="not the analysed file"):
        probe(analysed, other, Scorer(tiny_bundle).score_crops, 32)


def test_command_line_probe_writes_figures_and_an_audit_entry(analysed, tiny_bundle, face_video, tmp_path,
                                                              monkeypatch, capsys):
    import json
    import shutil

    from cli import run
    from core import paths
    from core.forensic import audit

    monkeypatch.setenv("DFI_HOME", str(tmp_path / "home"))
    shutil.copytree(tiny_bundle.path, paths.user_models_dir() / tiny_bundle.id)
    saved = tmp_path / "r.json"
    saved.write_text(json.dumps(analysed.to_json()))
    out = tmp_path / "probe.json"
    assert run(["robustness", str(saved), str(face_video), "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "reproduce the analysis" in printed and "Segment 1" in printed
    doc = json.loads(out.read_text())
    assert set(doc["shift"]) == set(VARIANTS) and doc["reproduced"] < 1e-5
    assert doc["frames"] and {"frame", "track", "low", "high"} <= set(doc["frames"][0])
    entry = audit.default_log().entries()[-1]
    assert entry.event == audit.ROBUSTNESS_PROBED and entry.data["sha256"] == analysed.sha256
