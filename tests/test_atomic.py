"""Files and folders written so a reader never sees half of one."""
import errno

import pytest

from core.errors import OutputNotWritable
from core.forensic import atomic


def test_staged_folder_replaces_the_target_only_when_the_block_ends(tmp_path):
    target = tmp_path / "models" / "mine"
    target.mkdir(parents=True)
    (target / "old.txt").write_text("old")
    with atomic.staged_folder(target, f"write {target}") as tmp:
        (tmp / "new.txt").write_text("new")
        assert tmp.parent == target.parent and tmp.name.startswith(".mine.")
        assert sorted(p.name for p in target.iterdir()) == ["old.txt"]  # untouched while filling
    assert sorted(p.name for p in target.iterdir()) == ["new.txt"]
    assert (target.stat().st_mode & 0o777) == 0o755
    assert sorted(p.name for p in target.parent.iterdir()) == ["mine"]


def test_a_failed_block_leaves_the_target_and_no_half_folder(tmp_path):
    target = tmp_path / "mine"
    target.mkdir()
    (target / "old.txt").write_text("old")
    with pytest.raises(ValueError, match="bad card"):
        with atomic.staged_folder(target, "write it") as tmp:
            (tmp / "half.txt").write_text("half")
            raise ValueError("bad card")
    with pytest.raises(OutputNotWritable, match=r"^Cannot save the model into x: No space left on device\.$"):
        with atomic.staged_folder(target, "save the model into x"):
            raise OSError(errno.ENOSPC, "No space left on device")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine"]
    assert (target / "old.txt").read_text() == "old"


def _dead_pid() -> int:
    import subprocess
    import sys

    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def test_the_next_write_removes_what_a_killed_writer_left_and_nothing_else(tmp_path):
    import os

    from core.forensic.atomic import _HOST, staged_folder, write_json

    dead = _dead_pid()
    left_file = tmp_path / f".r.json.dfi-{_HOST}-{dead}.k3j_x9ab.tmp"
    left_file.write_text("{half")
    left_dir = tmp_path / f".bundle.dfi-{_HOST}-{dead}.q8w2e1r0"
    (left_dir).mkdir()
    (left_dir / "model.keras").write_bytes(b"")
    mine = tmp_path / f".other.dfi-{_HOST}-{os.getpid()}.aaaaaaaa.tmp"  # a live writer's: kept
    mine.write_text("")
    elsewhere = tmp_path / f".r.json.dfi-otherhost-{dead}.bbbbbbbb.tmp"  # another machine's: kept
    elsewhere.write_text("")
    hidden = tmp_path / ".notes"  # the analyst's own hidden file: kept
    hidden.write_text("mine")

    write_json(tmp_path / "r.json", {"ok": 1})
    assert not left_file.exists() and not left_dir.exists()
    assert mine.exists() and elsewhere.exists() and hidden.read_text() == "mine"

    left_file.write_text("{half")
    with staged_folder(tmp_path / "bundle", "write") as tmp:
        (tmp / "card.json").write_text("{}")
    assert not left_file.exists() and (tmp_path / "bundle" / "card.json").exists()
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(".")) == ["bundle", "r.json"]


def test_start_up_removes_dead_writers_leftovers_from_our_folders_only(tmp_path, monkeypatch):
    """A killed model save in the user's models folder and a killed cache write: gone when the app
    starts, before anything else is written there; the user's own files and a live writer's stay."""
    import os

    from core import paths
    from core.cleanup import startup_sweep
    from core.forensic.atomic import _HOST

    monkeypatch.setenv("DFI_HOME", str(tmp_path / "home"))
    dead = _dead_pid()
    models, analyses = paths.user_models_dir(), paths.cache_dir() / "analyses"
    crops = paths.cache_dir() / "crops" / "ab"
    for folder in (models, analyses, crops):
        folder.mkdir(parents=True)
    staging = models / f".my-model.dfi-{_HOST}-{dead}.q8w2e1r0"
    staging.mkdir()
    (staging / "model.keras").write_bytes(b"")  # a complete-looking bundle a kill left behind
    half = analyses / f".k.json.dfi-{_HOST}-{dead}.k3j_x9ab.tmp"
    half.write_text("{half")
    torn = crops / f".ab12.npz.dfi-{_HOST}-{dead}.zz.tmp"
    torn.write_bytes(b"PK")
    live = analyses / f".j.json.dfi-{_HOST}-{os.getpid()}.aaaaaaaa.tmp"
    live.write_text("")
    user = models / "notes.txt"
    user.write_text("mine")
    elsewhere = tmp_path / f".x.dfi-{_HOST}-{dead}.aaaa.tmp"  # not one of our folders: not ours to clean
    elsewhere.write_text("")

    gone = startup_sweep()
    assert set(gone) == {staging, half, torn}
    assert live.exists() and user.read_text() == "mine" and elsewhere.exists()
    assert startup_sweep() == []
