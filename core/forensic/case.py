"""The case workspace: evidence (by path and hash, never copied), analyses, notes and bookmarks.

Saved as one JSON document (schema ``deepfake-inspector/case@1``, written atomically). Every
change returns a new frozen :class:`Case`; the window keeps the current one and saves it.
Reopening (:func:`open_case`) hashes each evidence file again and says, per file, whether it
is unchanged, changed, moved (found again by its hash-checked relative path) or missing.

Analyses are kept embedded (the full result JSON, so the case file stands alone) or as a
reference to an exported result JSON file by path and SHA-256, checked on reopening.
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from core.errors import CaseFileInvalid, OutputNotWritable, ResultFileInvalid
from core.forensic import atomic, audit
from core.forensic.hashing import sha256_file
from core.forensic.integrity import EvidenceHashes, hash_evidence
from core.result import AnalysisResult

SCHEMA = "deepfake-inspector/case@1"
SUFFIX = ".dficase"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _new_id() -> str:
    return uuid.uuid4().hex[:12]


@dataclass(frozen=True)
class EvidenceRef:
    path: str  # absolute, as it was when added
    sha256: str
    size_bytes: int
    md5: str | None = None
    sha1: str | None = None
    added: str = ""
    relative_path: str | None = None  # to the case file's folder, set on save: finds moved folders

    @property
    def name(self) -> str:
        return Path(self.path).name


@dataclass(frozen=True)
class AnalysisRef:
    id: str
    evidence_sha256: str
    model_id: str
    model_sha256: str
    verdict: str
    created: str
    result_sha256: str  # SHA-256 of the result JSON as exported (sort-free, the file's bytes) or embedded
    result_path: str | None = None  # an exported result JSON; None when embedded
    embedded: dict[str, Any] | None = None  # the result JSON itself


@dataclass(frozen=True)
class Note:
    id: str
    evidence_sha256: str
    text: str
    start_frame: int | None = None  # None: about the whole file
    end_frame: int | None = None  # == start_frame for one frame; a range for a segment
    author: str = ""
    created: str = ""

    @property
    def target(self) -> str:
        if self.start_frame is None:
            return "whole file"
        if self.end_frame is None or self.end_frame == self.start_frame:
            return f"frame {self.start_frame}"
        return f"frames {self.start_frame}-{self.end_frame}"


@dataclass(frozen=True)
class Bookmark:
    id: str
    evidence_sha256: str
    frame: int
    label: str = ""
    author: str = ""
    created: str = ""


@dataclass(frozen=True)
class Case:
    case_number: str = ""
    analyst: str = ""
    title: str = ""
    created: str = ""
    modified: str = ""
    evidence: tuple[EvidenceRef, ...] = ()
    analyses: tuple[AnalysisRef, ...] = ()
    notes: tuple[Note, ...] = ()
    bookmarks: tuple[Bookmark, ...] = ()

    def evidence_by_sha(self, sha256: str) -> EvidenceRef | None:
        return next((e for e in self.evidence if e.sha256 == sha256), None)

    def notes_for(self, sha256: str) -> tuple[Note, ...]:
        return tuple(n for n in self.notes if n.evidence_sha256 == sha256)

    def bookmarks_for(self, sha256: str) -> tuple[Bookmark, ...]:
        return tuple(sorted((b for b in self.bookmarks if b.evidence_sha256 == sha256), key=lambda b: b.frame))

    def analyses_for(self, sha256: str) -> tuple[AnalysisRef, ...]:
        return tuple(a for a in self.analyses if a.evidence_sha256 == sha256)


def with_suffix(path: str | os.PathLike) -> Path:
    """``path`` ending in the case suffix (added when missing), so Open case lists it."""
    p = Path(path)
    return p if p.suffix.lower() == SUFFIX else p.with_name(p.name + SUFFIX)


def new_case(case_number: str = "", analyst: str = "", title: str = "") -> Case:
    now = _now()
    return Case(case_number=case_number, analyst=analyst, title=title, created=now, modified=now)


def _touch(case: Case, **changes) -> Case:
    return replace(case, modified=_now(), **changes)


# --- evidence -------------------------------------------------------------------------------


def add_evidence(case: Case, path: str | os.PathLike, hashes: EvidenceHashes | None = None) -> Case:
    """Add a file by path and hashes (hashed now when ``hashes`` is not given). Adding a file
    whose SHA-256 is already in the case updates its path."""
    h = hashes or hash_evidence(path)
    ref = EvidenceRef(str(Path(path).resolve()), h.sha256, h.size_bytes, h.md5, h.sha1, _now())
    kept = tuple(e for e in case.evidence if e.sha256 != h.sha256)
    return _touch(case, evidence=kept + (ref,))


def remove_evidence(case: Case, sha256: str) -> Case:
    """Remove a file and everything attached to it (analyses, notes, bookmarks)."""
    return _touch(
        case,
        evidence=tuple(e for e in case.evidence if e.sha256 != sha256),
        analyses=tuple(a for a in case.analyses if a.evidence_sha256 != sha256),
        notes=tuple(n for n in case.notes if n.evidence_sha256 != sha256),
        bookmarks=tuple(b for b in case.bookmarks if b.evidence_sha256 != sha256),
    )


def _require_evidence(case: Case, sha256: str) -> None:
    if case.evidence_by_sha(sha256) is None:
        raise ValueError(f"no evidence with SHA-256 {sha256} in this case; add the file first")


# --- analyses -------------------------------------------------------------------------------


def _result_bytes(doc: dict) -> bytes:
    return (json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False) + "\n").encode("utf-8")


def add_analysis(case: Case, result: AnalysisResult, result_path: str | os.PathLike | None = None) -> tuple[
        Case, AnalysisRef]:
    """Record an analysis: embedded when ``result_path`` is None, else a reference to that
    exported JSON file by path and SHA-256 (the file must exist)."""
    _require_evidence(case, result.sha256)
    if result_path is None:
        doc = result.to_json()
        sha, embedded, where = _sha_bytes(_result_bytes(doc)), doc, None
    else:
        where = str(Path(result_path).resolve())
        sha, embedded = sha256_file(where), None
    ref = AnalysisRef(_new_id(), result.sha256, result.model.id, result.model.sha256, result.verdict.label,
                      _now(), sha, where, embedded)
    return _touch(case, analyses=case.analyses + (ref,)), ref


def _sha_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def load_analysis(ref: AnalysisRef) -> AnalysisResult:
    """The analysis, from the case itself or its JSON file, after checking the file's SHA-256."""
    if ref.embedded is not None:
        return AnalysisResult.from_json(ref.embedded)
    p = Path(ref.result_path or "")
    if not p.is_file():
        raise ResultFileInvalid(f"The analysis file {p} is missing.")
    data = p.read_bytes()
    if _sha_bytes(data) != ref.result_sha256:
        raise ResultFileInvalid(f"The analysis file {p.name} was changed since it was added to the case "
                                f"(SHA-256 recorded {ref.result_sha256}, now {_sha_bytes(data)}).")
    try:
        return AnalysisResult.from_json(json.loads(data))
    except (ValueError, KeyError, TypeError) as exc:
        raise ResultFileInvalid(f"{p.name} is not an analysis result ({exc}).") from exc


