"""A report that sets further models' analyses of the same file beside the analysing model's:
every model's verdict, where they agree span by span, their curves on the timeline, and the
comparison in the JSON beside the report."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest

from core.agreement import agreement
from core.analysis import AnalysisParams, Engine, analyze_together, decided_as
from core.decide import verdict_text
from core.report import export_report
from core.report.images import COMPARED_CURVES, CURVE, timeline_png
from core.result import FaceScore, FrameResult
from core.timecode import format_time as timecode


@pytest.fixture
def together(tiny_bundle, tiny_seq_bundle, colour_detector, evidence):
    """The exhibit analysed by a frame model and a sequence model in one pass, as ``analyze --compare`` does.
    The frame model's threshold is under every score, so each run of scored frames is a segment of its."""
    engines = [Engine(tiny_bundle, detector=colour_detector), Engine(tiny_seq_bundle, detector=colour_detector)]
    first, second = analyze_together(evidence, engines, AnalysisParams(threshold=0.05, detect_every=3),
                                     use_cache=False)
    return first, second


def _made_up(base, model_id: str, threshold: float, scores: list[float | None]):
    """``base`` (a real analysis of the 30-frame exhibit) with made-up scores on one track, decided at ``threshold``."""
    frames = tuple(FrameResult(i, i / 10, s, "scored" if s is not None else "no_face",
                               (FaceScore(1, (10, 10, 60, 60), s, True),) if s is not None else ())
                   for i, s in enumerate(scores))
    r = replace(base, model=replace(base.model, id=model_id, name=f"model {model_id}"), frames=frames, segments=())
    return decided_as(replace(r, params={**r.params, "threshold": -1}),
                      AnalysisParams.from_json({**r.params, "threshold": threshold}))


def _section(html: str, start: str, end: str = "<h2") -> str:
    part = html[html.index(start):]
    return part[: part.index(end, len(start))]


def _rows(table_html: str) -> list[str]:
    return re.findall(r"<tr>(.*?)</tr>", table_html, re.S)


def _png_images(html: str) -> list[np.ndarray]:
    out = []
    for b64 in re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html):
        img = cv2.imdecode(np.frombuffer(base64.b64decode(b64), np.uint8), cv2.IMREAD_COLOR)
        out.append(cv2.cvtColor(img, cv2.COLOR_BGR2RGB))
    return out


def _near(img: np.ndarray, colour, tol: int = 30) -> np.ndarray:
    return np.abs(img.astype(int) - np.array(colour)).max(axis=2) <= tol


def test_the_report_lists_each_models_verdict_and_the_spans_they_disagree_on(together, tmp_path, log):
    first, second = together
    # the sequence model judged at a threshold none of its scores reach: it flags nothing, says REAL
    strict = decided_as(second, AnalysisParams.from_json({**second.params, "threshold": 0.99}))
    assert max(f.score for f in strict.frames if f.score is not None) < 0.99
    assert first.verdict.label == "fake" and strict.verdict.label == "real" and not strict.segments
    files = export_report(tmp_path / "out" / "r.html", first, compared=[strict], log=log)
    html = Path(files.html).read_text(encoding="utf-8")

    other = _section(html, "<h2>Other models</h2>")
    assert html.index("<h2>Finding</h2>") < html.index("<h2>Other models</h2>") < html.index("<h2>Evidence</h2>")
    for r in (first, strict):
        assert r.model.id in other and verdict_text(r.verdict, r.coverage) in other
        assert f"{r.verdict.frames_scored}</td>" in other
    assert f"0.05<br>(set for this analysis; card {first.model.threshold:.2f})" in other and "0.99<br>(set for" in other
    assert "verdicts DISAGREE" in other
    assert "its own threshold" in other and "not proof" in other and "blind spots" in other and "no say" in other

    spans = _section(html, "Flagged spans, model by model", "</table>")
    rows = _rows(spans)[1:]  # under the header row
    assert len(rows) == len(first.segments) == 2  # the frame model's two segments; the other found none
    for s, row in zip(first.segments, rows, strict=True):
        assert timecode(s.start_s) in row and f"{s.start_frame}-{s.end_frame}" in row
        assert "1 of 2 models" in row and "DISAGREE" in row and "background-color" in row
        assert row.count(" flagged</b>") == 1 and "not scored" not in row
    assert "2 spans where the models disagree" in spans


