"""Exporting a report: the HTML (and/or PDF) with the JSON and CSV beside it, all hashed.

For ``OUT = /cases/42/report.html`` the folder receives::

    report.json     the analysis result (schema deepfake-inspector/analysis@2), what ``verify`` reads;
                    with ``compared``, the other models' results and their agreement under "comparison"
    report.csv      one row per analysed frame and face
    report.html     the report, self-contained (and/or report.pdf, printed by Qt from the same HTML)
    report.sha256   SHA-256 of each file above, in ``sha256sum -c`` format

None of them is replaced silently: when any exists the export raises :class:`OutputExists`
naming them, and with ``overwrite=True`` the audit entry records the hashes of the files it
replaced, so an earlier entry that names them still explains what happened to them.

The report shows the JSON's and CSV's SHA-256. Before anything is drawn, the evidence is
hashed again: pictures of peak frames are only decoded from a file whose SHA-256 is the
analysed one. Nothing is written in the evidence file's folder. The export is recorded in the
audit log with every file's hash.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from core.errors import OutputExists, OutputNotWritable
from core.forensic import atomic, audit
from core.forensic.integrity import EvidenceHashes, IntegrityCheck, compare, hash_evidence, refuse_beside_evidence
from core.forensic.provenance import annotate
from core.report.html import MAX_THUMBNAILS, ExportedFile, ReportData, render
from core.report.images import COMPARED_CURVES, peak_thumbnails, timeline_png
from core.report.stills_section import exported_stills
from core.result import AnalysisResult, to_csv

# (html, out_path, title, footer) -> None: writes a PDF of the HTML; gui/report_pdf.write_pdf
PdfWriter = Callable[[str, Path, str, str], None]
ProgressFn = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass(frozen=True)
class ReportFiles:
    """What an export wrote: paths (None when not asked for) and every file's SHA-256 by name."""

    html: str | None
    pdf: str | None
    json: str
    csv: str
    manifest: str
    sha256: dict[str, str]
    evidence_check: IntegrityCheck | None  # the evidence as found at export time (None: not found)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _json_bytes(doc: dict) -> bytes:
    # Exactly what core.forensic.atomic.write_json writes, so the hash is the file's.
    return (json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False) + "\n").encode("utf-8")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def report_paths(out: str | os.PathLike, html: bool | None = None) -> dict[str, Path | None]:
    """The files an export to ``out`` writes, by kind (None: not written)."""
    out = Path(out)
    want_pdf = out.suffix.lower() == ".pdf"
    want_html = (not want_pdf) if html is None else html
    stem = out.with_suffix("")
    return {
        "json": stem.with_name(stem.name + ".json"),
        "csv": stem.with_name(stem.name + ".csv"),
        "html": stem.with_name(stem.name + ".html") if want_html else None,
        "pdf": stem.with_name(stem.name + ".pdf") if want_pdf else None,
        "manifest": stem.with_name(stem.name + ".sha256"),
    }


def existing_outputs(out: str | os.PathLike, html: bool | None = None) -> list[Path]:
    return [p for p in report_paths(out, html).values() if p is not None and p.exists()]


def _file_sha(path: Path) -> str:
    from core.forensic.hashing import sha256_file

    return sha256_file(path)


