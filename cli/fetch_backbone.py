"""``fetch-backbone``: download and verify the ImageNet ResNet50 weights, for a networked build machine.

The app itself never downloads anything; the installer ships the file this command fetched.
"""

from __future__ import annotations

import sys


def add_parser(sub) -> None:
    p = sub.add_parser("fetch-backbone", help="build machines: download and verify the ImageNet ResNet50 weights")
    p.add_argument("--dest", metavar="DIR", help="folder to put the file in (default: the app's models/backbones)")
    p.add_argument("--url", help="download from this address instead of Keras' (a mirror)")
    p.add_argument("--timeout", type=float, default=60.0, help="network timeout in seconds")
    p.add_argument("--check", nargs="?", const="", metavar="PATH",
                   help="download nothing: verify the file the app would use (or the one at PATH)")
    p.set_defaults(func=run)


def run(args) -> int:
    from core.models import backbone

    def progress(done, total):
        if sys.stderr.isatty():
            pct = f" {100 * done / total:5.1f}%" if total else ""
            print(f"\r{done / 1e6:7.1f} MB{pct}", end="", file=sys.stderr, flush=True)

    if args.check is not None:
        w = backbone.locate(backbone.RESNET50, user_path=args.check or None)
    else:
        w = backbone.fetch(backbone.RESNET50, dest=args.dest, url=args.url, progress=progress, timeout=args.timeout)
    if sys.stderr.isatty():
        print(file=sys.stderr)
    print(f"{w.path}\n  {w.size_bytes} bytes\n  md5    {w.md5} (verified against {w.verified_by})\n"
          f"  sha256 {w.sha256}")
    return 0
