"""Files and folders written so a reader never sees half of one."""
import errno

import pytest

from core import atomic
from core.errors import OutputNotWritable


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