# --- notes and bookmarks --------------------------------------------------------------------


def add_note(case: Case, evidence_sha256: str, text: str, start_frame: int | None = None,
             end_frame: int | None = None, author: str | None = None) -> tuple[Case, Note]:
    """A note on the whole file (no frames), one frame, or a range such as a segment."""
    _require_evidence(case, evidence_sha256)
    if not text.strip():
        raise ValueError("a note needs text")
    if start_frame is None and end_frame is not None:
        raise ValueError("a range needs its start frame")
    if start_frame is not None:
        end_frame = start_frame if end_frame is None else end_frame
        if start_frame < 0 or end_frame < start_frame:
            raise ValueError(f"bad frame range {start_frame}-{end_frame}")
    note = Note(_new_id(), evidence_sha256, text.strip(), start_frame, end_frame,
                case.analyst if author is None else author, _now())
    return _touch(case, notes=case.notes + (note,)), note


def edit_note(case: Case, note_id: str, text: str) -> Case:
    if not text.strip():
        raise ValueError("a note needs text")
    found = False
    notes = []
    for n in case.notes:
        if n.id == note_id:
            n, found = replace(n, text=text.strip()), True
        notes.append(n)
    if not found:
        raise KeyError(note_id)
    return _touch(case, notes=tuple(notes))


