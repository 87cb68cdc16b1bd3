"""The analysis report as one self-contained HTML document.

No scripts, no links to fetch, no web fonts: pictures are embedded as ``data:`` PNGs and a
Content-Security-Policy forbids loading anything else, so the report opens offline in any
browser and shows the same thing everywhere. The same HTML is what Qt prints to PDF
(gui/report_pdf.py), so it keeps to what Qt's rich text understands: tables, headings,
paragraphs, inline images, simple CSS.
"""

from __future__ import annotations

import base64
import html
import json
import re
from dataclasses import dataclass, field
from typing import Any

from core.decide import coverage_text, segments_caveat, verdict_text
from core.explain import NOTE as HEATMAP_NOTE
from core.report.file_section import render_file_section
from core.report.images import STATUS_WORDS, Thumbnail
from core.report.stills_section import render_stills
from core.result import DECODE_ERROR, FACE_TOO_SMALL, NO_FACE, SCORED, AnalysisResult
from core.timecode import format_time
from core.wording import kept_weights

MAX_THUMBNAILS = 40  # segments shown with a picture (the most suspicious); all are listed


@dataclass(frozen=True)
class ExportedFile:
    name: str  # file name, beside the report
    role: str  # what it holds
    sha256: str


@dataclass(frozen=True)
class ReportData:
    """Everything a report shows, gathered by core/report/export.py."""

    result: AnalysisResult
    generated: str  # UTC ISO time
    case_number: str = ""
    case_title: str = ""
    analyst: str = ""
    evidence: dict[str, Any] | None = None  # EvidenceHashes.to_json() taken before the analysis
    integrity: dict[str, Any] | None = None  # IntegrityCheck.to_json() after the analysis
    export_check: dict[str, Any] | None = None  # IntegrityCheck.to_json() at report time
    notes: tuple = ()  # core.forensic.case.Note
    bookmarks: tuple = ()  # core.forensic.case.Bookmark
    exports: tuple[ExportedFile, ...] = ()
    timeline_png: bytes = b""
    thumbnails: dict[int, Thumbnail] = field(default_factory=dict)
    thumbnails_note: str = ""  # why some or all pictures are missing
    audit_head: dict[str, Any] | None = None
    app_version: str = ""
    verify_command: str = ""
    robustness: Any = None  # core.robustness.RobustnessReport, when asked for
    compared: tuple[AnalysisResult, ...] = ()  # further models' analyses of the same file
    agreement: Any = None  # core.agreement.Agreement of result and compared (None: nothing compared)
    file_structure: Any = None  # core.filecheck.FileStructure of the file found at report time
    file_structure_note: str = ""  # why it is missing, or what it was read from
    stills: tuple = ()  # frames and face crops exported from this file (core.report.stills_section)


def esc(v: Any) -> str:
    return html.escape("" if v is None else str(v), quote=True)


def _img(png: bytes, alt: str, width: int | None = None) -> str:
    w = f' width="{width}"' if width else ""
    return f'<img src="data:image/png;base64,{base64.b64encode(png).decode("ascii")}" alt="{esc(alt)}"{w}>'


def _score(v: float | None, digits: int = 3) -> str:
    return "n/a" if v is None else f"{v:.{digits}f}"


def _kv(rows: list[tuple[str, Any]], mono: set[str] = frozenset()) -> str:
    out = ['<table class="kv" cellspacing="0" cellpadding="4" width="100%">']
    for k, v in rows:
        cls = ' class="mono"' if k in mono else ""
        out.append(f'<tr><th width="30%">{esc(k)}</th><td{cls}>{v if isinstance(v, Markup) else esc(v)}</td></tr>')
    out.append("</table>")
    return "\n".join(out)


class Markup(str):
    """Already-escaped HTML."""


# --- the verdict, in words ------------------------------------------------------------------

HEADLINES = {
    "fake": "Indications of face manipulation",
    "real": "No indication of face manipulation found",
    "inconclusive": "Inconclusive",
    "no_face": "No face could be analysed",
}
COLOURS = {"fake": "#b71c1c", "real": "#1b5e20", "inconclusive": "#8d6e00", "no_face": "#424242"}


def verdict_meaning(result: AnalysisResult) -> str:
    v = result.verdict
    thr = result.threshold
    if v.strategy == "majority" and v.score is not None:
        basis = (f"{v.score:.0%} of the {v.frames_scored} scored frames are at or above the frame threshold "
                 f"{thr:.2f}; the majority rule decides at 50%")
    elif v.score is not None:
        basis = (f"the {v.strategy} score over {v.frames_scored} scored frames is {v.score:.3f}, "
                 f"against a decision threshold of {v.threshold:.2f}")
    else:
        basis = ""
    if v.label == "fake":
        return (f"The model's result is above its threshold: {basis}. The faces analysed resemble the "
                "manipulated faces in the model's training data. This is an indication that calls for "
                "closer examination by an expert, not proof that the video was manipulated.")
    if v.label == "real":
        return (f"The model's result is below its threshold: {basis}. The model found none of the signs "
                "of manipulation it has learned. This does not prove that the video is authentic: "
                "manipulation methods unlike those in its training data, heavy compression, low resolution "
                "or unusual faces can go undetected.")
    if v.label == "inconclusive":
        extra = f" ({basis})" if basis else ""
        why = v.reason or "the score is too close to the threshold"
        return (f"The analysis supports no conclusion either way: {why}{extra}. Examine the "
                "timeline and the segments below; do not read this as 'real'.")
    return ("No frame had a face that could be scored, so the model says nothing about this video. Faces may "
            "be absent, too small, turned away, or missed by the face detector. This is not a finding that "
            "the video is authentic.")


