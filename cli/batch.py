"""``batch INPUT... --out DIR``: every video under the inputs, resumably, with a summary.

Exit status: 0 when every video has a result; 5 when some failed (the batch went on; their
errors are in the summary); 3 when an evidence file changed during its analysis; 130 when
interrupted (run the same command again to go on); 1 or 2 for errors (see cli/__init__.py).
"""

from __future__ import annotations

import sys

from core.aggregate import STRATEGIES


def add_parser(sub) -> None:
    from core.batch.run import DEFAULT_WORKERS

    p = sub.add_parser("batch", help="analyse every video under folders; resumable, with a summary table")
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="video files or folders (walked recursively)")
    p.add_argument("--out", required=True, metavar="DIR",
                   help="output folder (not inside an input): per-video JSON/CSV mirroring the inputs' paths, "
                        "manifest.json, summary.csv/.json/.html")
    p.add_argument("--model", help="installed model id or bundle folder (default: the default model)")
    p.add_argument("--every", type=int, default=1, metavar="N", help="analyse every Nth frame (default 1)")
    p.add_argument("--threshold", type=float, help="decision threshold (default: the model card's)")
    p.add_argument("--strategy", choices=STRATEGIES, default="mean", help="video verdict strategy")
    p.add_argument("--workers", type=int, default=DEFAULT_WORKERS, metavar="N",
                   help=f"analyse N videos at once, each worker loading the model once (default {DEFAULT_WORKERS}; "
                        "see README for the measured gain)")
    p.add_argument("--ray", metavar="ADDRESS",
                   help='run the workers on a Ray cluster: "auto", a head address host:6379, ray://host:10001, '
                        'or "local" for a throwaway instance on this machine (needs the cluster extra)')
    p.add_argument("--no-cache", action="store_true", help="analyse again even if a cached result exists")
    p.add_argument("--analyst", help="the analyst's name, recorded with every result and in the audit log")
    p.add_argument("--case", metavar="NUMBER", help="the case number, recorded like --analyst")
    p.set_defaults(func=run)


def _clock(s: float | None) -> str:
    if s is None:
        return "?"
    s = int(round(s))
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


def _progress(p) -> None:
    r = p.row
    if p.stage == "hashing":
        if sys.stderr.isatty():
            print(f"\r  hashing {p.done}/{p.total}", end="", file=sys.stderr, flush=True)
        if p.done == p.total and sys.stderr.isatty():
            print(file=sys.stderr)
        return
    if p.stage != "analysing" or r is None:
        return
    what = (f"{r.verdict.replace('_', ' ').upper()}" + ("" if r.score is None else f" {r.score:.3f}")
            if r.status == "done" else f"{r.status}: {r.error} {r.message}".strip())
    print(f"[{p.done}/{p.total}] {r.rel}: {what}  (ETA {_clock(p.eta_s)})", flush=True)


def run(args) -> int:
    from core.analysis import AnalysisParams
    from core.batch.run import BatchRequest, run_batch

    if args.every < 1 or args.workers < 1:
        raise SystemExit("error: --every and --workers must be at least 1")
    req = BatchRequest(inputs=tuple(args.inputs), out=args.out, model=args.model,
                       params=AnalysisParams(every=args.every, threshold=args.threshold, strategy=args.strategy),
                       workers=args.workers, ray=args.ray, use_cache=not args.no_cache, analyst=args.analyst or "",
                       case_number=args.case or "")
    interrupted = False

    def cancelled() -> bool:
        return interrupted

    import signal

    def on_interrupt(signum, frame):  # finish cleanly: results so far stay, the summary is written
        nonlocal interrupted
        if interrupted:
            raise KeyboardInterrupt
        interrupted = True
        print("\nstopping after the videos in progress are cancelled (Ctrl+C again to quit at once)",
              file=sys.stderr)

    previous = signal.signal(signal.SIGINT, on_interrupt)
    try:
        s = run_batch(req, _progress, cancelled)
    finally:
        signal.signal(signal.SIGINT, previous)
    c = s.counts
    print(f"{len(s.rows)} videos: {c['done']} analysed, {c['skipped']} already finished, {c['failed']} failed"
          + (f", {c['cancelled'] + c['pending']} left for a re-run" if s.cancelled else "")
          + f"; summary in {s.out}/summary.html ({_clock(s.elapsed_s)})")
    if s.cancelled:
        return 130
    if any(r.evidence_changed for r in s.rows):
        return 3
    return 5 if c["failed"] else 0