def remove_note(case: Case, note_id: str) -> Case:
    if not any(n.id == note_id for n in case.notes):
        raise KeyError(note_id)
    return _touch(case, notes=tuple(n for n in case.notes if n.id != note_id))


def add_bookmark(case: Case, evidence_sha256: str, frame: int, label: str = "",
                 author: str | None = None) -> tuple[Case, Bookmark]:
    _require_evidence(case, evidence_sha256)
    if frame < 0:
        raise ValueError("frame must be >= 0")
    bm = Bookmark(_new_id(), evidence_sha256, int(frame), label.strip(), case.analyst if author is None else author,
                  _now())
    return _touch(case, bookmarks=case.bookmarks + (bm,)), bm


def remove_bookmark(case: Case, bookmark_id: str) -> Case:
    if not any(b.id == bookmark_id for b in case.bookmarks):
        raise KeyError(bookmark_id)
    return _touch(case, bookmarks=tuple(b for b in case.bookmarks if b.id != bookmark_id))


# --- saving and opening ---------------------------------------------------------------------


def _asdict(obj) -> dict:
    return {f: getattr(obj, f) for f in obj.__dataclass_fields__}


def to_json(case: Case, case_path: str | os.PathLike | None = None) -> dict[str, Any]:
    base = Path(case_path).resolve().parent if case_path is not None else None
    evidence = []
    for e in case.evidence:
        d = _asdict(e)
        if base is not None:
            try:
                d["relative_path"] = os.path.relpath(e.path, base)
            except ValueError:  # another drive on Windows
                d["relative_path"] = None
        evidence.append(d)
    return {
        "schema": SCHEMA,
        "case_number": case.case_number,
        "analyst": case.analyst,
        "title": case.title,
        "created": case.created,
        "modified": case.modified,
        "evidence": evidence,
        "analyses": [_asdict(a) for a in case.analyses],
        "notes": [_asdict(n) for n in case.notes],
        "bookmarks": [_asdict(b) for b in case.bookmarks],
    }


def from_json(d: dict[str, Any]) -> Case:
    if not isinstance(d, dict) or d.get("schema") != SCHEMA:
        raise CaseFileInvalid(f"This is not a case file (schema {SCHEMA} expected).")
    try:
        return Case(
            case_number=d.get("case_number", ""),
            analyst=d.get("analyst", ""),
            title=d.get("title", ""),
            created=d.get("created", ""),
            modified=d.get("modified", ""),
            evidence=tuple(EvidenceRef(**e) for e in d.get("evidence", [])),
            analyses=tuple(AnalysisRef(**a) for a in d.get("analyses", [])),
            notes=tuple(Note(**n) for n in d.get("notes", [])),
            bookmarks=tuple(Bookmark(**b) for b in d.get("bookmarks", [])),
        )
    except TypeError as exc:
        raise CaseFileInvalid(f"The case file has an unexpected entry ({exc}).") from exc


def save_case(case: Case, path: str | os.PathLike, log: audit.AuditLog | None = None) -> str:
    """Record the case in the audit log, then write it atomically; returns the file's SHA-256.

    Logged first, so no case file exists without its ``case_saved`` entry: a process killed between
    the two leaves an entry whose hash the file on disk does not match, which a check can see.
    """
    p = Path(path)
    log = log or audit.default_log()
    doc = to_json(case, p)
    doc["audit_anchor"] = log.head()  # the log as it stood: opening the case checks it still holds this
    data = json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    sha = _sha_bytes(data.encode("utf-8"))
    log.append(audit.CASE_SAVED, path=str(p.resolve()), sha256=sha, case_number=case.case_number,
               evidence=[e.sha256 for e in case.evidence], notes=len(case.notes), bookmarks=len(case.bookmarks))
    try:
        atomic.write_text(p, data)
    except OutputNotWritable as exc:
        log.append(audit.CASE_SAVE_FAILED, path=str(p.resolve()), sha256=sha, error=str(exc))
        raise
    return sha


OK, CHANGED, MOVED, MISSING = "ok", "changed", "moved", "missing"


@dataclass(frozen=True)
class EvidenceCheck:
    ref: EvidenceRef
    status: str  # ok | changed | moved | missing
    found_at: str | None  # where the file is now (None: missing)
    current_sha256: str | None
    message: str  # for the analyst


