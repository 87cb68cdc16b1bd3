"""A batch's summary, in three files beside its results: summary.csv, summary.json and a
self-contained summary.html (one file, no scripts or styles fetched; click a heading to sort)."""

from __future__ import annotations

import csv
import html
import io
import json
from pathlib import Path

from core.batch.outputs import STATUSES, BatchRow
from core.forensic import atomic

COLUMNS = ("rel", "status", "verdict", "score", "tracks", "coverage", "segments", "seconds", "sha256", "error",
           "message", "result", "result_sha256", "host", "path")
HEADINGS = {"rel": "path", "coverage": "coverage", "seconds": "time (s)"}


def _cell(row: BatchRow, col: str) -> str:
    v = getattr(row, col)
    if v is None:
        return ""
    if col in ("score", "coverage"):
        return f"{v:.4f}"
    if col == "seconds":
        return f"{v:.2f}"
    return str(v)


def csv_text(rows: list[BatchRow]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(COLUMNS)
    for r in rows:
        w.writerow([_cell(r, c) for c in COLUMNS])
    return buf.getvalue()


def counts(rows: list[BatchRow]) -> dict[str, int]:
    out = dict.fromkeys(STATUSES, 0)
    for r in rows:
        out[r.status] += 1
    return out


_SORT = """
for (const th of document.querySelectorAll('th')) th.addEventListener('click', () => {
  const t = th.closest('table'), i = [...th.parentNode.children].indexOf(th);
  const num = th.dataset.num === '1', dir = th.dataset.dir = th.dataset.dir === 'a' ? 'd' : 'a';
  const rows = [...t.tBodies[0].rows];
  const key = r => { const s = r.cells[i].textContent; return num ? (s === '' ? -Infinity : +s) : s; };
  rows.sort((a, b) => { const x = key(a), y = key(b); return (x < y ? -1 : x > y ? 1 : 0) * (dir === 'a' ? 1 : -1); });
  for (const r of rows) t.tBodies[0].appendChild(r);
});
"""
_STYLE = ("body{font:14px sans-serif;margin:1.5em}table{border-collapse:collapse}th,td{border:1px solid #ccc;"
          "padding:3px 6px;text-align:left}th{cursor:pointer;background:#eee}td.n{text-align:right}"
          "tr.fake td.v{color:#b00;font-weight:bold}tr.failed td{background:#fee}")
_NUMERIC = {"score", "coverage", "segments", "seconds"}
_SHOWN = ("rel", "status", "verdict", "score", "tracks", "coverage", "segments", "seconds", "sha256", "error",
          "message")


def html_text(rows: list[BatchRow], info: dict) -> str:
    e = html.escape
    c = counts(rows)
    head = "".join(f'<th data-num="{int(col in _NUMERIC)}">{e(HEADINGS.get(col, col))}</th>' for col in _SHOWN)
    body = []
    for r in rows:
        cls = " ".join(x for x in (r.status, r.verdict) if x)
        cells = []
        for col in _SHOWN:
            text = e(_cell(r, col))
            if col == "rel" and r.result:
                text = f'<a href="{e(r.result)}">{text}</a>'
            klass = "n" if col in _NUMERIC else ("v" if col == "verdict" else "")
            cells.append(f'<td class="{klass}">{text}</td>')
        body.append(f'<tr class="{e(cls)}">' + "".join(cells) + "</tr>")
    facts = "".join(f"<li>{e(k)}: {e(str(v))}</li>" for k, v in info.items())
    tally = ", ".join(f"{n} {s}" for s, n in c.items() if n)
    return (f'<!doctype html><html><head><meta charset="utf-8"><title>Batch summary</title><style>{_STYLE}</style>'
            f"</head><body><h1>Batch summary</h1><p>{len(rows)} videos: {e(tally)}</p><ul>{facts}</ul>"
            f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
            f"<script>{_SORT}</script></body></html>\n")


def write(out: Path, rows: list[BatchRow], info: dict) -> str:
    """Write the three files; returns the CSV's text."""
    table = csv_text(rows)
    atomic.write_text(out / "summary.csv", table)
    doc = {"batch": info, "counts": counts(rows), "rows": [r.to_json() for r in rows]}
    atomic.write_json(out / "summary.json", doc)
    atomic.write_text(out / "summary.html", html_text(rows, info))
    return table


def read(out: Path) -> tuple[list[BatchRow], list[str]] | None:
    """The rows of the summary :func:`write` left in ``out`` and the inputs its manifest names, or None
    when ``out`` holds no readable summary (no earlier batch)."""
    try:
        doc = json.loads((out / "summary.json").read_text(encoding="utf-8"))
        rows = [BatchRow(**r) for r in doc["rows"]]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    try:
        inputs = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["request"]["inputs"]
    except (OSError, ValueError, KeyError, TypeError):
        inputs = []
    return rows, [str(p) for p in inputs]