def general_limits(result: AnalysisResult) -> list[str]:
    p = result.params
    out = [
        "Scores are the output of a statistical model: a number between 0 and 1 that rises with how much a "
        "face resembles the manipulated faces the model was trained on. A score is not the probability that "
        "this video was manipulated, and not a measure of certainty.",
        "Only faces are examined. The rest of the picture, the sound, the file's metadata and its history are not.",
        "The model's measured performance (see Model) applies to its test data. How well it does on this video "
        "depends on how similar the video is to that data: source, compression, resolution, lighting, pose.",
        f"{_sampling(p)} Frames without a score are counted by reason below; they carry no score, not a "
        "default one.",
    ]
    if not result.complete:
        out.insert(0, "THE ANALYSIS WAS STOPPED BEFORE THE END OF THE VIDEO. The verdict covers only the frames "
                      "analysed up to that point.")
    elif result.coverage is not None and not result.coverage.read_to_end:
        out.insert(0, "THE FILE COULD NOT BE READ TO ITS END (it is truncated or damaged). " + coverage_text(
            result.coverage) + " Nothing is known of the frames that could not be read.")
    return out


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _sampling(p: dict[str, Any]) -> str:
    every, det = p.get("every", 1), p.get("detect_every", 1)
    first = "Every frame was analysed" if every == 1 else f"One frame in {every} was analysed"
    if det == 1:
        return f"{first}, with face detection on each."
    return (f"{first}; faces were detected on every {ordinal(int(det))} analysed frame and followed by a "
            "tracker in between.")


# --- sections -------------------------------------------------------------------------------

PAGE_BREAK = ' style="page-break-before: always"'  # in print (PDF, a browser's print); not on screen

CSS = """
body { font-family: 'DejaVu Sans', 'Segoe UI', Arial, sans-serif; font-size: 10pt; color: #212529;
       margin: 0; padding: 0; }
@media screen { body { max-width: 60em; margin: 1.5em auto; padding: 0 1em; } }
h1 { font-size: 17pt; margin: 0 0 4pt 0; }
h2 { font-size: 13pt; margin: 18pt 0 6pt 0; padding-bottom: 2pt; border-bottom: 1px solid #adb5bd;
     color: #1a237e; }
h3 { font-size: 11pt; margin: 10pt 0 4pt 0; }
p { margin: 4pt 0; }
table { border-collapse: collapse; margin: 4pt 0; }
th { text-align: left; vertical-align: top; background-color: #f1f3f5; font-weight: bold; }
td { vertical-align: top; }
table.grid th, table.grid td, table.kv th, table.kv td { border: 1px solid #ced4da; }
.mono { font-family: 'DejaVu Sans Mono', Consolas, monospace; font-size: 9pt; }
.small { font-size: 8.5pt; color: #495057; }
.warn { color: #b71c1c; font-weight: bold; }
.ok { color: #1b5e20; font-weight: bold; }
.num { text-align: right; }
"""


def _header(d: ReportData) -> str:
    r = d.result
    rows = [
        ("Case number", d.case_number or "(not given)"),
        ("Case", d.case_title or "(not given)"),
        ("Analyst", d.analyst or "(not given)"),
        ("Evidence file", r.video.path.replace("\\", "/").rsplit("/", 1)[-1]),
        ("Report generated", d.generated + " (UTC)"),
        ("Produced by", f"Deepfake Inspector {d.app_version}"),
    ]
    return f"<h1>Deepfake Inspector: analysis report</h1>\n{_kv(rows)}"


def _decided_by(r: AnalysisResult) -> str:
    """Which face decided the verdict, when the video has more than one."""
    tracks = [t for t in r.tracks if t.verdict is not None]
    if r.verdict.track is None or len(tracks) < 2:
        return ""
    each = "; ".join(f"track {t.track}: {t.verdict.label.replace('_', ' ')}" for t in tracks)
    return (f"Each face is decided on its own frames and the video takes its most suspicious face, track "
            f"{r.verdict.track}, so a manipulated face is not averaged away by others ({each}).")


