"""Import c2pa-python so that its native library comes only from its own package folder.

c2pa-python looks for ``libc2pa_c`` in the current working directory (and ``./libs``,
``./artifacts``) before its package folder. An analyst who starts the app, or runs ``inspect``, in a
folder of received evidence would then load whatever library of that name the folder holds: code
execution from a file the case brought in. :func:`c2pa` names the package's own copy by its absolute
path in ``C2PA_LIBRARY_NAME`` (the one setting its loader reads first) for the import, and refuses to
import when that copy is missing rather than let the loader search.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

LIBRARY = {"darwin": "libc2pa_c.dylib", "win32": "c2pa_c.dll"}.get(sys.platform, "libc2pa_c.so")


def own_library() -> Path:
    """The native library inside the installed package (a PyInstaller build keeps the same layout)."""
    spec = importlib.util.find_spec("c2pa")  # locates the package without running it
    if spec is None or not spec.origin:
        raise ImportError("c2pa-python is not installed")
    return Path(spec.origin).resolve().parent / "libs" / LIBRARY


def c2pa():
    """The ``c2pa`` module, its native library loaded from the installed package only."""
    loaded = sys.modules.get("c2pa")
    if loaded is not None:
        return loaded
    lib = own_library()
    if not lib.is_file():
        raise ImportError(f"c2pa-python's library is missing from its package: {lib}")
    before = os.environ.get("C2PA_LIBRARY_NAME")
    os.environ["C2PA_LIBRARY_NAME"] = str(lib)  # an absolute name: every search path joins to it
    try:
        import c2pa as module
    finally:
        if before is None:
            os.environ.pop("C2PA_LIBRARY_NAME", None)
        else:
            os.environ["C2PA_LIBRARY_NAME"] = before
    return module
