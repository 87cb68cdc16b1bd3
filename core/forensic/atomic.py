"""Write files and folders so a reader never sees half of one (a temp sibling, then a rename).

A process killed mid-write cannot remove its temp sibling, so temp names carry this host and
process id, and every write first removes the siblings left by processes of this host that are
gone (POSIX; elsewhere debris stays, hidden).
"""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from core.errors import OutputNotWritable

_HOST = re.sub(r"[^A-Za-z0-9-]", "-", platform.node())[:40] or "host"
_DEBRIS = re.compile(rf"^\..+\.dfi-{re.escape(_HOST)}-(\d+)\.[A-Za-z0-9_]+(\.tmp)?$")


def _prefix(name: str) -> str:
    return f".{name}.dfi-{_HOST}-{os.getpid()}."


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, another user's
        return True
    return True


def sweep(folder: Path) -> list[Path]:
    """Remove temp files and folders that writers of this host left in ``folder`` when they died."""
    if os.name != "posix":  # os.kill(pid, 0) is no liveness test there
        return []
    gone = []
    try:
        entries = [e for e in os.scandir(folder) if e.name.startswith(".")]
    except OSError:
        return gone
    for e in entries:
        m = _DEBRIS.match(e.name)
        if m is None or int(m.group(1)) == os.getpid() or _alive(int(m.group(1))):
            continue
        path = Path(e.path)
        try:
            if e.is_dir(follow_symlinks=False):
                shutil.rmtree(path)
            else:
                path.unlink()
            gone.append(path)
        except OSError:
            continue
    return gone


def write_bytes(path: Path, data: bytes) -> None:
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        sweep(path.parent)
        fd, tmp = tempfile.mkstemp(prefix=_prefix(path.name), suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise OutputNotWritable(f"Cannot write to {path.parent}: {exc.strerror}.") from exc
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise OutputNotWritable(f"Cannot write {path}: {exc.strerror}.") from exc


def write_text(path: Path, text: str) -> None:
    write_bytes(path, text.encode("utf-8"))


def json_text(obj) -> str:
    """The text :func:`write_json` writes (to hash exactly what is written)."""
    return json.dumps(obj, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def write_json(path: Path, obj) -> None:
    write_text(path, json_text(obj))


@contextmanager
def staged_folder(target: Path, what: str) -> Iterator[Path]:
    """Yield an empty hidden sibling of ``target`` to fill; when the block ends it takes ``target``'s name.

    If the block fails, the half-made folder goes and ``target`` is left as it was; an OSError
    becomes :class:`OutputNotWritable` saying ``Cannot {what}: <reason>.``.
    """
    target = Path(target)
    tmp = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        sweep(target.parent)
        tmp = Path(tempfile.mkdtemp(prefix=_prefix(target.name), dir=target.parent))
        tmp.chmod(0o755)  # mkdtemp makes it private; a model installed for all users must be readable
        yield tmp
        if target.exists():
            shutil.rmtree(target)
        tmp.rename(target)
    except OSError as exc:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
        raise OutputNotWritable(f"Cannot {what}: {exc.strerror or exc}.") from exc
    except BaseException:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
        raise