def _verdict(d: ReportData) -> str:
    r, v = d.result, d.result.verdict
    colour = COLOURS.get(v.label, "#212529")
    head = HEADLINES.get(v.label, v.label)
    parts = ["<h2>Finding</h2>",
             f'<table cellpadding="8" width="100%" style="border: 2px solid {colour};"><tr><td>'
             f'<p style="font-size: 14pt; font-weight: bold; color: {colour};">{esc(head)}</p>'
             f'<p>Verdict <b>{esc(verdict_text(v, r.coverage))}</b>, score <b>{_score(v.score)}</b>, '
             f"threshold {v.threshold:.2f}, strategy <b>{esc(v.strategy)}</b>, {v.frames_scored} frames scored, "
             f"{len(r.segments)} suspicious segment(s).</p>"
             + (f"<p>{esc(_decided_by(r))}</p>" if _decided_by(r) else "")
             + (f'<p class="warn">{esc(coverage_text(r.coverage))}</p>'
                if r.coverage is not None and not r.coverage.whole else "")
             + f"<p>{esc(verdict_meaning(r))}</p>"
             + (f'<p class="warn">{esc(segments_caveat(r))}</p>' if segments_caveat(r) else "")
             + "</td></tr></table>"]
    warnings = list(r.warnings)
    chk = d.export_check
    if chk is not None and not chk.get("content_unchanged", False):
        warnings.insert(0, "The evidence file examined when this report was made does not match the analysed file: "
                           + " ".join(chk.get("changes", [])))
    integ = d.integrity
    if integ is not None and not integ.get("content_unchanged", True):
        warnings.insert(0, "The evidence file CHANGED during the analysis: " + " ".join(integ.get("changes", [])))
    if warnings:
        parts.append("<h3>Warnings</h3><ul>" + "".join(f'<li class="warn">{esc(w)}</li>' for w in warnings) + "</ul>")
    parts.append("<h3>Limits of this result</h3><ul>")
    parts += [f"<li>{esc(x)}</li>" for x in general_limits(r)]
    for lim in _list(_obj(r.provenance.get("model_card")).get("limits")):
        parts.append(f"<li>Model card: {esc(lim)}</li>")
    parts.append("</ul>")
    return "\n".join(parts)


# --- other models ----------------------------------------------------------------------------

AGREEMENT_MEANING = (
    "Each model is judged against its own threshold, the one calibrated for it on its model card (or the one set "
    "for this analysis, where the table says so). The scores of different models are not on one scale: a score "
    "is compared with its own model's threshold only.",
    "Models that reach the same finding corroborate each other. That is not proof, and they are not independent: "
    "they score the faces one face detector found and one tracker followed, so a face it missed or a false face "
    "is common to all of them.",
    "Models trained on the same kind of data (the same sources, the same manipulation methods) can share blind "
    "spots and be wrong together. All of them finding nothing does not show that the video is authentic.",
    "Where they disagree, a finding rests on some of the models only: examine those parts yourself.",
    "A model that scored no frame in a span (it had no face it could score there) has no say there; that is not "
    "a finding of 'real'.",
)


def _threshold_cell(r: AnalysisResult) -> str:
    thr = r.threshold
    if abs(thr - r.model.threshold) < 5e-4:
        return f"{thr:.2f}"
    return f"{thr:.2f}<br>(set for this analysis; card {r.model.threshold:.2f})"


def _verdicts_sentence(d: ReportData) -> str:
    ag = d.agreement
    results = (d.result, *d.compared)
    each = "; ".join(f"{r.model.id} says {verdict_text(r.verdict, r.coverage)}" for r in results)
    decided = [m for m in ag.models if m.label in ("fake", "real")]
    if not ag.verdicts_agree:
        return f'<p class="warn">The models\' verdicts DISAGREE: {esc(each)}.</p>'
    if not decided:
        return f"<p>No model reached a verdict of fake or real: {esc(each)}.</p>"
    label = decided[0].label.upper()
    if len(decided) == len(ag.models):
        return f"<p>The models' verdicts agree: all {len(decided)} say <b>{esc(label)}</b>.</p>"
    return (f"<p>No verdict contradicts another, but only {len(decided)} of {len(ag.models)} models reached fake "
            f"or real (<b>{esc(label)}</b>): {esc(each)}. An inconclusive verdict, or no face, neither supports "
            "nor contradicts it.</p>")


def _comparison(d: ReportData) -> str:
    if not d.compared or d.agreement is None:
        return ""
    results = (d.result, *d.compared)
    parts = ["<h2>Other models</h2>",
             f'<p class="small">The same file (SHA-256 {esc(d.result.sha256[:16])}...) analysed by '
             f"{len(d.compared)} further model{'s' if len(d.compared) > 1 else ''}, each scoring the faces found "
             "and tracked with the same sampling and detection settings; models analysed together share one "
             "decoding and tracking pass, a stored result (marked) comes from an earlier pass. The first row is "
             "the model this report is about.</p>",
             '<table class="grid" cellspacing="0" cellpadding="4" width="100%"><tr><th width="30%">model</th>'
             '<th width="24%">verdict</th><th>score</th><th>threshold</th><th>frames scored</th><th>segments</th>'
             "</tr>"]
    for n, r in enumerate(results):
        v = r.verdict
        colour = COLOURS.get(v.label, "#212529")
        name = f'{esc(r.model.name)}<br><span class="mono">{esc(r.model.id)}</span>'
        if n == 0:
            name += '<br><span class="small">(this report)</span>'
        when = [] if not r.from_cache else [f"stored result, analysed {esc(r.finished[:19].replace('T', ' '))} UTC"]
        if not r.complete:
            when.append("PARTIAL: the analysis was cancelled")
        if when:
            name += f'<br><span class="small">({"; ".join(when)})</span>'
        parts.append(f"<tr><td>{name}</td>"
                     f'<td><b style="color: {colour};">{esc(verdict_text(v, r.coverage))}</b></td>'
                     f'<td class="num">{_score(v.score)}</td><td>{_threshold_cell(r)}</td>'
                     f'<td class="num">{v.frames_scored}</td><td class="num">{len(r.segments)}</td></tr>')
    parts.append("</table>")
    parts.append(_verdicts_sentence(d))
    parts.append("<ul>" + "".join(f"<li>{esc(x)}</li>" for x in AGREEMENT_MEANING) + "</ul>")
    parts.append(_spans(d))
    return "\n".join(parts)


