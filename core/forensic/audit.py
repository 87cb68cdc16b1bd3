"""The audit log: an append-only record of what was done to which evidence, tamper-evident.

One JSON object per line in ``<user data dir>/audit.jsonl``, UTF-8, keys in this order::

    {"seq": 7, "time": "2025-01-01T10:00:00.000+00:00", "event": "analysis_finished",
     "data": {...}, "user": "login", "host": "machine", "pid": 1234, "app_version": "0.1.0",
     "prev": "<SHA-256 of the exact bytes of line 6>", "hash": "<SHA-256 of this line without 'hash'>"}

``prev`` chains every line to the one before it (64 zeros on line 1), so editing, removing or
reordering a line breaks the chain at that point; ``hash`` makes an edit that did not recompute
it point at the edited line itself. ``audit.head.json`` beside the log records the number of
lines and the last line's SHA-256, so lines cut off the end are noticed too.

What this does not do: someone who can write both files and recomputes every hash can forge a
consistent log. Each exported report records the log's head (line count and last hash), which
anchors the log outside this computer.

Appends are serialised by a lock per log file within the process and, where the platform has
it (POSIX), an advisory ``flock`` across processes.
"""

from __future__ import annotations

import contextlib
import getpass
import hashlib
import json
import os
import platform
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from core import paths
from core.errors import AuditLogError, OutputNotWritable
from core.forensic import atomic

try:
    import fcntl
except ImportError:  # Windows: the in-process lock only
    fcntl = None

LOG_FILE = "audit.jsonl"
HEAD_FILE = "audit.head.json"
GENESIS = "0" * 64

# The events the app writes, and what their ``data`` holds.
FILE_OPENED = "file_opened"  # path, size_bytes, mtime_ns, sha256 (+ md5, sha1 when taken), purpose
STORED_RESULT_VIEWED = "stored_result_viewed"  # path, sha256, model_id, model_sha256, verdict, finished
MODEL_USED = "model_used"  # id, name, architecture, sha256
ANALYSIS_STARTED = "analysis_started"  # path, sha256, model_id, model_sha256, params
ANALYSIS_FINISHED = "analysis_finished"  # path, sha256, verdict, score, frames, segments, complete, result_sha256
ANALYSIS_CANCELLED = "analysis_cancelled"  # path, sha256, frames_done
ANALYSIS_FAILED = "analysis_failed"  # path, error
EVIDENCE_CHANGED = "evidence_changed"  # path, changes
REPORT_EXPORTED = "report_exported"  # path, format, sha256, evidence_sha256, and the files beside it
FRAME_HASHES_EXPORTED = "frame_hashes_exported"  # path, sha256, evidence_sha256, frames
CASE_SAVED = "case_saved"  # path, sha256, case_number, evidence (logged just before the file is written)
CASE_SAVE_FAILED = "case_save_failed"  # path, sha256 (of what was not written), error
CASE_OPENED = "case_opened"  # path, case_number, problems
ROBUSTNESS_PROBED = "robustness_probed"  # path, sha256, model_sha256, segments, fragile
LOG_SEALED = "log_sealed"  # sealed (the damaged log kept aside), sha256, lines, first_bad_line, problem
BATCH_STARTED = "batch_started"  # batch, inputs, out, model_id, model_sha256, params, videos, to_analyse, skipped
BATCH_VIDEO_SKIPPED = "batch_video_skipped"  # batch, path, sha256, result, result_sha256 (finished earlier)
BATCH_FINISHED = "batch_finished"  # batch, stopped, error, done, skipped, failed, cancelled, pending, summary_sha256
VERIFY_FINISHED = "verify_finished"  # path, sha256, matches, video_matches, scores_match, max_abs_diff
FILE_STRUCTURE_READ = "file_structure_read"  # path, sha256 (None when not hashed), findings, notable, credentials, ...
FRAME_EXPORTED = "frame_exported"  # path, sha256, sidecar, sidecar_sha256, evidence_path, evidence_sha256, frame, ...
FACE_EXPORTED = "face_exported"  # as frame_exported, with track, box, score

_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