def export_report(
    out: str | os.PathLike,
    result: AnalysisResult,
    *,
    case=None,
    analyst: str | None = None,
    case_number: str | None = None,
    notes: tuple = (),
    bookmarks: tuple = (),
    video_path: str | os.PathLike | None = None,
    card=None,
    html: bool | None = None,
    pdf_writer: PdfWriter | None = None,
    log: audit.AuditLog | None = None,
    progress: ProgressFn | None = None,
    should_cancel: Callable[[], bool] | None = None,
    overwrite: bool = False,
    heatmaps: bool = True,
    own: Iterable[str | os.PathLike] = (),
    robustness: bool = False,
    compared: Sequence[AnalysisResult] = (),
    file_structure=None,
) -> ReportFiles:
    """Write the report files for ``result`` next to ``out`` (``.html`` or ``.pdf``).

    ``case`` (core.forensic.case.Case) supplies case number, title, analyst and this file's notes and
    bookmarks; ``analyst``/``case_number``/``notes``/``bookmarks`` add to or replace them.
    ``video_path``: where the evidence is now (default: the analysed path). ``html``: also write
    the HTML when ``out`` is a PDF (default: only when ``out`` is not .pdf). A PDF needs
    ``pdf_writer`` (gui.report_pdf.write_pdf), which keeps Qt out of core. ``overwrite``: replace
    report files already there (else :class:`OutputExists`); ``own``: files the caller wrote in this
    same run (a --json of the same name), which are replaced without asking (and logged as replaced).
    ``compared``: further models' analyses of the same file (core.analysis.analyze_together): the
    report then lists every model's verdict and, span by span, where they agree (core.agreement);
    the timeline draws their curves and the JSON holds them under "comparison". A result of another
    file (another SHA-256) raises ValueError. ``file_structure``: the file's structure
    (core.filecheck.FileStructure) as the window read it; by default it is read here from the
    evidence found, when that is the analysed file (a tenth of a second for a minute of 720p).
    """
    out = Path(out)
    compared = tuple(compared)
    for other in compared:
        if other.sha256 != result.sha256:
            raise ValueError(f"{other.model.id} analysed another file (SHA-256 {other.sha256[:16]}...), not "
                             f"{result.sha256[:16]}...: a report compares models on one file only")
    if len(compared) > len(COMPARED_CURVES):
        raise ValueError(f"a report compares at most {len(COMPARED_CURVES)} further models")
    want_pdf = out.suffix.lower() == ".pdf"
    if want_pdf and pdf_writer is None:
        raise ValueError("a PDF report needs a pdf_writer (gui.report_pdf.write_pdf)")
    video = Path(video_path) if video_path is not None else Path(result.video.path)
    paths = report_paths(out, html)
    refuse_beside_evidence(out, [result.video.path, video])
    present = existing_outputs(out, html)
    mine = {Path(p).resolve() for p in own}
    earlier = [p for p in present if p.resolve() not in mine]
    if earlier and not overwrite:
        names = ", ".join(p.name for p in earlier)
        raise OutputExists(f"{names} already exist{'s' if len(earlier) == 1 else ''} in {out.parent}. Choose "
                           "another name, or replace them (their hashes are then kept in the audit log).",
                           tuple(str(p) for p in earlier))
    replaced = {p.name: _file_sha(p) for p in present if p.is_file()}
    step = progress or (lambda *_: None)

    # Who and what: case details, then explicit arguments.
    sha = result.sha256
    if case is not None:
        analyst = analyst or case.analyst
        case_number = case_number or case.case_number
        notes = tuple(case.notes_for(sha)) + tuple(notes)
        bookmarks = tuple(case.bookmarks_for(sha)) + tuple(bookmarks)
    result = annotate(result, card=card if "model_card" not in result.provenance else None,
                      analyst=analyst or None, case_number=case_number or None)

    # The evidence as it is now.
    step("hashing evidence", 0, 1)
    prov_ev = result.provenance.get("evidence")
    before = EvidenceHashes.from_json(prov_ev) if prov_ev else EvidenceHashes(
        result.video.path, result.video.size_bytes, 0, sha)
    algos = list(before.digests())
    if video.is_file():
        now = hash_evidence(video, algos, progress=lambda d, t: step("hashing evidence", d, t),
                            should_cancel=should_cancel)
        check = compare(before, now)
        if not prov_ev:  # no modification time was recorded: compare content and size only
            check = IntegrityCheck(before, now, tuple(c for c in check.changes if not c.startswith("Modification")))
    else:
        check = compare(before, None)
    same_file = check.content_unchanged

    # Pictures.
    step("drawing", 0, 1)
    bm_frames = [b.frame for b in bookmarks]
    timeline = timeline_png(result, bm_frames, compared=compared)
    thumbs, note = {}, ""
    if not result.segments:
        pass
    elif not video.is_file():
        note = f"No pictures: the evidence file is not at {video}."
    elif not same_file:
        note = "No pictures: the file found is not the analysed file (its hash differs)."
    else:
        top = sorted(result.segments, key=lambda s: -s.peak)[:MAX_THUMBNAILS]
        explain, why_not = _explainer(result) if heatmaps else (None, "")
        thumbs = peak_thumbnails(video, result, [s.peak_frame for s in top], should_cancel=should_cancel,
                                 explain=explain)
        missing = len(top) - sum(1 for s in top if s.peak_frame in thumbs)
        said = [f"Pictures for the {MAX_THUMBNAILS} most suspicious of {len(result.segments)} segments."
                if len(result.segments) > MAX_THUMBNAILS else "",
                f"{missing} peak frame(s) could not be decoded again." if missing else "", why_not]
        note = " ".join(x for x in said if x)
    probe_report = _robustness(result, video, should_cancel) if robustness and same_file and result.segments \
        else None
    structure, structure_note = _structure(file_structure, video, same_file)

    # The data files, then the report that names their hashes.
    step("writing", 0, 1)
    doc = result.to_json()
    agreed = None
    if compared:
        from core.agreement import agreement

        agreed = agreement([result, *compared])
        doc["comparison"] = {"results": [r.to_json() for r in compared], "agreement": agreed.to_json()}
    if structure is not None:
        doc["file_structure"] = structure.to_json()
    json_bytes = _json_bytes(doc)
    csv_bytes = to_csv(result).encode("utf-8")
    hashes = {paths["json"].name: _sha(json_bytes), paths["csv"].name: _sha(csv_bytes)}
    exports = (
        ExportedFile(paths["json"].name, "analysis result, every frame's scores (JSON; input of verify)"
                     + ("; the other models' results and their agreement under \"comparison\"" if compared else ""),
                     hashes[paths["json"].name]),
        ExportedFile(paths["csv"].name, "one row per analysed frame and face (CSV)", hashes[paths["csv"].name]),
    )
    log = log or audit.default_log()
    from core.version import app_version

    data = ReportData(
        result=result,
        generated=_now(),
        case_number=case_number or "",
        case_title=getattr(case, "title", "") if case is not None else "",
        analyst=analyst or "",
        evidence=prov_ev,
        integrity=result.provenance.get("integrity"),
        export_check=check.to_json(),
        notes=tuple(notes),
        bookmarks=tuple(bookmarks),
        exports=exports,
        timeline_png=timeline,
        thumbnails=thumbs,
        thumbnails_note=note,
        audit_head=log.head(),
        app_version=app_version(),
        verify_command=f'python main.py verify "{paths["json"].name}" "{video.name}"',
        robustness=probe_report,
        compared=compared,
        agreement=agreed,
        file_structure=structure,
        file_structure_note=structure_note,
        stills=tuple(exported_stills(log, sha)),
    )
    text = render(data)
    atomic.write_bytes(paths["json"], json_bytes)
    atomic.write_bytes(paths["csv"], csv_bytes)
    if paths["html"] is not None:
        html_bytes = text.encode("utf-8")
        atomic.write_bytes(paths["html"], html_bytes)
        hashes[paths["html"].name] = _sha(html_bytes)
    if paths["pdf"] is not None:
        footer = f"Case {case_number or '-'}  |  {video.name}  |  SHA-256 {sha[:16]}..."
        hashes[paths["pdf"].name] = _write_pdf(pdf_writer, text, paths["pdf"], f"Report: {video.name}", footer)
    manifest = "".join(f"{h}  {name}\n" for name, h in hashes.items())
    atomic.write_text(paths["manifest"], manifest)
    log.append(audit.REPORT_EXPORTED, path=str((paths["html"] or paths["pdf"]).resolve()),
               format="+".join(k for k in ("html", "pdf") if paths[k] is not None),
               evidence_sha256=sha, evidence_unchanged=same_file, model_sha256=result.model.sha256,
               verdict=result.verdict.label, files=hashes, manifest_sha256=_sha(manifest.encode("utf-8")),
               replaced=replaced,
               **({"compared": [{"model_id": r.model.id, "model_sha256": r.model.sha256, "verdict": r.verdict.label}
                                for r in compared]} if compared else {}))
    step("done", 1, 1)
    return ReportFiles(
        html=str(paths["html"]) if paths["html"] else None,
        pdf=str(paths["pdf"]) if paths["pdf"] else None,
        json=str(paths["json"]),
        csv=str(paths["csv"]),
        manifest=str(paths["manifest"]),
        sha256=hashes,
        evidence_check=check,
    )