def _spans(d: ReportData) -> str:
    ag = d.agreement
    results = (d.result, *d.compared)
    total = len(results)
    parts = ["<h3>Flagged spans, model by model</h3>"]
    if not ag.spans:
        parts.append("<p>No model found a suspicious segment anywhere in the video.</p>")
        return "\n".join(parts)
    n_dis = len(ag.disagreements())
    parts.append('<p class="small">The spans are this report\'s suspicious segments (for a segment of one face '
                 "track, only that track's faces count), then the stretches only the other models flagged "
                 "(marked <i>others only</i>; their overlapping segments merged). For each model, its highest "
                 "score inside the span, <b>flagged</b> when at or above that model's own threshold; "
                 "<i>not scored</i>: the model scored no frame there. "
                 + (f'<span class="warn">{n_dis} span{"s" if n_dis != 1 else ""} where the models disagree '
                    "(marked).</span>" if n_dis else "The models that scored each span agree on it.")
                 + "</p>")
    parts.append('<table class="grid" cellspacing="0" cellpadding="4" width="100%"><tr><th>#</th><th>from</th>'
                 "<th>to</th><th>frames</th><th>flagged by</th>"
                 + "".join(f"<th>{esc(r.model.id)} (threshold {r.threshold:.2f})</th>" for r in results)
                 + "<th>agreement</th></tr>")
    for n, s in enumerate(ag.spans, 1):
        disagree = bool(s.flagged_by) and not s.unanimous
        bg = ' style="background-color: #fdecea;"' if disagree else ""
        cells = []
        for r, (_, p) in zip(results, s.peaks, strict=True):  # by position: two results may share a model id
            if p is None:
                cells.append(f'<td{bg}><i>not scored</i></td>')
            elif p >= r.threshold:
                cells.append(f'<td class="num"{bg}><b>{p:.3f} flagged</b></td>')
            else:
                cells.append(f'<td class="num"{bg}>{p:.3f}</td>')
        unscored = total - len(s.scored_by)
        flagged = f"{len(s.flagged_by)} of {len(s.scored_by)} models"
        if unscored:
            flagged += f" ({unscored} scored no frame here)"
        if disagree:
            verdict = '<span class="warn">DISAGREE</span>'
        elif not s.flagged_by:
            verdict = "no model's peak reaches its threshold"
        elif len(s.scored_by) == 1:
            verdict = "only one model scored it"
        else:
            verdict = '<span class="ok">all that scored it agree</span>'
        which = f"{n}" + ("" if s.first_model else " <i>others only</i>")
        parts.append(f'<tr><td{bg}>{which}</td><td class="mono"{bg}>{format_time(s.start_s)}</td>'
                     f'<td class="mono"{bg}>{format_time(s.end_s)}</td>'
                     f'<td class="num"{bg}>{s.start_frame}-{s.end_frame}</td><td{bg}>{esc(flagged)}</td>'
                     + "".join(cells) + f"<td{bg}>{verdict}</td></tr>")
    parts.append("</table>")
    return "\n".join(parts)


def _hash_rows(h: dict[str, Any]) -> list[tuple[str, Any]]:
    rows = [("SHA-256", h.get("sha256"))]
    if h.get("md5"):
        rows.append(("MD5", h["md5"]))
    if h.get("sha1"):
        rows.append(("SHA-1", h["sha1"]))
    return rows


def _evidence(d: ReportData) -> str:
    r, v = d.result, d.result.video
    before = d.evidence or {"sha256": r.sha256, "path": v.path, "size_bytes": v.size_bytes}
    rows: list[tuple[str, Any]] = [
        ("File", v.path),
        ("Size", f"{v.size_bytes:,} bytes"),
    ]
    if before.get("mtime"):
        rows.append(("Modified (file system)", before["mtime"]))
    rows += _hash_rows(before)
    if before.get("computed_at"):
        rows.append(("Hashed at", before["computed_at"] + " (UTC), before the analysis"))
    mono = {"SHA-256", "MD5", "SHA-1", "File"}

    def status(chk: dict[str, Any] | None, when: str) -> Markup:
        if chk is None:
            return Markup(esc(f"not checked {when}"))
        if chk.get("content_unchanged"):
            extra = "" if chk.get("unchanged") else " (content identical; " + " ".join(chk.get("changes", [])) + ")"
            return Markup(f'<span class="ok">unchanged</span>{esc(extra)}')
        return Markup(f'<span class="warn">CHANGED</span> {esc(" ".join(chk.get("changes", [])))}')

    after_note = status(d.integrity, "after the analysis")
    if d.integrity is None and not r.evidence_changed:
        after_note = Markup('<span class="ok">unchanged</span> (SHA-256 taken again by the engine after the '
                            "analysis)")
    rows.append(("After the analysis", after_note))
    rows.append(("When this report was made", status(d.export_check, "when this report was made")))
    rot = f", rotated {v.rotation} degrees" if v.rotation else ""
    rows.insert(2, ("Video", f"{v.codec}, {v.width} x {v.height} px{rot}, {v.fps:g} fps, {v.frames} frames "
                             f"(as the container announces), {format_time(v.duration_s)}"))
    return ("<h2>Evidence</h2>\n" + _kv(rows, mono)
            + '\n<p class="small">The file was opened for reading only. Nothing was written to it or beside it.</p>')


