"""``import-weights FILE.h5 --arch meso4``: a model bundle from MesoNet's published Keras weights."""

from __future__ import annotations


def add_parser(sub) -> None:
    p = sub.add_parser("import-weights", help="import MesoNet's published Keras weights as a model bundle")
    p.add_argument("file", metavar="FILE.h5")
    p.add_argument("--arch", required=True, help="meso4 (Meso4_*.h5) or meso_inception4 (MesoInception_*.h5)")
    p.add_argument("--name", help="model name and folder (default: the file's name)")
    p.add_argument("--out", metavar="DIR", help="bundle folder (default: in the user's models folder)")
    p.add_argument("--overwrite", action="store_true", help="replace an existing bundle of that name")
    p.set_defaults(func=run)


def run(args) -> int:
    from core.models.mesonet import import_mesonet

    info = import_mesonet(args.file, args.arch, name=args.name, out_dir=args.out, overwrite=args.overwrite)
    c = info.card
    print(f"imported {args.file} as {info.id} ({c.architecture}, {c.input_size}px, output {c.output}, "
          f"threshold {c.threshold}) -> {info.path}")
    return 0