def test_a_span_one_model_did_not_score_is_not_scored_and_agreement_is_counted(together, tmp_path, log):
    first, _ = together
    a = _made_up(first, "a", 0.5, [0.1] * 10 + [0.9] * 20)  # fake from frame 10 on
    b = _made_up(first, "b", 0.8, [0.2] * 10 + [0.7] * 3 + [0.95] * 6 + [0.2] * 11)  # flags 13-18 at its own 0.8
    c = _made_up(first, "c", 0.5, [0.3] * 10 + [None] * 20)  # no face it could score from frame 10 on
    ag = agreement([a, b, c])
    [span] = ag.spans
    assert span.flagged_by == ("a", "b") and span.scored_by == ("a", "b")
    files = export_report(tmp_path / "out" / "r.html", a, compared=[b, c], log=log)
    html = Path(files.html).read_text(encoding="utf-8")
    [row] = _rows(_section(html, "Flagged spans, model by model", "</table>"))[1:]
    assert "2 of 2 models (1 scored no frame here)" in row and "not scored" in row
    assert "0.900 flagged" in row and "0.950 flagged" in row and "all that scored it agree" in row
    assert "DISAGREE" not in row and "background-color" not in row
    other = _section(html, "<h2>Other models</h2>")
    # a says FAKE; b (0.2..0.95 at 0.8) and c say what their own thresholds make of their scores
    assert [m.label for m in ag.models] == ["fake", "real", "real"]
    assert "DISAGREE" in other
    for m in ("model a", "model b", "model c"):
        assert m in other


def test_the_json_beside_the_report_holds_the_comparison_and_the_manifest_covers_it(together, tmp_path, log):
    first, second = together
    files = export_report(tmp_path / "out" / "r.html", first, compared=[second], log=log)
    doc = json.loads(Path(files.json).read_text(encoding="utf-8"))
    assert doc["model"]["id"] == first.model.id
    [other] = doc["comparison"]["results"]
    assert other["model"]["id"] == second.model.id and other["video"]["sha256"] == first.sha256
    assert [f["score"] for f in other["frames"]] == [f.score for f in second.frames]
    assert doc["comparison"]["agreement"] == json.loads(json.dumps(agreement([first, second]).to_json()))
    lines = Path(files.manifest).read_text().splitlines()
    assert [line.split("  ", 1)[1] for line in lines] == ["r.json", "r.csv", "r.html"]
    for line in lines:
        sha, name = line.split("  ", 1)
        assert hashlib.sha256((tmp_path / "out" / name).read_bytes()).hexdigest() == sha
    entry = log.entries()[-1].data
    assert entry["compared"] == [{"model_id": second.model.id, "model_sha256": second.model.sha256,
                                  "verdict": second.verdict.label}]
    html = Path(files.html).read_text(encoding="utf-8")
    assert 'under "comparison"' in html.replace("&#34;", '"').replace("&quot;", '"')


def test_an_analysis_of_another_file_is_refused_before_anything_is_written(together, tmp_path, log):
    first, second = together
    with pytest.raises(ValueError, match="another file"):
        export_report(tmp_path / "out" / "r.html", first, compared=[replace(second, sha256="0" * 64)], log=log)
    assert not (tmp_path / "out").exists() and log.entries() == []


