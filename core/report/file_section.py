"""The report's section on the file itself: container and streams, what their structure suggests
(core.filecheck findings, each with what it means and does not mean) and the content credentials.

Rendered from a :class:`core.filecheck.FileStructure` read when the report is written, from the
file found then (the report says so when that is not the analysed file).
"""

from __future__ import annotations

import html

LEVEL_WORDS = {"notable": "worth a look", "info": "context"}
CREDENTIAL_WORDS = {
    "none": "No content credentials",
    "trusted": "Valid; the signer is in the shipped trust list",
    "valid_untrusted": "Signature valid; the signer is not in the shipped trust list",
    "invalid": "The content credentials do not validate",
    "not_checked": "Not checked",
}
INTRO = ("Read from the container and the compressed stream without decoding the picture. The structure says "
         "how the file was written and whether it was re-encoded or edited; it does not by itself show that any "
         "face was manipulated, and an untouched file can look re-encoded after ordinary sharing.")


def _e(v) -> str:
    return html.escape("" if v is None else str(v), quote=True)


def _rows(rows: list[tuple[str, object]]) -> str:
    cells = "".join(f'<tr><th width="30%">{_e(k)}</th><td>{_e(v)}</td></tr>' for k, v in rows if v not in (None, ""))
    return f'<table class="kv" cellspacing="0" cellpadding="4" width="100%">{cells}</table>'


def _rate(bps: int | None) -> str | None:
    return None if not bps else f"{bps / 1000:,.0f} kbit/s"


def _fps(declared: float | None, measured: float | None) -> str | None:
    if declared is None and measured is None:
        return None
    d = "not stated" if declared is None else f"{declared:.3f}"
    m = "not measured" if measured is None else f"{measured:.3f}"
    return f"{d} declared, {m} measured from the timestamps"


def _video_rows(s) -> list[tuple[str, object]]:
    v, g = s.video, s.video.gop
    types = ", ".join(f"{k} {n:,}" for k, n in g.picture_types) if g.picture_types else "not read"
    return [
        (f"Video (stream {s.index})", " ".join(x for x in (s.codec, s.profile or "", f"level {s.level}"
                                                            if s.level else "") if x)),
        ("Picture", f"{v.width} × {v.height}, {v.pixel_format or 'pixel format not stated'}"
                    + (f", {v.bit_depth}-bit" if v.bit_depth else "")),
        ("Frame rate", _fps(v.declared_fps, s.timing.measured_fps)),
        ("Bit rate", _rate(s.bit_rate) or _rate(s.timing.measured_bit_rate)),
        ("Rotation", f"{v.rotation}° ({v.rotation_source})" if v.rotation or v.mirrored else None),
        ("Key frames", f"{g.keyframe_count:,}; usual GOP {g.gop_typical} frames" if g.gop_typical
         else f"{g.keyframe_count:,}"),
        ("Frame types", f"{types} ({g.picture_type_method})" if g.picture_types else types),
        ("Encoder in the stream", "; ".join(v.encoder_sei)[:200] if v.encoder_sei else None),
    ]


def _findings(fs) -> str:
    if not fs.findings:
        return "<p>No findings.</p>"
    order = sorted(fs.findings, key=lambda f: f.level != "notable")
    rows = "".join(
        f"<tr><td>{_e(LEVEL_WORDS.get(f.level, f.level))}</td><td><b>{_e(f.title)}</b><br>{_e(f.detail)}</td>"
        f"<td>{_e(f.means)}</td><td>{_e(f.does_not_mean)}</td></tr>" for f in order)
    return ('<table class="grid" cellspacing="0" cellpadding="4" width="100%"><tr><th>Weight</th>'
            f"<th>Finding</th><th>What it means</th><th>What it does not mean</th></tr>{rows}</table>")


def _credentials(c) -> str:
    if c is None:
        return "<p>Content credentials were not checked.</p>"
    t = c.trust_list
    rows = [
        ("Status", CREDENTIAL_WORDS.get(c.status, c.status)),
        ("In words", c.summary),
        ("Signer", c.signer), ("Issuer", c.issuer), ("Signed", c.signed_at), ("Claim generator", c.claim_generator),
        ("Actions", "; ".join(a.action + (f" ({a.digital_source_type.rsplit('/', 1)[-1]})"
                                          if a.digital_source_type else "") for a in c.actions) or None),
        ("Ingredients", "; ".join(f"{i.title or 'untitled'} ({i.relationship or 'relation not stated'})"
                                  for i in c.ingredients) or None),
        ("Declares AI-generated content", "yes" if c.ai_generated else None),
        ("Declares an edit", "yes" if c.edited else None),
        ("Validation problems", "; ".join(f"{v.code}: {v.explanation}" for v in c.failures) or None),
        ("Trust list", f"{t.name}, dated {t.date}, {t.anchors} certificate(s), SHA-256 {t.sha256}"),
        ("Checked with", f"c2pa {c.sdk_version}, offline (no remote manifests fetched)"),
    ]
    neutral = ("<p>A file without content credentials is neutral: most cameras and apps do not sign their "
               "files, so their absence is not evidence of manipulation.</p>") if c.status == "none" else ""
    return _rows(rows) + neutral


def render_file_section(fs, note: str = "") -> str:
    """The section's HTML for ``fs`` (core.filecheck.FileStructure, or None with ``note`` saying why)."""
    head = "<h2>The file: structure and content credentials</h2>"
    if fs is None:
        return f"{head}<p>{_e(note or 'The file structure was not read.')}</p>"
    c = fs.container
    rows = [
        ("Format", f"{c.format_long_name} ({c.format_name})"),
        ("Brand", " ".join(x for x in (c.major_brand or "", f"(compatible: {' '.join(c.compatible_brands)})"
                                       if c.compatible_brands else "") if x) or None),
        ("Writing software (tag)", c.encoder or "not stated"),
        ("Creation time (tag)", c.creation_time or "not stated"),
        ("Location (tag)", c.location), ("Device", " ".join(x for x in (c.make, c.model) if x) or None),
        ("Duration", None if c.duration_s is None else f"{c.duration_s:.3f} s"),
    ]
    for s in fs.streams:
        if s.video is not None:
            rows += _video_rows(s)
        elif s.audio is not None:
            a = s.audio
            layout = a.channel_layout or f"{a.channels} channels"
            rows.append((f"Audio (stream {s.index})", f"{s.codec}, {a.sample_rate:,} Hz, {layout}"))
    if not any(s.audio is not None for s in fs.streams):
        rows.append(("Audio", "none"))
    reader = ", ".join(f"{k} {v}" for k, v in fs.reader)
    extra = f"<p>{_e(note)}</p>" if note else ""
    return (f"{head}<p>{_e(INTRO)}</p>{extra}{_rows(rows)}<h3>What the structure suggests</h3>"
            f"{_findings(fs)}<h3>Content credentials (C2PA)</h3>{_credentials(fs.credentials)}"
            f"<p class=\"small\">Read with {_e(reader)} in {fs.read_s:.2f} s.</p>")