def _structure(given, video: Path, same_file: bool):
    """The file's structure for the report and a note on where it comes from (or why it is missing)."""
    if not video.is_file():
        return None, f"Not read: the evidence file is not at {video}."
    if not same_file:
        return None, "Not read: the file found is not the analysed file (its hash differs)."
    if given is not None:
        if Path(given.path).resolve() != video.resolve():
            return None, "Not shown: the structure at hand was read from another path than the evidence's."
        return given, ""
    from core.errors import InspectorError
    from core.filecheck import inspect_file

    try:
        return inspect_file(video), ""
    except (InspectorError, ImportError, OSError) as exc:  # the report is still written, saying why
        return None, f"The file's structure could not be read: {type(exc).__name__}: {exc}"


def _robustness(result: AnalysisResult, video: Path, should_cancel):
    """The robustness probe with the analysing model, or None when that model is not installed."""
    from core.errors import InspectorError
    from core.models.bundle import resolve
    from core.models.scorer import Scorer
    from core.robustness import probe

    try:
        info = resolve(result.model.id)
        if info.card.kind != "frame" or info.weights_sha256() != result.model.sha256:
            return None
        return probe(result, video, Scorer(info).score_crops, info.card.input_size, should_cancel=should_cancel)
    except InspectorError:
        return None


def _explainer(result: AnalysisResult):
    """(face heatmap function, "") for the analysing model, or (None, why there are no heatmaps)."""
    from core.errors import InspectorError
    from core.explain import GradCam, overlay
    from core.faces import crop_face
    from core.models.bundle import resolve

    try:
        info = resolve(result.model.id)
        if info.card.kind != "frame":
            return None, ""
        if info.weights_sha256() != result.model.sha256:
            return None, (f"No heatmaps: the installed {result.model.id} is not the model that analysed "
                          "(its weights' SHA-256 differs).")
        cam = GradCam(info)
    except InspectorError as exc:
        return None, f"No heatmaps: {exc}"
    card = info.card

    def explain(rgb, box):
        crop = crop_face(rgb, box, card.face_margin, card.input_size)
        return overlay(crop, cam(crop).cam)

    return explain, ""


def _write_pdf(writer: PdfWriter, text: str, path: Path, title: str, footer: str) -> str:
    """Print to a temporary file in the same folder, then rename: never half a PDF."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        writer(text, tmp, title, footer)
        data = tmp.read_bytes()
        if not data.startswith(b"%PDF"):
            raise OutputNotWritable(f"The PDF printer produced no PDF for {path.name}.")
        os.replace(tmp, path)
    except OSError as exc:
        raise OutputNotWritable(f"Cannot write {path}: {exc.strerror}.") from exc
    finally:
        tmp.unlink(missing_ok=True)
    return _sha(data)
