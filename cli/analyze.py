"""``analyze VIDEO [VIDEO ...]``: per-frame scores, segments and a verdict for each video.

Exit status: 0 when every video was read whole; 3 when an evidence file changed during its
analysis; 4 when one could not be read to its end (truncated or damaged), so its verdict
covers only part of it; 1 or 2 for errors (see cli/__init__.py).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from cli import forensic
from core.aggregate import STRATEGIES
from core.decide import coverage_text, segments_caveat, verdict_text
from core.forensic import atomic
from core.result import to_csv


def add_parser(sub) -> None:
    p = sub.add_parser("analyze", help="analyse videos headless; writes JSON/CSV results")
    p.add_argument("videos", nargs="+", metavar="VIDEO")
    p.add_argument("--model", help="installed model id or bundle folder (default: the default model)")
    p.add_argument("--every", type=int, default=1, metavar="N", help="analyse every Nth frame (default 1)")
    p.add_argument("--detect-every", type=int, metavar="K",
                   help="run the face detector every Kth analysed frame, track in between "
                   "(default: every 0.25 s of video)")
    p.add_argument("--threshold", type=float, help="decision threshold (default: the model card's)")
    p.add_argument("--strategy", choices=STRATEGIES, default="mean", help="video verdict strategy")
    p.add_argument("--json", metavar="OUT", help="write the result JSON here (a folder when several videos)")
    p.add_argument("--csv", metavar="OUT", help="write per-frame, per-face rows here (a folder when several)")
    p.add_argument("--compare", action="append", default=[], metavar="MODEL",
                   help="also score with this model in the same pass (repeatable, up to 2): one decode and face "
                        "detection; each model's verdict and where they agree are printed and exported")
    p.add_argument("--no-cache", action="store_true", help="analyse again even if a cached result exists")
    forensic.add_arguments(p)
    p.set_defaults(func=run)


def _progress(p) -> None:
    if p.stage == "analysing" and sys.stderr.isatty():
        eta = f"{p.eta_s:5.0f}s" if p.eta_s is not None else "  ?"
        print(f"\r  {p.done}/{p.total} frames, ETA {eta}", end="", file=sys.stderr, flush=True)


def comparison_lines(result, others) -> list[str]:
    """Each further model's verdict, and the flagged spans with how many models agree on each."""
    if not others:
        return []
    from core.agreement import agreement

    ag = agreement([result, *others])
    lines = []
    for r in others:
        v = r.verdict
        score = "n/a" if v.score is None else f"{v.score:.3f}"
        lines.append(f"  also {r.model.id}: {verdict_text(v, r.coverage)} (score {score}, threshold "
                     f"{float(r.params['threshold']):.3f})")
    lines.append("  the models' verdicts " + ("agree" if ag.verdicts_agree else "DISAGREE"))
    for s in ag.spans:
        peaks = ", ".join(f"{m} {'-' if p is None else f'{p:.2f}'}" for m, p in s.peaks)
        lines.append(f"  {s.start_s:7.2f}-{s.end_s:7.2f} s: flagged by {s.summary()} ({peaks})")
    return lines


def run(args) -> int:
    from core.agreement import agreement
    from core.analyse_evidence import analyse_evidence
    from core.analysis import MAX_COMPARED, AnalysisParams, Engine
    from core.video import probe

    videos = [Path(v) for v in args.videos]
    infos = [probe(v) for v in videos]  # fail on bad input before loading any model
    if args.every < 1 or (args.detect_every is not None and args.detect_every < 1):
        raise SystemExit("error: --every and --detect-every must be at least 1")
    if len(args.compare) > MAX_COMPARED:
        raise SystemExit(f"error: --compare takes at most {MAX_COMPARED} models")
    params = AnalysisParams(every=args.every, detect_every=args.detect_every, threshold=args.threshold,
                            strategy=args.strategy)
    outputs = forensic.Session(args, videos)  # refuses bad output paths now; writes reports and frame hashes
    engine = Engine(args.model)
    companions = [Engine(m, detector=engine.detector(params.detect_width, params.min_confidence))
                  for m in args.compare]
    many = len(videos) > 1
    status = 0
    PARTLY_READ, CHANGED = 4, 3
    for video, info in zip(videos, infos, strict=True):
        result, *others = analyse_evidence(video, [engine, *companions], params, analyst=args.analyst or "",
                                           case_number=args.case or "", extra_hashes=args.extra_hashes,
                                           log=outputs.log, progress=_progress, use_cache=not args.no_cache, info=info)
        if sys.stderr.isatty():
            print(file=sys.stderr)
        doc = result.to_json()
        if others:
            doc["comparison"] = {"results": [r.to_json() for r in others],
                                 "agreement": agreement([result, *others]).to_json()}
        json_path = forensic.output_path(args.json, video, ".json", many)
        csv_path = forensic.output_path(args.csv, video, ".csv", many)
        if json_path:
            atomic.write_json(json_path, doc)
        if csv_path:
            atomic.write_text(csv_path, to_csv(result))
        v, cov = result.verdict, result.coverage
        score = "n/a" if v.score is None else f"{v.score:.3f}"
        print(f"{video.name}: {verdict_text(v, cov)} (score {score}, {v.strategy}, {v.frames_scored} frames scored, "
              f"{len(result.segments)} suspicious segments) sha256 {result.sha256}")
        if caveat := segments_caveat(result):
            print(f"  {caveat}")
        if cov is not None and not cov.whole:
            print(f"  {coverage_text(cov)}")
            if result.complete and status != CHANGED:
                status = PARTLY_READ
        for line in comparison_lines(result, others):
            print(line)
        for line in outputs.outputs(video, result, written=[p for p in (json_path, csv_path) if p], compared=others):
            print(line)
        for w in result.warnings:
            print(f"warning: {w}", file=sys.stderr)
        if result.evidence_changed:
            status = CHANGED
        if not json_path and not csv_path and not args.report:
            json.dump(doc["verdict"], sys.stdout)
            print()
    return status