def test_the_timeline_draws_each_models_curve_in_its_colour_with_a_legend_row(together, tmp_path, log):
    first, second = together
    files = export_report(tmp_path / "out" / "r.html", first, compared=[second], log=log, heatmaps=False)
    html = Path(files.html).read_text(encoding="utf-8")
    timeline = _png_images(html)[0]
    single = cv2.cvtColor(cv2.imdecode(np.frombuffer(timeline_png(first), np.uint8), cv2.IMREAD_COLOR),
                          cv2.COLOR_BGR2RGB)
    assert single.shape == (440, 1280, 3) and timeline.shape == (476, 1280, 3)  # one legend row more
    top, bottom = 56, 476 - 136  # the plot keeps its size
    purple = _near(timeline, COMPARED_CURVES[0])
    assert purple[top:bottom].sum() > 200 and not _near(single, COMPARED_CURVES[0]).any()
    # the second model's curve lies where its scores are: at the height of its score, frame by frame
    for f in second.frames:
        if f.score is None:
            continue
        x = 96 + round(f.time_s / first.video.duration_s * (1280 - 96 - 24))
        y = top + round((1 - f.score) * (bottom - top))
        near = purple[max(y - 6, 0): y + 7, max(x - 6, 0): x + 7] | _near(timeline, CURVE)[
            max(y - 6, 0): y + 7, max(x - 6, 0): x + 7]
        assert near.any(), (f.index, f.score)
    legend = timeline[476 - 12 - 36 - 20: 476 - 12 - 36 + 4]  # the row naming the models
    assert _near(legend, CURVE).sum() > 40 and _near(legend, COMPARED_CURVES[0]).sum() > 40
    assert "other models' curves are drawn in their own colours" in html


def test_without_compared_results_the_report_has_no_comparison(together, tmp_path, log):
    first, _ = together
    files = export_report(tmp_path / "out" / "r.html", first, log=log, heatmaps=False)
    html = Path(files.html).read_text(encoding="utf-8")
    assert "Other models" not in html and "other models" not in html
    assert _png_images(html)[0].shape == (440, 1280, 3)
    assert "comparison" not in json.loads(Path(files.json).read_text(encoding="utf-8"))
    assert "compared" not in log.entries()[-1].data


def test_the_pdf_export_forwards_the_compared_results(together, tmp_path, log):
    from gui.report_pdf import export_pdf

    first, second = together
    files = export_pdf(tmp_path / "out" / "r.pdf", first, compared=[second], html=True, log=log)
    assert Path(files.pdf).read_bytes().startswith(b"%PDF")
    html = Path(files.html).read_text(encoding="utf-8")
    assert "<h2>Other models</h2>" in html and second.model.id in html
    assert "comparison" in json.loads(Path(files.json).read_text(encoding="utf-8"))


@pytest.mark.slow
def test_analyze_with_compare_puts_every_model_in_the_report(tiny_bundle, tiny_seq_bundle, tmp_path):
    import subprocess
    import sys

    from media import astronaut_face_video

    (tmp_path / "evidence").mkdir()
    video = astronaut_face_video(tmp_path / "evidence" / "clip.avi", n=12)
    out = tmp_path / "out"
    r = subprocess.run([sys.executable, str(Path(__file__).resolve().parents[1] / "main.py"), "analyze", str(video),
                        "--model", str(tiny_bundle.path), "--compare", str(tiny_seq_bundle.path),
                        "--json", str(out / "r.json"), "--report", str(out / "r.html")],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    html = (out / "r.html").read_text(encoding="utf-8")
    other = _section(html, "<h2>Other models</h2>")
    assert tiny_bundle.id in other and tiny_seq_bundle.id in other and "(this report)" in other
    doc = json.loads((out / "r.json").read_text(encoding="utf-8"))  # the report's JSON replaced --json's
    assert [x["model"]["id"] for x in doc["comparison"]["results"]] == [tiny_seq_bundle.id]
    assert sorted(p.name for p in out.iterdir()) == ["r.csv", "r.html", "r.json", "r.sha256"]


def test_a_stored_or_partial_compared_result_is_marked_as_such(together, tmp_path, log):
    from dataclasses import replace

    first, second = together
    stored = replace(second, from_cache=True, complete=False)
    html = Path(export_report(tmp_path / "out" / "r.html", first, compared=[stored], log=log).html).read_text(
        encoding="utf-8")
    other = _section(html, "<h2>Other models</h2>")
    assert f"stored result, analysed {stored.finished[:19].replace('T', ' ')} UTC" in other
    assert "PARTIAL: the analysis was cancelled" in other
    assert "they are not independent" in other
