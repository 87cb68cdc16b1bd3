"""The headless command line: the same engine as the window, one module per subcommand."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

from core.errors import InspectorError

# Each module defines add_parser(subparsers) and a run(args) -> int set as the parser's func.
COMMANDS = ["analyze", "models_cmd", "verify", "audit_cmd", "train", "evaluate", "import_weights",
            "fetch_backbone", "robustness_cmd", "batch", "inspect_cmd"]

log = logging.getLogger("cli")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="main.py",
        description="Deepfake Inspector. With no arguments (or a video path) opens the window; "
        "the subcommands below run the same engine headless.",
    )
    parser.add_argument("--self-test", action="store_true",
                        help="load every shipped model, analyse the demo clip, exit non-zero on failure")
    parser.add_argument("--verbose", "-v", action="store_true", help="log details to stderr")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"cli.{name}").add_parser(sub)
    return parser


def command_names() -> set[str]:
    return set(build_parser()._subparsers._group_actions[0].choices)  # noqa: SLF001


def run(argv: list[str]) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    if args.self_test:
        args.func = importlib.import_module("cli.selftest").run
    elif not args.command:
        parser.print_help()
        return 0
    try:
        return int(args.func(args) or 0)
    except InspectorError as exc:
        from core.messages import describe

        hint = describe(exc).hint
        print(f"error: {exc}" + (f" (hint: {hint})" if hint else ""), file=sys.stderr)  # one line
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug, not bad input: keep the details, show one line
        log_file = _log_unexpected(argv)
        print(f"unexpected error: {type(exc).__name__}: {exc} (details in {log_file})", file=sys.stderr)
        return 1


def _log_unexpected(argv: list[str]) -> str:
    import traceback
    from datetime import UTC, datetime

    from core import paths

    try:
        path = paths.ensure_dir(paths.log_dir()) / "cli-errors.log"
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(f"--- {datetime.now(UTC).isoformat()} main.py {' '.join(argv)}\n")
            fh.write(traceback.format_exc())
        return str(path)
    except OSError:
        traceback.print_exc()
        return "the traceback above"