def _coverage(r: AnalysisResult) -> str:
    counts = {s: 0 for s in (SCORED, NO_FACE, FACE_TOO_SMALL, DECODE_ERROR)}
    for f in r.frames:
        counts[f.status] = counts.get(f.status, 0) + 1
    total = len(r.frames) or 1
    words = {SCORED: "scored", **STATUS_WORDS}
    rows = "".join(
        f'<tr><td>{esc(words.get(k, k))}</td><td class="num">{n}</td><td class="num">{n / total:.1%}</td></tr>'
        for k, n in counts.items()
    )
    return ('<h3>Frames analysed</h3><table class="grid" cellspacing="0" cellpadding="4">'
            '<tr><th>status</th><th>frames</th><th>share</th></tr>' + rows
            + f'<tr><th>total sampled</th><th class="num">{len(r.frames)}</th><th></th></tr></table>')


def _timeline(d: ReportData) -> str:
    r = d.result
    parts = [f"<h2{PAGE_BREAK}>Timeline</h2>"]
    if d.timeline_png:
        parts.append(f"<p>{_img(d.timeline_png, 'score timeline', 680)}</p>")
    parts.append(
        f'<p class="small">The curve is each analysed frame\'s score (its most suspicious face). The dashed line '
        f"is the frame threshold ({r.threshold:.2f}); shaded spans are the suspicious segments listed "
        "below; the strip under the axis marks frames without a score, by reason; numbered markers on top are "
        "bookmarks.</p>")
    if d.compared:
        parts.append('<p class="small">The other models\' curves are drawn in their own colours, each with its own '
                     "threshold dotted in that colour; the row under the plot names the models. The shading and the "
                     f"unscored-frame strip are {esc(r.model.id)}'s.</p>")
    parts.append(_coverage(r))
    return "\n".join(parts)


def _segments(d: ReportData) -> str:
    r = d.result
    parts = ["<h2>Suspicious segments</h2>"]
    if d.compared:
        parts.append(f'<p class="small">The segments of {esc(r.model.id)}, the model this report is about; where '
                     "the other models agree with them is in Other models above.</p>")
    if not r.segments:
        parts.append("<p>None: no run of frames reached the threshold under the segment rules "
                     f"({esc(_rules(r))}).</p>")
        return "\n".join(parts)
    parts.append(f'<p class="small">Runs of frames at or above the threshold ({esc(_rules(r))}). Times are from '
                 "the start of the video; frame numbers count from 0.</p>")
    parts.append('<table class="grid" cellspacing="0" cellpadding="4" width="100%"><tr><th>#</th><th>track</th>'
                 "<th>from</th><th>to</th><th>frames</th><th>peak</th><th>mean</th><th>peak frame</th></tr>")
    for n, s in enumerate(r.segments, 1):
        parts.append(
            f'<tr><td>{n}</td><td>{"–" if s.track is None else f"#{s.track}"}</td>'
            f'<td class="mono">{format_time(s.start_s)}</td><td class="mono">{format_time(s.end_s)}</td>'
            f'<td class="num">{s.start_frame}-{s.end_frame}</td><td class="num">{s.peak:.3f}</td>'
            f'<td class="num">{s.mean:.3f}</td><td class="num">{s.peak_frame}</td></tr>')
    parts.append("</table>")
    shown = sorted(r.segments, key=lambda s: -s.peak)[:MAX_THUMBNAILS]
    shown_set = {s.peak_frame for s in shown}
    pics = [(n, s) for n, s in enumerate(r.segments, 1) if s.peak_frame in shown_set and s.peak_frame in d.thumbnails]
    if pics or d.thumbnails_note:
        parts.append("<h3>Peak frames</h3>")
    if d.thumbnails_note:
        parts.append(f'<p class="small">{esc(d.thumbnails_note)}</p>')
    if pics:
        parts.append('<p class="small">Each segment\'s most suspicious frame, decoded again from the evidence, '
                     "with the detected faces boxed (red: the highest-scored face, labelled with its track and "
                     "score) and that face enlarged."
                     + (" Beside it, the model's heatmap: " + esc(HEATMAP_NOTE) if any(
                         d.thumbnails[s.peak_frame].heat_png for _, s in pics) else "") + "</p>")
        for n, s in pics:
            t = d.thumbnails[s.peak_frame]
            fr = next((f for f in r.frames if f.index == s.peak_frame), None)
            face = " " + _img(t.face_png, f"face at frame {s.peak_frame}", 120) if t.face_png else ""
            if t.heat_png:
                face += " " + _img(t.heat_png, f"heatmap at frame {s.peak_frame}", 120)
            tracks = ", ".join(f"#{x.track}" for x in fr.faces) if fr else ""
            # pictures first, caption under them: a page break never separates a caption from its pictures
            shown = min(360, 2 * t.width)  # small videos are shown enlarged
            parts.append(f'<p>{_img(t.frame_png, f"frame {s.peak_frame}", shown)}{face}<br>'
                         f'<span class="small"><b>Segment {n}</b>: frame {s.peak_frame} at '
                         f"{format_time(fr.time_s if fr else s.start_s)}, score {s.peak:.3f}"
                         f"{', faces ' + tracks if tracks else ''}</span></p>")
    return "\n".join(parts)


