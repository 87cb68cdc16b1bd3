"""``robustness RESULT.json VIDEO``: does each suspicious segment survive re-encoding?

Re-scores the recorded faces with the recorded model (its weights must have the recorded SHA-256)
after JPEG 70/40, half and quarter resolution and blur (core/robustness.py). A segment whose
verdict side flips under a mild one (JPEG 70, half resolution) is fragile. Exit status 0.
"""

from __future__ import annotations

import json


def add_parser(sub) -> None:
    p = sub.add_parser("robustness", help="re-score a recorded analysis's faces after re-encoding and "
                                          "say which segments are fragile")
    p.add_argument("result", metavar="RESULT.json", help="the analysis JSON (from --json or beside a report)")
    p.add_argument("video", metavar="VIDEO", help="the analysed file (checked by hash)")
    p.add_argument("--per-segment", type=int, default=8, metavar="N", help="frames re-scored per segment")
    p.add_argument("--json", metavar="OUT", help="also write the figures as JSON")
    p.set_defaults(func=run)


def run(args) -> int:
    from dataclasses import asdict

    from core.errors import ModelError
    from core.forensic import atomic, audit
    from core.forensic.integrity import refuse_beside_evidence
    from core.forensic.verify import read_result
    from core.models.bundle import resolve
    from core.models.scorer import Scorer
    from core.robustness import probe

    recorded = read_result(args.result)
    if args.json:
        refuse_beside_evidence(args.json, [args.video, recorded.video.path])
    bundle = resolve(recorded.model.id)
    if bundle.weights_sha256() != recorded.model.sha256:
        raise ModelError(f"The installed {recorded.model.id} is not the model that analysed (its weights' SHA-256 "
                         "differs): its scores would not tell how the recorded ones move.")
    report = probe(recorded, args.video, Scorer(bundle).score_crops, bundle.card.input_size,
                   per_segment=max(1, args.per_segment))
    audit.default_log().append(audit.ROBUSTNESS_PROBED, path=str(args.video), sha256=recorded.sha256,
                               model_sha256=recorded.model.sha256, segments=len(report.segments),
                               fragile=[s.segment for s in report.segments if s.fragile])
    for line in report.lines():
        print(line)
    if not report.segments:
        print("No suspicious segment to probe.")
    if args.json:
        atomic.write_text(args.json, json.dumps(asdict(report), indent=2) + "\n")
    return 0