def _lock_for(path: Path) -> threading.Lock:
    key = str(path.resolve())
    with _locks_guard:
        return _locks.setdefault(key, threading.Lock())


MAX_STRING = 4096  # characters of any one string an event carries; a longer one is cut and fingerprinted


def bounded(value: Any) -> Any:
    """``value`` with every string longer than MAX_STRING cut, keeping its length and SHA-256.

    Whatever a user supplies (a card's name, a case number, an error quoting its input) can then
    make a line only so long, so no append ever reads or writes megabytes.
    """
    if isinstance(value, str):
        if len(value) <= MAX_STRING:
            return value
        digest = _sha(value.encode("utf-8", "surrogatepass"))
        return f"{value[:MAX_STRING]}… [cut: {len(value):,} characters, SHA-256 {digest}]"
    if isinstance(value, dict):
        return {bounded(k): bounded(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [bounded(v) for v in value]
    return value


def _dumps(obj: dict) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _user() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError, ImportError):  # no login name in this environment
        return "unknown"


@dataclass(frozen=True)
class AuditEntry:
    line: int  # 1-based line number in the file
    seq: int
    time: str
    event: str
    data: dict[str, Any] = field(default_factory=dict)
    user: str = ""
    host: str = ""
    pid: int = 0
    app_version: str = ""
    prev: str = ""
    hash: str = ""


@dataclass(frozen=True)
class ChainCheck:
    ok: bool
    lines: int  # lines read
    first_bad_line: int | None  # 1-based; None when ok
    problem: str  # for the analyst; "" when ok
    head_hash: str  # SHA-256 of the last line (GENESIS for an empty log)

    def summary(self) -> str:
        if self.ok:
            return f"audit log intact: {self.lines} entries, last line SHA-256 {self.head_hash}"
        if self.first_bad_line is None:
            return f"audit log NOT CONFIRMED: {self.problem}"
        return f"audit log DAMAGED at line {self.first_bad_line}: {self.problem}"


def _parse(raw: bytes) -> dict:
    obj = json.loads(raw.decode("utf-8"))
    if not isinstance(obj, dict):
        raise ValueError("not a JSON object")
    for key, typ in (("seq", int), ("time", str), ("event", str), ("prev", str), ("hash", str), ("data", dict)):
        if not isinstance(obj.get(key), typ):
            raise ValueError(f"'{key}' missing or of the wrong type")
    return obj


def _self_hash(obj: dict) -> str:
    body = {k: v for k, v in obj.items() if k != "hash"}
    return _sha(_dumps(body).encode("utf-8"))


class AuditLog:
    """One audit log file (by default the user's)."""

    def __init__(self, path: str | os.PathLike | None = None):
        self.path = Path(path) if path is not None else paths.user_data_dir() / LOG_FILE

    @property
    def head_path(self) -> Path:
        """``audit.head.json`` beside ``audit.jsonl``."""
        return self.path.with_suffix(".head.json")

    # -- writing ------------------------------------------------------------------------------
    def append(self, event: str, **data: Any) -> AuditEntry:
        """Append one event; raises :class:`AuditLogError` when it cannot be written."""
        from core.version import app_version

        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with _lock_for(self.path), self._locked_file() as fh:
                last, count, needs_newline = _tail(fh)
                if last is None:
                    seq, prev = 1, GENESIS
                else:
                    prev = _sha(last)
                    try:
                        seq = int(_parse(last)["seq"]) + 1
                    except (ValueError, UnicodeDecodeError):  # a damaged last line: count lines instead
                        seq = count + 1
                data = bounded(data)
                obj = {
                    "seq": seq,
                    "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
                    "event": event,
                    "data": data,
                    "user": _user(),
                    "host": platform.node(),
                    "pid": os.getpid(),
                    "app_version": app_version(),
                    "prev": prev,
                }
                obj["hash"] = _self_hash(obj)
                line = _dumps(obj).encode("utf-8")
                fh.seek(0, os.SEEK_END)
                fh.write((b"\n" if needs_newline else b"") + line + b"\n")
                fh.flush()
                os.fsync(fh.fileno())
                atomic.write_json(self.head_path, {"lines": count + 1, "last_sha256": _sha(line),
                                                   "seq": seq, "log": self.path.name})
        except (OSError, OutputNotWritable) as exc:
            raise AuditLogError(f"Cannot write the audit log {self.path}: {exc}") from exc
        except (TypeError, ValueError) as exc:  # data that is not JSON: a programming error, said plainly
            raise AuditLogError(f"Audit event {event!r} holds a value that is not JSON: {exc}") from exc
        return AuditEntry(count + 1, seq, obj["time"], event, data, obj["user"], obj["host"], obj["pid"],
                          obj["app_version"], prev, obj["hash"])

    @contextlib.contextmanager
    def _locked_file(self):
        """The log file open for appending, under an exclusive lock across processes; if a seal
        replaced the file while this process waited for the lock, the new file is opened instead."""
        while True:
            fh = open(self.path, "a+b")
            try:
                if fcntl is not None:
                    fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
                    try:
                        same = os.fstat(fh.fileno()).st_ino == os.stat(self.path).st_ino
                    except FileNotFoundError:
                        same = False
                    if not same:  # sealed and replaced meanwhile: this inode is the kept file now
                        continue
                yield fh
                return
            finally:
                if fcntl is not None and not fh.closed:
                    fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
                fh.close()

    # -- reading ------------------------------------------------------------------------------
    def _read(self) -> tuple[list[bytes], bool]:
        """The lines (without newlines) and whether the last one lacks its newline (a torn write)."""
        if not self.path.is_file():
            return [], False
        try:
            raw = self.path.read_bytes()
        except OSError as exc:
            raise AuditLogError(f"Cannot read the audit log {self.path}: {exc.strerror}.") from exc
        if not raw:
            return [], False
        lines = raw.split(b"\n")
        torn = lines[-1] != b""
        if not torn:
            lines.pop()
        return lines, torn

    def _lines(self) -> list[bytes]:
        return self._read()[0]

    def entries(self) -> list[AuditEntry]:
        """Every readable entry, in file order (unreadable lines are left out; see :meth:`verify`)."""
        out = []
        for n, raw in enumerate(self._lines(), 1):
            try:
                o = _parse(raw)
            except (ValueError, UnicodeDecodeError):
                continue
            out.append(AuditEntry(n, o["seq"], o["time"], o["event"], o["data"], o.get("user", ""),
                                  o.get("host", ""), o.get("pid", 0), o.get("app_version", ""), o["prev"],
                                  o["hash"]))
        return out

    def head(self) -> dict[str, Any]:
        """Lines and last line's SHA-256 right now, and the first line's (which log this is): what a
        report, a result or a case records to anchor the log."""
        lines = self._lines()
        return {"log": str(self.path), "lines": len(lines), "last_sha256": _sha(lines[-1]) if lines else GENESIS,
                "first_sha256": _sha(lines[0]) if lines else GENESIS}

    def holds(self, lines: int, sha: str) -> str | None:
        """None when lines 1..``lines`` are sound, chained, and line ``lines`` has SHA-256 ``sha``;
        else what is wrong. Damage after that line is not this question (``verify`` reports it)."""
        raw, torn = self._read()
        if lines > len(raw) or (torn and lines == len(raw)):
            return f"it has {len(raw) - (1 if torn else 0)} complete lines, fewer than the {lines} recorded"
        prev = GENESIS
        for n, line in enumerate(raw[:lines], 1):
            problem = _line_problem(line, n, prev)
            if problem:
                return f"line {n}: {problem}"
            prev = _sha(line)
        return None if prev == sha else f"line {lines} is not the one recorded (its SHA-256 differs)"

    def verify(self, anchors: tuple[tuple[int, str], ...] = ()) -> ChainCheck:
        """Check every line and the chain; name the first line where it breaks.

        ``anchors``: (lines, last line's SHA-256) pairs recorded elsewhere (each report records
        one), checked like the head file; they are what a rewritten head file cannot fool.
        """
        lines, torn = self._read()
        prev_hash = GENESIS
        for n, raw in enumerate(lines, 1):
            if torn and n == len(lines):
                problem = "the last line is incomplete (a write was interrupted, or the line was cut)."
            else:
                problem = _line_problem(raw, n, prev_hash)
            if problem:
                return ChainCheck(False, len(lines), n, problem, prev_hash)
            prev_hash = _sha(raw)
        try:
            head = self._read_head()
        except AuditLogError as exc:  # a garbage head file is damage to report, not a read failure
            return ChainCheck(False, len(lines), None, f"{exc} Lines cut from the end cannot be ruled out "
                              "(check against the head a report recorded: --anchor).", prev_hash)
        if head is None and lines:
            return ChainCheck(False, len(lines), None,
                              f"the head file {self.head_path.name} is missing, so lines cut from the end of the "
                              "log cannot be ruled out (check against the head a report recorded: --anchor).",
                              prev_hash)
        marks = [(head.get("lines", 0), head.get("last_sha256"), "the head file")] if head is not None else []
        marks += [(n, sha, "the anchor given") for n, sha in anchors]
        for expected, sha, source in marks:
            expected = int(expected)
            if expected > len(lines):
                return ChainCheck(False, len(lines), len(lines) + 1,
                                  f"{expected - len(lines)} line(s) were removed from the end of the log "
                                  f"({source} records {expected}).", prev_hash)
            if expected and _sha(lines[expected - 1]) != sha:
                return ChainCheck(False, len(lines), expected,
                                  f"the line does not match the hash recorded in {source}.", prev_hash)
        return ChainCheck(True, len(lines), None, "", prev_hash)

    def seal(self) -> tuple[Path, AuditEntry]:
        """The way forward from a damaged log: keep it aside, untouched, and start a new log whose first
        entry records what was sealed (its SHA-256, lines, where and why it broke). Refuses an intact log.

        Nothing is repaired or deleted: the damaged file stays as evidence of the damage, and the new
        chain starts from a line that names it by hash.
        """
        check = self.verify()
        if check.ok:
            raise AuditLogError(f"The audit log {self.path} is intact: there is nothing to seal.")
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        kept = self.path.with_name(f"{self.path.stem}.damaged-{stamp}{self.path.suffix}")
        kept_head = kept.with_suffix(".head.json")
        fresh = AuditLog(self.path.with_name(f".{self.path.name}.sealing-{os.getpid()}"))
        try:
            # Under the log's lock, so no other process appends between the hash and the swap: hash the
            # damaged file, write the new chain's first entry beside it, then swap both in. An appender
            # that waited for the lock finds the file replaced and appends to the new chain, after it.
            with _lock_for(self.path), self._locked_file() as fh:
                fh.seek(0)
                digest = _sha(fh.read())
                entry = fresh.append(LOG_SEALED, sealed=str(kept), sha256=digest, lines=check.lines,
                                     first_bad_line=check.first_bad_line, problem=check.problem,
                                     head_file=str(kept_head) if self.head_path.exists() else None)
                os.replace(self.path, kept)
                if self.head_path.exists():
                    os.replace(self.head_path, kept_head)
                os.replace(fresh.path, self.path)
                head = json.loads(fresh.head_path.read_text(encoding="utf-8"))
                atomic.write_json(self.head_path, {**head, "log": self.path.name})
                fresh.head_path.unlink()
        except OSError as exc:
            raise AuditLogError(f"Cannot set the damaged audit log aside: {exc.strerror or exc}.") from exc
        return kept, entry

    def _read_head(self) -> dict | None:
        try:
            head = json.loads(self.head_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            raise AuditLogError(f"The audit head file {self.head_path} cannot be read ({exc}).") from exc
        if not isinstance(head, dict):
            raise AuditLogError(f"The audit head file {self.head_path} is not a JSON object.")
        lines, sha = head.get("lines"), head.get("last_sha256")
        if not isinstance(lines, int) or isinstance(lines, bool) or lines < 0 or not isinstance(sha, str):
            raise AuditLogError(f"The audit head file {self.head_path} does not hold a line count and a hash.")
        return head


ELSEWHERE = "elsewhere"  # check_anchor: the anchor is into a log this machine does not have


def _first_sha(log: AuditLog) -> str | None:
    raw = log._lines()  # noqa: SLF001 - same module
    return _sha(raw[0]) if raw else None


def _the_log_of(anchor: dict, log: AuditLog | None) -> AuditLog | None:
    """The log an anchor points into: the recorded file, or the sealed predecessor a new chain names."""
    recorded = Path(str(anchor.get("log") or ""))
    candidates = [AuditLog(recorded)] if recorded.name and recorded.is_file() else []
    candidates.append(log or default_log())
    first = anchor.get("first_sha256")
    for cand in candidates:
        if not cand.path.is_file():
            continue
        if first is None or _first_sha(cand) == first:
            return cand
        entries = cand.entries()  # a sealed log goes on in a new chain whose first entry names the old file
        if entries and entries[0].event == LOG_SEALED:
            kept = AuditLog(entries[0].data.get("sealed", ""))
            if kept.path.is_file() and _first_sha(kept) == first:
                return kept
    return None


def check_anchor(anchor: dict | None, log: AuditLog | None = None) -> str | None:
    """Whether the audit log still holds a head recorded in a result or a case (``{"log", "lines",
    "last_sha256", "first_sha256"}``): None when it does (or nothing was recorded), :data:`ELSEWHERE`
    when the anchor is into a log this machine does not have, else what is wrong, in words."""
    if not anchor or not anchor.get("lines"):
        return None
    try:
        target = _the_log_of(anchor, log)
        if target is None:
            return ELSEWHERE
        problem = target.holds(int(anchor["lines"]), str(anchor.get("last_sha256", "")))
    except (AuditLogError, ValueError, TypeError) as exc:
        return f"the audit log cannot be checked: {exc}"
    if problem is None:
        return None
    return f"the audit log {target.path} no longer holds the entry recorded at line {anchor['lines']}: {problem}"


def _line_problem(raw: bytes, n: int, prev_hash: str) -> str:
    """Why line ``n`` breaks the log, or "" when it is sound and follows the previous line."""
    try:
        o = _parse(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        return f"not a valid audit entry ({exc})."
    if _self_hash(o) != o["hash"]:
        return "the line was changed after it was written (its own hash does not match)."
    if o["seq"] != n:
        return (f"sequence number {o['seq']} where {n} was expected: "
                "lines were removed, inserted or reordered before this one.")
    if o["prev"] != prev_hash:
        if n == 1:
            return "the first line does not start the chain."
        return (f"it does not follow line {n - 1}: line {n - 1} was replaced, "
                "or lines were removed, inserted or reordered here.")
    return ""


def _tail(fh) -> tuple[bytes | None, int, bool]:
    """(last line without its newline, number of lines, whether the file lacks a final newline)."""
    fh.seek(0, os.SEEK_END)
    size = fh.tell()
    if size == 0:
        return None, 0, False
    fh.seek(size - 1)
    needs_newline = fh.read(1) != b"\n"
    fh.seek(0)
    newlines = 0
    while chunk := fh.read(1 << 20):  # ~2 ms per MiB; a log holds ~500 bytes an event
        newlines += chunk.count(b"\n")
    end = size - (0 if needs_newline else 1)
    start = end
    while start > 0:  # back from the end to the previous newline, each byte read once
        lo = max(0, start - (1 << 16))
        fh.seek(lo)
        pos = fh.read(start - lo).rfind(b"\n")
        if pos >= 0:
            start = lo + pos + 1
            break
        start = lo
    fh.seek(start)
    last = fh.read(end - start)
    return last, newlines + (1 if needs_newline else 0), needs_newline


def default_log() -> AuditLog:
    """The user's audit log (``$DFI_HOME/data/audit.jsonl`` when DFI_HOME is set)."""
    return AuditLog()


def log_event(event: str, **data: Any) -> AuditEntry:
    """Append an event to the user's audit log."""
    return default_log().append(event, **data)


def verify_chain(path: str | os.PathLike | None = None) -> ChainCheck:
    return AuditLog(path).verify()