def _robustness(d: ReportData) -> str:
    rb = d.robustness
    if rb is None:
        return ""
    from core.robustness import MILD, VARIANTS, WORDS

    parts = ["<h3>Robustness of the findings</h3>",
             '<p class="small">Each segment\'s faces scored again by the same model after the degradations '
             f"sharing brings ({esc(', '.join(WORDS[v] for v in VARIANTS))}), cropped from the degraded frames as "
             f"the analysis cropped them (undegraded, they reproduce the analysis within {rb.reproduced:.2g}). "
             f"<b>Fragile</b>: a mild one ({esc(' or '.join(WORDS[v] for v in MILD))}) moves the segment across "
             f"the threshold {rb.threshold:.2f}, so the finding depends on details any re-encode removes.</p>",
             "<table><tr><th>Segment</th><th>Track</th><th>As analysed</th>"
             + "".join(f"<th>{esc(v)}</th>" for v in VARIANTS) + "<th>Finding</th></tr>"]
    for s in rb.segments:
        mark = (f'<span class="warn">fragile</span> ({esc(s.because)})' if s.fragile
                else '<span class="ok">stable</span>')
        parts.append(f"<tr><td>{s.segment}</td><td>{s.track}</td><td class=\"num\">{s.original:.3f}</td>"
                     + "".join(f'<td class="num">{s.degraded[v]:.3f}</td>' for v in VARIANTS)
                     + f"<td>{mark}</td></tr>")
    parts.append("</table>")
    return "\n".join(parts)


def _rules(r: AnalysisResult) -> str:
    s = r.params.get("segments", {}) or {}
    return (f"threshold {r.threshold:.2f}, hysteresis {s.get('hysteresis', '?')}, at least "
            f"{s.get('min_frames', '?')} frames, gaps up to {s.get('max_gap_s', '?')} s merged")


def _tracks(d: ReportData) -> str:
    r = d.result
    parts = ["<h2>Faces (tracks)</h2>"]
    if not r.tracks:
        parts.append("<p>No face was found.</p>")
        return "\n".join(parts)
    parts.append('<p class="small">Each track is one face followed through the video (a person leaving and '
                 "coming back may get a new track).</p>")
    parts.append('<table class="grid" cellspacing="0" cellpadding="4" width="100%"><tr><th>track</th><th>verdict'
                 "</th><th>first frame</th><th>last frame</th><th>frames scored</th><th>mean</th><th>peak</th>"
                 "<th>frames above threshold</th></tr>")
    for t in r.tracks:
        label = "–" if t.verdict is None else t.verdict.label.replace("_", " ")
        parts.append(f'<tr><td>#{t.track}</td><td>{esc(label)}</td><td class="num">{t.first_frame}</td>'
                     f'<td class="num">{t.last_frame}</td>'
                     f'<td class="num">{t.frames_scored}</td><td class="num">{_score(t.mean)}</td>'
                     f'<td class="num">{_score(t.peak)}</td><td class="num">{t.frames_above}</td></tr>')
    parts.append("</table>")
    return "\n".join(parts)


def _notes(d: ReportData) -> str:
    r = d.result
    fps = r.video.fps or 25.0
    parts = ["<h2>Analyst notes and bookmarks</h2>"]
    if not d.notes and not d.bookmarks:
        parts.append("<p>None.</p>")
        return "\n".join(parts)
    if d.bookmarks:
        parts.append('<h3>Bookmarks</h3><table class="grid" cellspacing="0" cellpadding="4" width="100%"><tr><th>#</th>'
                     "<th>frame</th><th>time</th><th>label</th><th>by</th><th>added (UTC)</th></tr>")
        for n, b in enumerate(sorted(d.bookmarks, key=lambda b: b.frame), 1):
            parts.append(f'<tr><td>{n}</td><td class="num">{b.frame}</td><td class="mono">{format_time(b.frame / fps)}'
                         f"</td><td>{esc(b.label)}</td><td>{esc(b.author)}</td><td>{esc(b.created)}</td></tr>")
        parts.append("</table>")
    if d.notes:
        parts.append('<h3>Notes</h3><table class="grid" cellspacing="0" cellpadding="4" width="100%"><tr><th>about</th>'
                     "<th>note</th><th>by</th><th>written (UTC)</th></tr>")
        for note in sorted(d.notes, key=lambda n: (-1 if n.start_frame is None else n.start_frame, n.created)):
            about = note.target
            if note.start_frame is not None:
                about += f"<br>{format_time(note.start_frame / fps)}"
            parts.append(f"<tr><td>{about}</td><td>{esc(note.text).replace(chr(10), '<br>')}</td>"
                         f"<td>{esc(note.author)}</td><td>{esc(note.created)}</td></tr>")
        parts.append("</table>")
    return "\n".join(parts)


