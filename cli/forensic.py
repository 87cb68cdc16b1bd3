"""What ``analyze`` writes for the record beside each result: reports and per-frame hashes, and
the checks on those output paths before any analysis starts.

The analysis itself, with its hashes, audit events and provenance, is
:func:`core.analyse_evidence.analyse_evidence`, the same call as the window's.
"""

from __future__ import annotations

import sys
from pathlib import Path

import cv2

from core.forensic import atomic, audit
from core.forensic.hashing import sha256_text
from core.forensic.integrity import frame_hashes, framemd5_text, refuse_beside_evidence
from core.version import app_version


def add_arguments(p) -> None:
    p.add_argument("--report", metavar="OUT",
                   help="write a report: HTML, or PDF when OUT ends in .pdf, with the JSON, CSV and a .sha256 list "
                        "beside it (a folder when several videos)")
    p.add_argument("--pdf", action="store_true", help="with --report: also print the report to PDF")
    p.add_argument("--robustness", action="store_true",
                   help="with --report: re-score each segment after re-encoding and mark it stable or fragile")
    p.add_argument("--overwrite", action="store_true",
                   help="with --report: replace report files already there (the audit log keeps their hashes)")
    p.add_argument("--analyst", help="the analyst's name, recorded in the result, the report and the audit log")
    p.add_argument("--case", metavar="NUMBER", help="the case number, recorded like --analyst")
    p.add_argument("--hash", dest="extra_hashes", action="append", choices=["md5", "sha1"], default=[],
                   help="also take this digest of the evidence (repeatable; SHA-256 is always taken)")
    p.add_argument("--framemd5", metavar="OUT",
                   help="write the MD5 of every analysed frame's decoded pixels (FFmpeg framemd5 layout; "
                        "a folder when several videos)")


def output_path(arg: str | None, video: Path, suffix: str, many: bool) -> Path | None:
    """Where an output for ``video`` goes: ``arg`` itself, or ``arg/<stem><suffix>`` for a folder or many videos."""
    if arg is None:
        return None
    out = Path(arg)
    if many or out.is_dir():
        return out / f"{video.stem}{suffix}"
    return out


class Session:
    def __init__(self, args, videos: list[Path]):
        self.args = args
        self.videos = videos
        self.many = len(videos) > 1
        self.log = audit.default_log()
        outputs = [getattr(args, k, None) for k in ("json", "csv", "report", "framemd5")]
        for v in videos:
            for arg, suffix in zip(outputs, (".json", ".csv", ".html", ".framemd5"), strict=True):
                out = output_path(arg, v, suffix, self.many)
                if out is not None:
                    refuse_beside_evidence(out, videos)
        if args.report and not args.overwrite:  # refuse now, not after a long analysis
            from core.errors import OutputExists
            from core.report.export import existing_outputs

            for v in videos:
                out = output_path(args.report, v, ".html", self.many)
                pdf = out.suffix.lower() == ".pdf" or args.pdf
                present = existing_outputs(out.with_suffix(".pdf") if pdf else out,
                                           (out.suffix.lower() != ".pdf") if pdf else None)
                if present:
                    raise OutputExists(f"{', '.join(p.name for p in present)} already there from an earlier export "
                                       f"(in {out.parent}); choose another --report or add --overwrite.",
                                       tuple(map(str, present)))
        if args.report and (args.pdf or args.report.lower().endswith(".pdf")):
            import gui.report_pdf  # noqa: F401  (fail now, not after a long analysis, when Qt is missing)

    def outputs(self, video: Path, result, written: list[Path] = (), compared=()) -> list[str]:
        """Write the report and frame hashes asked for; returns lines to print. ``written``: files this
        run wrote already (--json, --csv), which a report of the same name may replace. ``compared``:
        the --compare models' results of the same video, which the report sets beside ``result``."""
        lines = []
        a = self.args
        if a.framemd5:
            lines.append(self._framemd5(video, result))
        if a.report:
            out = output_path(a.report, video, ".html", self.many)
            if out.suffix.lower() == ".pdf" or a.pdf:
                from gui.report_pdf import export_pdf

                files = export_pdf(out.with_suffix(".pdf"), result, html=out.suffix.lower() != ".pdf",
                                   analyst=a.analyst, case_number=a.case, log=self.log, overwrite=a.overwrite,
                                   own=written, robustness=a.robustness, compared=compared)
            else:
                from core.report import export_report

                files = export_report(out, result, analyst=a.analyst, case_number=a.case, log=self.log,
                                      overwrite=a.overwrite, own=written, robustness=a.robustness,
                                      compared=compared)
            for name, sha in files.sha256.items():
                lines.append(f"  wrote {name}  sha256 {sha}")
            if files.evidence_check is not None and not files.evidence_check.content_unchanged:
                print("warning: the evidence no longer matches the analysed file; the report says so.",
                      file=sys.stderr)
        return lines

    def _framemd5(self, video: Path, result) -> str:
        out = output_path(self.args.framemd5, video, ".framemd5", self.many)
        every = int(result.params.get("every", 1))
        text = framemd5_text(frame_hashes(video, every=every), source=video.name, source_sha256=result.sha256,
                             fps=result.video.fps, width=result.video.width, height=result.video.height,
                             software=f"Deepfake Inspector {app_version()}, OpenCV {cv2.__version__}")
        atomic.write_text(out, text)
        sha = sha256_text(text)
        n = sum(1 for line in text.splitlines() if line and not line.startswith("#"))
        self.log.append(audit.FRAME_HASHES_EXPORTED, path=str(out.resolve()), sha256=sha,
                        evidence_sha256=result.sha256, frames=n, every=every)
        return f"  wrote {out.name} ({n} frame hashes)  sha256 {sha}"
