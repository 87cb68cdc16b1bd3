"""Deepfake Inspector. No arguments (or a video path): the window. Subcommands: headless."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if "fetch-backbone" not in argv:  # the one command for networked build machines
        from core.forensic import offline

        offline.install()
    from core.cleanup import startup_sweep

    startup_sweep()  # debris of writes a killed run left in our folders (never anything else)
    from cli import command_names, run

    wants_window = not argv or (len(argv) == 1 and not argv[0].startswith("-")
                                and argv[0] not in command_names())
    if wants_window:
        from gui.app import run_app

        return run_app(argv[0] if argv else None)
    return run(argv)


if __name__ == "__main__":
    import multiprocessing

    # First: in the frozen app a spawned batch worker (core/batch/local.py, --workers N) starts this
    # executable again; freeze_support runs the worker there instead of the command line or window.
    multiprocessing.freeze_support()
    sys.exit(main())
