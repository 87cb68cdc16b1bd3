"""``audit``: list the audit log; ``audit --check``: verify its hash chain; ``audit --seal``: after damage,
keep the damaged log aside and start a new one that names it."""

from __future__ import annotations

import json


def add_parser(sub) -> None:
    p = sub.add_parser("audit", help="list the audit log, or check that it was not altered (--check)")
    p.add_argument("--check", action="store_true",
                   help="verify every line and the hash chain; exit 1 and name the first bad line if altered")
    p.add_argument("--last", type=int, default=20, metavar="N", help="list the last N entries (default 20)")
    p.add_argument("--all", action="store_true", help="list every entry")
    p.add_argument("--json", action="store_true", help="print entries as JSON lines, as stored")
    p.add_argument("--log", metavar="FILE", help="another audit log file (default: the user's)")
    p.add_argument("--anchor", action="append", default=[], metavar="LINES:SHA256",
                   help="with --check: a head recorded elsewhere (a report's 'audit log' line count and last "
                        "hash); the log must still hold that line unchanged (repeatable)")
    p.add_argument("--seal", action="store_true",
                   help="after --check found damage: keep the damaged log aside, untouched, and start a new one "
                        "whose first entry records its SHA-256 and where it broke")
    p.set_defaults(func=run)


def _summary(data: dict) -> str:
    keys = ("path", "id", "verdict", "score", "sha256", "format", "case_number", "ok", "problems", "error")
    parts = []
    for k in keys:
        v = data.get(k)
        if v in (None, "", [], {}):
            continue
        if k == "sha256" and isinstance(v, str):
            v = v[:16] + "..."
        if k == "path" and isinstance(v, str):
            v = v.replace("\\", "/").rsplit("/", 1)[-1]
        parts.append(f"{k}={v}")
    return " ".join(parts)


def run(args) -> int:
    from core.forensic.audit import AuditLog

    log = AuditLog(args.log) if args.log else AuditLog()
    if args.seal:
        kept, entry = log.seal()
        d = entry.data
        print(f"sealed: the damaged log is kept unchanged as {kept} (SHA-256 {d['sha256']}, {d['lines']} lines, "
              f"broken at line {d['first_bad_line'] or 'the end'}: {d['problem']})")
        print(f"{log.path}: a new log starts with a log_sealed entry naming it; 'audit --check' checks the new one")
        return 0
    if args.check:
        try:
            anchors = tuple((int(n), sha.strip().lower()) for n, sha in (a.split(":", 1) for a in args.anchor))
        except ValueError:
            raise SystemExit("error: --anchor takes LINES:SHA256, for example 120:3f5a...") from None
        check = log.verify(anchors)
        print(f"{log.path}: {check.summary()}")
        return 0 if check.ok else 1
    entries = log.entries()
    print(f"# {log.path} ({len(entries)} entries; 'audit --check' verifies the chain)")
    shown = entries if args.all else entries[-max(args.last, 0):] if args.last else []
    for e in shown:
        if args.json:
            print(json.dumps({"seq": e.seq, "time": e.time, "event": e.event, "data": e.data, "user": e.user},
                             ensure_ascii=False))
        else:
            print(f"{e.seq:6d}  {e.time}  {e.user:10s}  {e.event:22s} {_summary(e.data)}")
    return 0
