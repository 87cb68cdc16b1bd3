"""The report's list of frames and face crops exported from the analysed file (File > Export frame /
Export face crop, core/frame_export.py), taken from the audit log: each PNG's name, hash and the MD5
of the decoded frame's pixels, so the case file can tie every still to this evidence."""

from __future__ import annotations

import html
from pathlib import Path

from core.forensic import audit


def exported_stills(log: audit.AuditLog, evidence_sha256: str) -> list[dict]:
    """The audit log's frame and face exports of the file with this SHA-256, oldest first."""
    kinds = {audit.FRAME_EXPORTED: "frame", audit.FACE_EXPORTED: "face crop"}
    out = []
    for e in log.entries():
        if e.event in kinds and e.data.get("evidence_sha256") == evidence_sha256:
            out.append({"kind": kinds[e.event], "time": e.time, **e.data})
    return out


def _e(v) -> str:
    return html.escape("" if v is None else str(v), quote=True)


def render_stills(stills: list[dict]) -> str:
    if not stills:
        return ""
    rows = "".join(
        f"<tr><td>{_e(s['time'][:19].replace('T', ' '))}</td><td>{_e(s['kind'])}</td><td class=\"num\">"
        f"{_e(s.get('frame'))}</td><td>{_e('' if s.get('track') is None else 'track ' + str(s['track']))}</td>"
        f"<td>{_e(Path(str(s.get('path', ''))).name)}</td><td class=\"mono\">{_e(s.get('sha256'))}</td>"
        f"<td class=\"mono\">{_e(s.get('frame_md5'))}</td></tr>" for s in stills)
    return ("<h2>Frames and faces exported</h2>"
            "<p>Stills exported from this file (same SHA-256), as the audit log records them. Each PNG holds the "
            "frame as decoded, lossless; its JSON sidecar beside it states the file, frame, time and the MD5 of "
            "the frame's RGB pixels, which anyone can check against the evidence.</p>"
            '<table class="grid" cellspacing="0" cellpadding="4" width="100%"><tr><th>exported (UTC)</th>'
            "<th>what</th><th>frame</th><th>face</th><th>file</th><th>PNG SHA-256</th><th>frame pixels MD5</th>"
            f"</tr>{rows}</table>")
