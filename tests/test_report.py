"""Reports: the HTML holds what an analyst must be able to check; the PDF is printed and renders;
the evidence is untouched by analysis and export; nothing is written beside it."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
from pathlib import Path

import cv2
import numpy as np
import pytest

from core.analysis import AnalysisParams, Engine
from core.errors import OutputBesideEvidence, OutputExists
from core.forensic import audit
from core.forensic import case as cs
from core.forensic.integrity import check_unchanged, hash_evidence
from core.forensic.provenance import annotate
from core.report import export_report
from core.report.images import THRESH
from core.timecode import format_time as timecode


@pytest.fixture
def analysed(tiny_bundle, colour_detector, evidence):
    """(result annotated as the command line does, case with notes and a bookmark)."""
    before = hash_evidence(evidence, ["md5", "sha1"])
    engine = Engine(tiny_bundle, detector=colour_detector)
    # a threshold under every score: every scored frame is suspicious, so segments exist
    r = engine.analyze(evidence, AnalysisParams(threshold=0.05, detect_every=3), use_cache=False)
    r = annotate(r, evidence=before, integrity=check_unchanged(before), analyst="A. Analyst", case_number="2025-0042")
    c = cs.add_evidence(cs.new_case("2025-0042", "A. Analyst", "Exhibit 7"), evidence, before)
    c, _ = cs.add_note(c, r.sha256, "Mouth flickers <b>here</b>", 3, 9)
    c, _ = cs.add_bookmark(c, r.sha256, 12, "face & box")
    return r, c


def _png_images(html: str) -> list[np.ndarray]:
    out = []
    for b64 in re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html):
        img = cv2.imdecode(np.frombuffer(base64.b64decode(b64), np.uint8), cv2.IMREAD_COLOR)
        assert img is not None
        out.append(cv2.cvtColor(img, cv2.COLOR_BGR2RGB))
    return out


def test_html_report_holds_hashes_model_parameters_and_segments(analysed, evidence, tmp_path, log):
    r, c = analysed
    assert len(r.segments) == 2  # frames 0-19 and 25-29 around the faceless 20-24
    files = export_report(tmp_path / "out" / "exhibit7.html", r, case=c, log=log)
    html = open(files.html, encoding="utf-8").read()
    ev = r.provenance["evidence"]
    for value in (r.sha256, ev["md5"], ev["sha1"], r.model.sha256, r.model.id, "2025-0042", "A. Analyst",
                  "Exhibit 7"):
        assert value in html
    for name, value in r.params.items():  # every parameter, with its value
        if name == "segments":
            for sk, sv in value.items():
                assert f"segments.{sk}</td><td class=\"mono\">{sv}<" in html
        else:
            assert f">{name}</td><td class=\"mono\">{'null' if value is None else value}<" in html
    for s in r.segments:
        assert f"{s.start_frame}-{s.end_frame}" in html and timecode(s.start_s) in html
        assert f"{s.peak:.3f}" in html
    # the files beside it, named with their real hashes
    for p in (files.json, files.csv):
        sha = hashlib.sha256(open(p, "rb").read()).hexdigest()
        assert os.path.basename(p) in html and sha in html and files.sha256[os.path.basename(p)] == sha
    # notes and bookmarks, escaped
    assert "Mouth flickers &lt;b&gt;here&lt;/b&gt;" in html and "face &amp; box" in html
    # the verdict in words, and its limits
    assert "Indications of face manipulation" in html and "not proof" in html and "Limits of this result" in html
    # self-contained: nothing to fetch, nothing to run
    assert "<script" not in html.lower() and not re.search(r'(src|href)="(?!data:)', html)
    assert "default-src 'none'" in html


def test_html_pictures_are_the_timeline_and_boxed_peak_frames(analysed, tmp_path, log):
    r, c = analysed
    files = export_report(tmp_path / "out" / "r.html", r, case=c, log=log, heatmaps=False)
    imgs = _png_images(open(files.html, encoding="utf-8").read())
    timeline, frames = imgs[0], imgs[1:]
    assert timeline.shape == (440, 1280, 3)
    assert len(frames) == 2 * len(r.segments)  # each segment: the frame with boxes, and the face enlarged
    for s, (frame, face) in zip(r.segments, zip(frames[::2], frames[1::2], strict=True), strict=True):
        assert frame.shape == (120, 160, 3) and face.shape == (160, 160, 3)
        fr = next(f for f in r.frames if f.index == s.peak_frame)
        x0, y0, x1, y1 = fr.faces[0].box
        edge = frame[(y0 + y1) // 2, x0].astype(int)  # the left edge of the box, half way down
        assert np.abs(edge - np.array(THRESH)).max() <= 12, edge


def test_each_peak_face_has_the_analysing_models_heatmap_beside_it(analysed, tiny_bundle, tmp_path, log,
                                                                   monkeypatch):
    import shutil

    from core import paths

    monkeypatch.setenv("DFI_HOME", str(tmp_path / "home"))  # a user with no models of their own
    r, c = analysed
    plain = open(export_report(tmp_path / "a" / "r.html", r, case=c, log=log).html, encoding="utf-8").read()
    assert "No heatmaps" in plain  # the tiny model is not installed where the app looks for models
    shutil.copytree(tiny_bundle.path, paths.user_models_dir() / tiny_bundle.id)
    html = open(export_report(tmp_path / "b" / "r.html", r, case=c, log=log).html, encoding="utf-8").read()
    imgs = _png_images(html)[1:]
    assert len(imgs) == 3 * len(r.segments)  # frame, face, heatmap
    for face, heat in zip(imgs[1::3], imgs[2::3], strict=True):
        assert heat.shape == (160, 160, 3) and not np.array_equal(face, heat)
    assert "not a map of manipulated pixels" in html and "No heatmaps" not in html
    off = open(export_report(tmp_path / "c" / "r.html", r, case=c, log=log, heatmaps=False).html,
               encoding="utf-8").read()
    assert len(_png_images(off)) == 1 + 2 * len(r.segments)


def test_a_report_can_say_which_findings_survive_re_encoding(analysed, tiny_bundle, tmp_path, log, monkeypatch):
    import shutil

    from core import paths

    monkeypatch.setenv("DFI_HOME", str(tmp_path / "home"))
    shutil.copytree(tiny_bundle.path, paths.user_models_dir() / tiny_bundle.id)
    r, c = analysed
    html = open(export_report(tmp_path / "a" / "r.html", r, case=c, log=log, robustness=True).html,
                encoding="utf-8").read()
    part = html[html.index("Robustness of the findings"):]
    part = part[: part.index("</table>")]
    assert part.count("<tr><td>") == len(r.segments) and "JPEG quality 70" in part
    assert all(word in part for word in ("jpeg40", "quarter", "blur")) and ("stable" in part or "fragile" in part)
    plain = open(export_report(tmp_path / "b" / "r.html", r, case=c, log=log).html, encoding="utf-8").read()
    assert "Robustness of the findings" not in plain  # asked for, not by default


def test_manifest_lists_every_file_in_sha256sum_format(analysed, tmp_path, log):
    r, c = analysed
    files = export_report(tmp_path / "out" / "r.html", r, case=c, log=log)
    lines = open(files.manifest).read().splitlines()
    names = [line.split("  ", 1)[1] for line in lines]
    assert names == ["r.json", "r.csv", "r.html"]
    for line in lines:
        sha, name = line.split("  ", 1)
        assert hashlib.sha256((tmp_path / "out" / name).read_bytes()).hexdigest() == sha
    e = log.entries()[-1]
    assert e.event == audit.REPORT_EXPORTED and e.data["files"] == files.sha256 and e.data["evidence_unchanged"]


def test_evidence_bytes_and_mtime_unchanged_by_analysis_and_export(tiny_bundle, colour_detector, evidence, tmp_path,
                                                                    log):
    data, st = evidence.read_bytes(), evidence.stat()
    listing = sorted(p.name for p in evidence.parent.iterdir())
    r = Engine(tiny_bundle, detector=colour_detector).analyze(evidence, AnalysisParams(threshold=0.05),
                                                              use_cache=False)
    export_report(tmp_path / "out" / "r.html", r, log=log)
    from gui.report_pdf import export_pdf

    export_pdf(tmp_path / "pdf" / "r.pdf", r, log=log)
    assert evidence.read_bytes() == data
    after = evidence.stat()
    assert (after.st_mtime_ns, after.st_size) == (st.st_mtime_ns, st.st_size)
    assert sorted(p.name for p in evidence.parent.iterdir()) == listing  # nothing written beside it


def test_export_beside_the_evidence_is_refused(analysed, evidence, log):
    r, _ = analysed
    with pytest.raises(OutputBesideEvidence):
        export_report(evidence.parent / "report.html", r, log=log)
    assert sorted(p.name for p in evidence.parent.iterdir()) == ["exhibit7.avi"]


def test_report_on_a_changed_file_says_so_and_draws_no_pictures_from_it(analysed, evidence, tmp_path, log):
    r, c = analysed
    with open(evidence, "r+b") as fh:
        fh.seek(200)
        fh.write(b"\xff\x00")
    files = export_report(tmp_path / "out" / "r.html", r, case=c, log=log)
    html = open(files.html, encoding="utf-8").read()
    assert not files.evidence_check.content_unchanged
    assert "does not match the analysed file" in html and "CHANGED" in html
    assert "No pictures: the file found is not the analysed file" in html
    assert len(_png_images(html)) == 1  # the timeline only
    assert log.entries()[-1].data["evidence_unchanged"] is False


def test_the_model_section_states_the_card_in_plain_rows_not_its_raw_json(analysed, tmp_path, log):
    """The shipped detector's card carries paths, commands and per-epoch history: the report shows
    what the model was trained and measured on, its calibration and its limits, not those."""
    import json
    from pathlib import Path

    models = Path(__file__).resolve().parents[1] / "models"
    default = (models / "default_model.txt").read_text().strip()
    card = json.loads((models / default / "card.json").read_text())
    from dataclasses import replace

    r, c = analysed
    r = replace(r, provenance={**r.provenance, "model_card": card})
    html = open(export_report(tmp_path / "m" / "r.html", r, case=c, log=log).html, encoding="utf-8").read()
    model = html[html.index(">Model</h2>"):html.index("<h2", html.index(">Model</h2>"))]
    assert "Trained on" in model and "real / 0 fake files" in model and "self-blended" in model
    assert f"frame AUC {card['metrics']['val_auc']:.3f}" in model
    v = card["metrics"]["unseen_sources"]["by_source"]["celebdf_pairs/original"]["video"]
    assert f"celebdf_pairs/original: {v['auc']:.2f} [{v['low']:.2f}, {v['high']:.2f}] ({v['real']} real, " \
           f"{v['fake']} fake)" in model
    assert "platt scaling" in model and card["limits"][0].split(";")[0] in model
    for internal in ("eval_unseen.py", "/tmp/dfi", "file_list_sha256", "history", "{&#34;", '{"'):
        assert internal not in model, internal


def test_an_earlier_export_is_never_replaced_silently(analysed, tmp_path, log):
    """A PDF export under an HTML report's name writes the same JSON, CSV and .sha256: refused, the
    earlier files untouched; replacing them on purpose logs the hashes of what was replaced."""
    from gui.report_pdf import export_pdf

    r, c = analysed
    first = export_report(tmp_path / "out" / "r.html", r, case=c, log=log)
    before = {name: (tmp_path / "out" / name).read_bytes() for name in os.listdir(tmp_path / "out")}
    entries = len(log.entries())
    with pytest.raises(OutputExists, match="r.json, r.csv, r.html, r.sha256 already exist in") as exc:
        export_pdf(tmp_path / "out" / "r.pdf", r, case=c, html=True, log=log)
    assert len(exc.value.paths) == 4
    assert {name: (tmp_path / "out" / name).read_bytes() for name in os.listdir(tmp_path / "out")} == before
    assert len(log.entries()) == entries
    again = export_pdf(tmp_path / "out" / "r.pdf", r, case=c, html=True, log=log, overwrite=True)
    entry = log.entries()[-1]
    assert entry.event == audit.REPORT_EXPORTED
    assert entry.data["replaced"] == {name: first.sha256[name] for name in ("r.json", "r.csv", "r.html")} | {
        "r.sha256": hashlib.sha256(before["r.sha256"]).hexdigest()}
    assert again.pdf is not None


def test_pdf_report_is_printed_by_qt(analysed, tmp_path, log):
    from gui.report_pdf import export_pdf

    r, c = analysed
    files = export_pdf(tmp_path / "out" / "r.pdf", r, case=c, html=True, log=log)
    data = open(files.pdf, "rb").read()
    assert data.startswith(b"%PDF") and data.rstrip().endswith(b"%%EOF") and len(data) > 20_000
    assert len(re.findall(rb"/Type\s*/Page\b(?!s)", data)) >= 3  # summary; timeline and segments; model
    assert b"pdfaid:part" in data  # PDF/A-1b metadata, for archiving
    assert files.sha256["r.pdf"] == hashlib.sha256(data).hexdigest() and files.html is not None
    assert sorted(os.listdir(tmp_path / "out")) == ["r.csv", "r.html", "r.json", "r.pdf", "r.sha256"]


def test_pdf_report_renders_with_the_report_text(analysed, tmp_path, log):
    pdfium = pytest.importorskip("pypdfium2", reason="pypdfium2 (dev extra) renders the PDF; QtPdf is not in "
                                                    "PySide6-Essentials")
    from gui.report_pdf import export_pdf

    r, c = analysed
    files = export_pdf(tmp_path / "out" / "r.pdf", r, case=c, log=log)
    doc = pdfium.PdfDocument(files.pdf)
    assert len(doc) >= 3  # summary, timeline and segments, model and provenance
    text = "".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))
    for value in ("Deepfake Inspector: analysis report", "2025-0042", r.model.id, r.sha256[:16],
                  f"page 1 of {len(doc)}", "Suspicious segments"):
        assert value in text
    page = doc[0].render(scale=1.0).to_numpy()
    assert page.shape[0] > page.shape[1] > 500  # A4 portrait
    ink = (page[..., :3] < 128).any(axis=2).mean()
    assert 0.01 < ink < 0.5, ink  # text on a white page
    # the timeline page carries the plot's colours (the curve's blue)
    blue = [(np.abs(doc[i].render(scale=1.0, rev_byteorder=True).to_numpy()[..., :3].astype(int)
                    - np.array([13, 71, 161])).max(axis=2) < 40).sum() for i in range(len(doc))]
    assert max(blue) > 200, blue



_CARDS = sorted((Path(__file__).resolve().parents[1] / "models").glob("*/card.json"))  # a new bundle's too


def _card_cases():
    for p in _CARDS:
        card = json.loads(p.read_text(encoding="utf-8"))
        data, metrics = card.get("training", {}).get("data"), card.get("metrics", {})
        expected = [" real / "] if isinstance(data, dict) and data.get("counts") else []
        expected += ["Unseen sources (video AUC)"] if metrics.get("unseen_sources", {}).get("by_source") else []
        expected += ["scaling fitted on"] if card.get("calibration") else []
        yield pytest.param(card, expected, id=p.parent.name)
    odd = {"training": {"data": "free text", "self_blend": True, "epochs_run": "3"}, "limits": [{"a": 1}, 2],
           "metrics": {"val_auc": "high", "val_n": None, "unseen_sources": {"by_source": ["a"]}}}
    yield pytest.param(odd, ["(not recorded)"], id="odd-shapes")
    flat = {"training": {"data": {"counts": {"train": {"real": 5, "fake": "?"}, "test": 1}}}}
    yield pytest.param(flat, ["train: 5 real / 0 fake files"], id="flat-counts")
    averaged = {"training": {"data": {"counts": {"train": {"real": 5, "fake": 5}}}, "epochs_run": 10,
                             "best_epoch": 7, "weights_averaged": {"from_epoch": 5, "to_epoch": 9, "epochs": 5}}}
    yield pytest.param(averaged, ["10 epochs, epochs 5-9 averaged"], id="averaged-weights")


@pytest.mark.parametrize(("card", "expected"), list(_card_cases()))
def test_every_card_the_loader_accepts_renders_as_the_analysis_records_it(card, expected):
    """A card reaches the report through provenance.model_summary, which cuts deep parts short: the
    shipped card's training counts arrived as the string "(dict)" and every --report failed."""
    from types import SimpleNamespace

    from core.forensic.provenance import model_summary
    from core.models.bundle import parse_card
    from core.report.html import _model

    base = {"name": "m", "architecture": "tiny_cnn", "kind": "frame", "input_size": 32, "preprocessing": "scale_0_1"}
    summary = model_summary(parse_card({**base, **card}, "test"))
    model = SimpleNamespace(name="m", id="m", architecture="tiny_cnn", kind="frame", sha256="0" * 64,
                            output="p_fake", threshold=0.5)
    html = _model(SimpleNamespace(result=SimpleNamespace(model=model, provenance={"model_card": summary})))
    assert "Trained on" in html
    for text in expected:
        assert text in html
