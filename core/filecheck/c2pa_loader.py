"""Import c2pa-python so that its native library comes only from its own package folder.

c2pa-python looks for ``libc2pa_c`` in the current working directory (and ``./libs``,
``./artifacts``) before its package folder. An analyst who starts the app, or runs ``inspect``, in a
folder of received evidence would then load whatever library of that name the folder holds: code
execution from a file the case brought in. :func:`c2pa` imports the package with its loader's search
path cut down to the package's own ``libs`` folder.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path


def c2pa():
    """The ``c2pa`` module, its native library loaded from the installed package only."""
    loaded = sys.modules.get("c2pa")
    if loaded is not None:
        return loaded
    spec = importlib.util.find_spec("c2pa")  # locates the package without running it
    if spec is None or not spec.origin:
        raise ImportError("c2pa-python is not installed")
    folder = Path(spec.origin).parent
    lib_spec = importlib.util.spec_from_file_location("c2pa.lib", folder / "lib.py")
    lib = importlib.util.module_from_spec(lib_spec)
    lib_spec.loader.exec_module(lib)
    own = [folder / "libs", folder]

    def search_paths() -> list[Path]:
        return list(own)

    lib._get_possible_search_paths = search_paths  # noqa: SLF001 - the one hook the loader offers
    sys.modules["c2pa.lib"] = lib  # c2pa/c2pa.py's "from .lib import ..." takes this module
    import c2pa as module

    return module