def _model(d: ReportData) -> str:
    """What the model is and how far it can be trusted, in plain rows: never the raw card (its paths,
    commands and internal notes are in the JSON beside the report)."""
    r, m = d.result, d.result.model
    card = _obj(r.provenance.get("model_card"))
    rows = [
        ("Model", f"{m.name} (id {m.id})"),
        ("Architecture", f"{m.architecture} ({m.kind} model)"),
        ("Weights SHA-256", m.sha256),
        ("Output", f"{m.output}; reported here as P(fake)"),
        ("Card threshold", f"{m.threshold:.2f}"),
    ]
    if card:
        rows += [
            ("Input", f"{card.get('input_size')} px face crops, {card.get('preprocessing')} preprocessing, "
                      f"margin {card.get('face_margin')}"),
            ("Description", card.get("description") or "(none)"),
            ("Card created", card.get("created") or "(unknown)"),
            ("Trained on", _trained_on(_obj(card.get("training")))),
            ("Validation", _validation(_obj(card.get("metrics")))),
        ]
        unseen = _unseen(_obj(card.get("metrics")))
        if unseen:
            rows.append(("Unseen sources (video AUC)", Markup(unseen)))
        cal = _obj(card.get("calibration"))
        if cal.get("method"):
            ece = cal.get("val_ece")
            rows.append(("Calibration", f"{cal['method']} scaling fitted on {cal.get('fitted_on', 'validation')}"
                         + (f"; expected calibration error {ece:.3f}" if isinstance(ece, (int, float)) else "")))
        limits = _list(card.get("limits"))
        if limits:
            rows.append(("Limits stated by the card", Markup("<br>".join(esc(x) for x in limits))))
    else:
        rows.append(("Model card", "not recorded with this analysis"))
    return f"<h2{PAGE_BREAK}>Model</h2>\n" + _kv(rows, {"Weights SHA-256"})


# A card's training and metrics are free-form objects (the bundle loader checks only that they are
# objects), and the analysis records them in brief (core.forensic.provenance: deep parts become "(dict)"), so
# the rows below take whatever shape they find: a part that is not what they read is "not recorded".
def _obj(v: Any) -> dict:
    return v if isinstance(v, dict) else {}


def _list(v: Any) -> list:
    return v if isinstance(v, list) else []


def _num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _count(counts: dict, split: str, label: str) -> int:
    c = _obj(counts.get(split)).get(label)
    if _num(c):  # {"train": {"real": 120}}
        return int(c)
    return int(sum(v for v in _obj(c).values() if _num(v)))  # {"train": {"real": {"image": 100, "video": 20}}}


def _trained_on(training: dict) -> str:
    data = _obj(training.get("data"))
    counts = _obj(data.get("counts"))
    parts = []
    for split in ("train", "validation", "test"):
        real, fake = _count(counts, split, "real"), _count(counts, split, "fake")
        if real or fake:
            parts.append(f"{split}: {real:,} real / {fake:,} fake files")
    if not parts:
        return "(not recorded)"
    text = "; ".join(parts)
    if data.get("self_blended_fakes") or _obj(training.get("self_blend")).get("enabled"):
        text += "; fakes for training self-blended from the real faces"
    if _num(training.get("epochs_run")) and training["epochs_run"]:
        avg = _obj(training.get("weights_averaged"))
        ends = (avg.get("from_epoch"), avg.get("to_epoch"))
        span = ends if all(_num(e) for e in ends) else None
        kept = kept_weights(training.get("best_epoch") if _num(training.get("best_epoch")) else None, span)
        text += f"; {training['epochs_run']} epochs, {kept or 'epoch ? kept'}"
    return text


def _validation(metrics: dict) -> str:
    if not _num(metrics.get("val_auc")):
        return "(not recorded)"
    out = f"frame AUC {metrics['val_auc']:.3f}"
    if _num(metrics.get("val_accuracy")):
        out += f", accuracy {metrics['val_accuracy']:.3f}"
    if _num(metrics.get("val_eer")):
        out += f", equal error rate {metrics['val_eer']:.3f}"
    if _num(metrics.get("val_n")):
        out += f" on {int(metrics['val_n']):,} validation samples"
    return out


def _unseen(metrics: dict) -> str:
    by = _obj(_obj(metrics.get("unseen_sources")).get("by_source"))
    rows = []
    for name, m in by.items():
        v = _obj(_obj(m).get("video"))
        if _num(v.get("auc")):
            ci = f" [{v['low']:.2f}, {v['high']:.2f}]" if _num(v.get("low")) and _num(v.get("high")) else ""
            rows.append(f"{esc(name)}: {v['auc']:.2f}{ci} ({esc(v.get('real', '?'))} real, "
                        f"{esc(v.get('fake', '?'))} fake)")
    return "<br>".join(rows)


