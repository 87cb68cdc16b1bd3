"""Figures for the forensic parts: evidence hashing, per-frame hashing, report export, audit log.

    python bench/bench_forensic.py [--mib 512]

Writes only under a temporary folder (and uses a temporary DFI_HOME). Prints one line per
figure; nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ["DFI_HOME"] = tempfile.mkdtemp(prefix="dfi-bench-")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mib", type=int, default=512, help="size of the file to hash")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="dfi-bench-files-"))

    from core.forensic.integrity import frame_hashes, hash_evidence

    big = tmp / "big.bin"
    with open(big, "wb") as fh:
        block = os.urandom(1 << 20)
        for _ in range(args.mib):
            fh.write(block)
    hash_evidence(big)  # warm the page cache
    _, t1 = timed(lambda: hash_evidence(big))
    _, t3 = timed(lambda: hash_evidence(big, ["md5", "sha1"]))
    print(f"hash {args.mib} MiB (page cache warm): SHA-256 {args.mib / t1:.0f} MiB/s; "
          f"SHA-256+MD5+SHA-1 in one pass {args.mib / t3:.0f} MiB/s")
    big.unlink()

    from media import face_image, moving_face_frames, write_video

    frames = moving_face_frames(300, (1280, 720), face_image(160), step=3)
    video = write_video(tmp / "clip720p.avi", frames, fps=25.0)
    n, t = timed(lambda: sum(1 for _ in frame_hashes(video)))
    print(f"framemd5 of 1280x720 MJPG: {n} frames in {t:.2f} s = {n / t:.0f} frames/s (decode included)")

    from conftest import ColourFaceDetector, _bundle

    from core.analysis import AnalysisParams, Engine
    from core.report import export_report
    from gui.report_pdf import export_pdf

    bundle = _bundle(tmp / "bundles", "tiny_cnn")
    r = Engine(bundle, detector=ColourFaceDetector()).analyze(video, AnalysisParams(threshold=0.05),
                                                             use_cache=False)
    out = tmp / "out"
    files, t = timed(lambda: export_report(out / "r.html", r))
    print(f"HTML report, 300 frames 1280x720, {len(r.segments)} segment(s): {t:.2f} s, "
          f"{os.path.getsize(files.html) / 1024:.0f} KiB (hashing the video again included)")
    files, t = timed(lambda: export_pdf(out / "p.pdf", r))
    print(f"PDF report (Qt): {t:.2f} s, {os.path.getsize(files.pdf) / 1024:.0f} KiB")

    from core.forensic.audit import AuditLog

    log = AuditLog(tmp / "audit.jsonl")
    n = 2000
    _, t = timed(lambda: [log.append("bench", i=i, sha256="a" * 64) for i in range(n)])
    print(f"audit append (fsync each): {n / t:.0f} events/s over {n}")
    check, t = timed(log.verify)
    print(f"audit --check of {check.lines} lines: {t * 1000:.0f} ms ({'intact' if check.ok else 'DAMAGED'})")


if __name__ == "__main__":
    main()