@dataclass(frozen=True)
class AnalysisCheck:
    ref: AnalysisRef
    ok: bool
    message: str


@dataclass(frozen=True)
class OpenedCase:
    case: Case
    path: str
    evidence: tuple[EvidenceCheck, ...] = ()
    analyses: tuple[AnalysisCheck, ...] = ()
    warnings: tuple[str, ...] = field(default=())

    @property
    def all_ok(self) -> bool:
        return not self.warnings


def read_case(path: str | os.PathLike) -> Case:
    p = Path(path)
    try:
        d = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise CaseFileInvalid(f"No case file at {p}.") from exc
    except (OSError, ValueError) as exc:
        raise CaseFileInvalid(f"{p.name} cannot be read as a case file ({exc}).") from exc
    return from_json(d)


def _anchor_of(path: Path) -> dict | None:
    try:
        d = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    a = d.get("audit_anchor") if isinstance(d, dict) else None
    return a if isinstance(a, dict) else None


def open_case(path: str | os.PathLike, progress: Callable[[str, int, int], None] | None = None,
              should_cancel: Callable[[], bool] | None = None, log: audit.AuditLog | None = None) -> OpenedCase:
    """Read a case and check every evidence file's SHA-256 and every referenced analysis file.

    A file found at its recorded path or, failing that, at its path relative to the case file
    (folder moved) is hashed; the case itself is not changed, so a moved file's new path is only
    recorded when the analyst saves. ``progress(file_name, bytes_done, bytes_total)``.
    """
    p = Path(path).resolve()
    case = read_case(p)
    checks, warnings = [], []
    anchor_problem = audit.check_anchor(_anchor_of(p), log)
    if anchor_problem and anchor_problem != audit.ELSEWHERE:  # a case from another machine: nothing to check
        warnings.append(f"Audit log: {anchor_problem}. The history this case was saved with is not all there.")
    for ref in case.evidence:
        candidates = [Path(ref.path)]
        if ref.relative_path:
            candidates.append((p.parent / ref.relative_path).resolve())
        where = next((c for c in candidates if c.is_file()), None)
        if where is None:
            msg = f"{ref.name}: MISSING. Not found at {ref.path}."
            checks.append(EvidenceCheck(ref, MISSING, None, None, msg))
            warnings.append(msg)
            continue
        h = hash_evidence(where, progress=(lambda d, t, n=where.name: progress(n, d, t)) if progress else None,
                          should_cancel=should_cancel)
        if h.sha256 != ref.sha256:
            msg = (f"{ref.name}: CHANGED. SHA-256 recorded {ref.sha256}, the file at {where} now has "
                   f"{h.sha256}. It is not the file that was analysed.")
            checks.append(EvidenceCheck(ref, CHANGED, str(where), h.sha256, msg))
            warnings.append(msg)
        elif str(where) != str(Path(ref.path)):
            msg = f"{ref.name}: moved to {where} (SHA-256 matches)."
            checks.append(EvidenceCheck(ref, MOVED, str(where), h.sha256, msg))
            warnings.append(msg)
        else:
            checks.append(EvidenceCheck(ref, OK, str(where), h.sha256, f"{ref.name}: SHA-256 matches."))
    analyses = []
    for a in case.analyses:
        try:
            load_analysis(a)
            analyses.append(AnalysisCheck(a, True, "ok"))
        except ResultFileInvalid as exc:
            analyses.append(AnalysisCheck(a, False, str(exc)))
            warnings.append(str(exc))
    (log or audit.default_log()).append(
        audit.CASE_OPENED, path=str(p), case_number=case.case_number,
        evidence={c.ref.sha256: c.status for c in checks}, problems=list(warnings))
    return OpenedCase(case, str(p), tuple(checks), tuple(analyses), tuple(warnings))


def with_found_paths(opened: OpenedCase) -> Case:
    """The case with moved files' paths updated (to save after the analyst accepts them)."""
    moved = {c.ref.sha256: c.found_at for c in opened.evidence if c.status == MOVED and c.found_at}
    if not moved:
        return opened.case
    ev = tuple(replace(e, path=moved.get(e.sha256, e.path)) for e in opened.case.evidence)
    return _touch(opened.case, evidence=ev)
