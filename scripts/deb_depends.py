"""The Debian packages a built one-folder app links to from the system, found with ldd.

    python3 scripts/deb_depends.py dist/DeepfakeInspector            # prints the Depends: value
    python3 scripts/deb_depends.py dist/DeepfakeInspector --verbose  # and which library needs which package

Runs ldd on every ELF file in the folder (the app, its libraries, Python extensions, Qt plugins, with
the bundle's own library folders on LD_LIBRARY_PATH as the app's loader sees them), keeps the
libraries that resolve outside the folder, and asks dpkg which package owns each. libc6 gets a
minimum version: the newest GLIBC_x.y symbol version any bundled file asks for. A library that ldd
cannot find at all fails the script (the build machine lacks it, so nothing says which package has it).
The xcb platform plugin is what needs the few X libraries (libxcb-cursor0, libxkbcommon-x11-0, ...)
that a minimal desktop system may lack.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

# the bundle's folders the bootloader and Qt put first on the library path
LIB_DIRS = ("_internal", "_internal/PySide6/Qt/lib", "_internal/PySide6")
ELF_MAGIC = b"\x7fELF"


def elf_files(app: Path) -> list[Path]:
    out = []
    for p in sorted(app.rglob("*")):
        if p.is_file() and not p.is_symlink():
            with open(p, "rb") as f:
                if f.read(4) == ELF_MAGIC:
                    out.append(p)
    return out


def system_libs(app: Path, files: list[Path]) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """{system library path: bundled files needing it}, {missing soname: bundled files needing it}."""
    env = dict(os.environ, LD_LIBRARY_PATH=":".join(str(app / d) for d in LIB_DIRS))
    found: dict[str, set[str]] = {}
    missing: dict[str, set[str]] = {}
    root = str(app.resolve())
    for f in files:
        res = subprocess.run(["ldd", str(f)], capture_output=True, text=True, env=env)
        rel = str(f.relative_to(app))
        for line in res.stdout.splitlines():
            m = re.match(r"\s*(\S+) => (.+?) \(0x", line)
            if m:
                path = os.path.realpath(m.group(2))
                if not path.startswith(root):
                    found.setdefault(path, set()).add(rel)
            elif "=> not found" in line:
                missing.setdefault(line.split()[0], set()).add(rel)
            else:
                m = re.match(r"\s*(/\S+) \(0x", line)  # the dynamic loader itself
                if m:
                    found.setdefault(os.path.realpath(m.group(1)), set()).add(rel)
    return found, missing


def owner(path: str) -> str:
    """The package that installed path: dpkg may record it under /lib or /usr/lib (merged /usr), or
    only by its basename's other spelling, so those are asked in turn."""
    alt = path[len("/usr"):] if path.startswith("/usr/lib/") else "/usr" + path if path.startswith("/lib") else path
    for query in (path, alt, "/" + os.path.basename(path)):
        res = subprocess.run(["dpkg-query", "-S", query], capture_output=True, text=True)
        if res.returncode == 0:
            return res.stdout.splitlines()[0].split(":", 1)[0].split(",")[0].strip()
    raise SystemExit(f"no package owns {path}")


def glibc_needed(files: list[Path]) -> str:
    newest = (2, 0)
    for f in files:
        out = subprocess.run(["readelf", "-W", "--version-info", str(f)], capture_output=True, text=True).stdout
        for v in re.findall(r"Name: GLIBC_(\d+)\.(\d+)", out):
            newest = max(newest, (int(v[0]), int(v[1])))
    return f"{newest[0]}.{newest[1]}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("app", type=Path)
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()
    files = elf_files(args.app)
    found, missing = system_libs(args.app, files)
    if missing:
        for lib, users in sorted(missing.items()):
            print(f"not found: {lib} (needed by {', '.join(sorted(users)[:3])})", file=sys.stderr)
        raise SystemExit("install the missing libraries on the build machine, then build again")
    packages: dict[str, set[str]] = {}
    for lib in sorted(found):
        packages.setdefault(owner(lib), set()).add(os.path.basename(lib))
    if args.verbose:
        for pkg, libs in sorted(packages.items()):
            print(f"{pkg}: {', '.join(sorted(libs))}", file=sys.stderr)
        print(f"{len(files)} ELF files checked", file=sys.stderr)
    deps = [f"{p} (>= {glibc_needed(files)})" if p == "libc6" else p for p in sorted(packages)]
    print(", ".join(deps))
    return 0


if __name__ == "__main__":
    sys.exit(main())
