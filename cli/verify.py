"""``verify REPORT.json VIDEO``: run a recorded analysis again and say whether it reproduces.

Uses the recorded model (looked up by id; its weights' SHA-256 must be the recorded one) and the
recorded parameters, without the cache, and compares frame by frame (core/forensic/verify.py). Exit
status 0: the video is the analysed file and the scores match; 1: they do not; 2: it could
not be checked (missing model, unreadable file).
"""

from __future__ import annotations

import json
import sys


def add_parser(sub) -> None:
    p = sub.add_parser("verify", help="re-run a recorded analysis on a video and check that the scores match")
    p.add_argument("result", metavar="REPORT.json", help="the analysis JSON written beside a report (or by --json)")
    p.add_argument("video", metavar="VIDEO")
    p.add_argument("--model", help="model id or bundle folder to use instead of the recorded id "
                                   "(its weights must still have the recorded SHA-256)")
    p.add_argument("--tolerance", type=float, default=None, metavar="ABS",
                   help="absolute score tolerance when the build differs from the recorded one "
                        "(default 1e-6; on the same build scores must be bit-identical)")
    p.add_argument("--json", metavar="OUT", help="also write the comparison as JSON")
    p.set_defaults(func=run)


def _progress(p) -> None:
    if p.stage == "analysing" and sys.stderr.isatty():
        print(f"\r  {p.done}/{p.total} frames", end="", file=sys.stderr, flush=True)


def run(args) -> int:
    from core.forensic import atomic
    from core.forensic.verify import DEFAULT_TOLERANCE, read_result, verify
    from core.video import probe

    recorded = read_result(args.result)
    probe(args.video)  # a clear message for a bad video before loading anything
    tol = DEFAULT_TOLERANCE if args.tolerance is None else args.tolerance
    if tol < 0:
        raise SystemExit("error: --tolerance must be >= 0")
    report = verify(recorded, args.video, model=args.model, tolerance=tol, progress=_progress)
    if sys.stderr.isatty():
        print(file=sys.stderr)
    for line in report.lines():
        print(line)
    if args.json:
        atomic.write_text(args.json, json.dumps(report.to_json(), indent=2) + "\n")
    return 0 if report.ok else 1