PARAM_WORDS = {
    "every": "analyse every Nth frame",
    "detect_every": "face detection every Kth analysed frame",
    "detect_width": "face detector image width (px)",
    "min_confidence": "face detector minimum confidence",
    "margin": "face crop margin",
    "min_face_px": "smallest face scored (px)",
    "threshold": "frame threshold",
    "strategy": "verdict strategy",
    "max_faces": "faces per frame at most",
}
SEGMENT_WORDS = {
    "hysteresis": "a segment stays open while scores stay above threshold minus this",
    "min_frames": "segments with fewer scored frames are dropped",
    "max_gap_s": "segments closer than this (seconds) are merged",
}


def _params(d: ReportData) -> str:
    rows = []
    for k, v in d.result.params.items():
        if k == "segments" and isinstance(v, dict):
            for sk, sv in v.items():
                rows.append((f"segments.{sk}", sv, SEGMENT_WORDS.get(sk, "")))
        else:
            rows.append((k, v, PARAM_WORDS.get(k, "")))
    body = "".join(f'<tr><td class="mono">{esc(k)}</td><td class="mono">{esc(_param_value(v))}</td><td>{esc(w)}</td>'
                   "</tr>" for k, v, w in rows)
    return ('<h2>Analysis parameters</h2>\n<p class="small">As applied (values left to the model card are filled in '
            'from it). The same names are in the JSON file\'s "params".</p>\n'
            '<table class="grid" cellspacing="0" cellpadding="4" width="100%"><tr><th>parameter</th><th>value</th>'
            f"<th>meaning</th></tr>{body}</table>")


def _param_value(v: Any) -> str:
    return "null" if v is None else json.dumps(v) if isinstance(v, (dict, list, bool)) else str(v)


ENV_WORDS = [("app_version", "Deepfake Inspector"), ("os", "Operating system"), ("python", "Python"),
             ("tensorflow", "TensorFlow"), ("keras", "Keras"), ("opencv", "OpenCV"), ("mtcnn", "mtcnn"),
             ("numpy", "NumPy"), ("device", "Device")]


def _provenance(d: ReportData) -> str:
    r, p = d.result, d.result.provenance
    rows = [(label, p.get(k, "(not recorded)")) for k, label in ENV_WORDS]
    rows += [
        ("Analysis started", f"{r.started} (UTC)"),
        ("Analysis finished", f"{r.finished} (UTC)"),
        ("Duration", f"{r.elapsed_s:.1f} s"),
        ("Complete", "yes" if r.complete else "NO: stopped before the end"),
    ]
    if p.get("from_cache"):
        rows.append(("Note", "These numbers were reused from an identical earlier analysis (same file hash, "
                             "model hash and parameters); the times above are that analysis'."))
    if p.get("analyst"):
        rows.append(("Analysis run by", p["analyst"]))
    if p.get("case_number"):
        rows.append(("Analysis case number", p["case_number"]))
    return "<h2>Provenance</h2>\n" + _kv(rows)


def _exports(d: ReportData) -> str:
    parts = ["<h2>Files of this report</h2>"]
    if d.exports:
        parts.append('<p class="small">Written beside this report. The .sha256 file beside them lists these and this '
                     'report\'s own SHA-256 (check all with <span class="mono">sha256sum -c</span>); the audit log '
                     "records them too.</p>")
        parts.append('<table class="grid" cellspacing="0" cellpadding="4" width="100%"><tr><th>file</th><th>holds</th>'
                     "<th>SHA-256</th></tr>")
        for e in d.exports:
            parts.append(f'<tr><td class="mono">{esc(e.name)}</td><td>{esc(e.role)}</td>'
                         f'<td class="mono">{esc(e.sha256)}</td></tr>')
        parts.append("</table>")
    if d.verify_command:
        parts.append("<p>To reproduce the scores (same model, same parameters, no cache) and check the evidence "
                     f'hash: <span class="mono">{esc(d.verify_command)}</span></p>')
    if d.audit_head:
        head = d.audit_head
        n = head.get("lines", 0)
        parts.append(f'<p class="small">Before this export the audit log held {n} entr{"y" if n == 1 else "ies"}; '
                     f'the last one has SHA-256 <span class="mono">{esc(head.get("last_sha256"))}</span>. '
                     "This anchors the log: a later check of the log must contain this entry unchanged "
                     f'(<span class="mono">audit --check --anchor {n}:{esc(head.get("last_sha256"))}</span>).</p>')
    return "\n".join(parts)


_GRID_HEAD = re.compile(r'(<table class="grid"[^>]*>)(<tr>(?:<th[^>]*>[^<]*</th>)+</tr>)')


def render(d: ReportData) -> str:
    name = d.result.video.path.replace("\\", "/").rsplit("/", 1)[-1]
    compared = [_comparison(d)] if d.compared else []  # without, the report is as it was
    body = "\n".join([
        _header(d), _verdict(d), *compared, _evidence(d), render_file_section(d.file_structure, d.file_structure_note),
        _timeline(d), _segments(d), _robustness(d), _tracks(d),
        _notes(d), render_stills(list(d.stills)), _model(d),
        _params(d), _provenance(d), _exports(d),
    ])
    body = _GRID_HEAD.sub(r"\1<thead>\2</thead>", body)  # header rows repeat on each printed page
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<meta name="generator" content="Deepfake Inspector {esc(d.app_version)}">
<title>Deepfake Inspector report: {esc(name)}</title>
<style>{CSS}</style>
</head>
<body>
{body}
</body>
</html>
"""
