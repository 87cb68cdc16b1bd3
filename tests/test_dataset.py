"""Finding labelled data, group keys and leak-free splits, warnings and bad folders."""

import shutil
from collections import defaultdict
from pathlib import Path

import pytest
from conftest import shared_path
from trainset import make_face, make_images, write_image

from core.errors import DatasetError
from core.training import dataset as ds
from core.training import splits
from core.training.config import DataConfig
from core.training.dataset import scan_dataset

# The Celeb-DF v2 pairs of the research data: real idA_NNNN, fake idA_idB_NNNN, "_c" re-encodes.
CELEBDF_PAIRS = [("id13", "id10", "0011"), ("id16", "id6", "0012"), ("id26", "id25", "0006"),
                 ("id29", "id23", "0000"), ("id32", "id34", "0003"), ("id33", "id26", "0003"),
                 ("id40", "id44", "0003"), ("id51", "id50", "0002"), ("id58", "id55", "0002"),
                 ("id60", "id61", "0003"), ("id9", "id26", "0000")]


def test_celebdf_name_keys():
    assert splits.celebdf_identities("id13_0011") == ["id13"]
    assert splits.celebdf_identities("id13_id10_0011") == ["id13", "id10"]
    assert splits.celebdf_identities("id13_id10_0011_c") == ["id13", "id10"]
    assert splits.celebdf_identities("ID7_id2_0005_segment_1") == ["id7", "id2"]
    assert splits.celebdf_identities("00279_segment_1") == []
    assert splits.celebdf_identities("video_id13") == []
    assert splits.name_group("id13_id10_0011") == splits.name_group("id13_0011_c") == "id13"


def _celebdf_tree(root: Path) -> Path:
    i = 0
    for a, b, n in CELEBDF_PAIRS:
        for variant, suffix in (("original", ""), ("compressed_variant", "_c")):
            for label, name in (("real", f"{a}_{n}"), ("fake", f"{a}_{b}_{n}")):
                i += 1  # distinct content per file: the rule must come from the names
                img = make_face(i, label == "fake", 24)
                img[0, 0] = (i, 0, 0)
                write_image(root / label / variant / f"{name}{suffix}.png", img)
    return root


def _sides(summary):
    where = defaultdict(set)
    for f in summary.files:
        where[f.group].add(f.split)
    return where


def test_split_rule_keeps_celebdf_sources_on_one_side(tmp_path):
    summary = scan_dataset(DataConfig(str(_celebdf_tree(tmp_path / "cdf")), val_fraction=0.2, test_fraction=0.2))
    assert len(summary.files) == 44 and summary.layout == "automatic split"
    where = _sides(summary)
    assert all(len(s) == 1 for s in where.values())  # no group on two sides
    assert len(where) == 11  # one group per source identity
    by_source = defaultdict(set)
    for f in summary.files:
        by_source[Path(f.path).stem.split("_")[0]].add(f.split)
    assert all(len(s) == 1 for s in by_source.values())  # id13_0011, id13_id10_0011(_c) together
    assert {f.split for f in summary.files} == {"train", "validation", "test"}
    for split in ("validation", "test"):  # both classes on every side
        assert summary.count(split, 0) and summary.count(split, 1)
    assert "Celeb-DF" in summary.group_source


def test_identities_rule_links_swapped_in_faces(tmp_path):
    root = _celebdf_tree(tmp_path / "cdf")
    auto = scan_dataset(DataConfig(str(root)))
    linked = scan_dataset(DataConfig(str(root), group_rule="identities"))
    group = {f.path: f.group for f in linked.files}
    # id9_id26_0000 (id26's face) joins id26's and, through id33_id26, id33's group
    assert group["real/original/id9_0000.png"] == group["real/original/id26_0006.png"] \
        == group["fake/original/id33_id26_0003.png"]
    assert len({f.group for f in linked.files}) < len({f.group for f in auto.files})
    assert all(len(s) == 1 for s in _sides(linked).values())


def test_split_is_deterministic_and_follows_the_seed(tmp_path):
    root = make_images(tmp_path / "d", identities=20, per_identity=2)
    a = scan_dataset(DataConfig(str(root)))
    b = scan_dataset(DataConfig(str(root)))
    c = scan_dataset(DataConfig(str(root), split_seed=5))
    assert [f.split for f in a.files] == [f.split for f in b.files]
    assert a.file_list_hash == b.file_list_hash
    assert [f.split for f in a.files] != [f.split for f in c.files]
    n = len(a.files)
    assert 0.55 * n <= a.count("train") <= 0.85 * n  # about 70 / 15 / 15
    assert a.count("validation") >= 4 and a.count("test") >= 4


def test_presplit_layout_and_validation_carved_from_train(tmp_path):
    root = make_images(tmp_path / "p", identities=8, per_identity=2, layout="split")
    s = scan_dataset(str(root))
    assert s.layout == "split folders" and "as given" in s.split_rule
    assert all(f.split == f.path.split("/")[0] for f in s.files)
    shutil.rmtree(root / "validation")
    (root / "test").rename(root / "Testing")  # aliases are accepted, case-insensitively
    s2 = scan_dataset(DataConfig(str(root), val_fraction=0.3))
    assert s2.count("validation") > 0 and "became validation" in s2.split_rule
    assert all(len(v) == 1 for v in _sides(s2).values() if not {"test"} & v)
    assert s2.count("test") == 4


def test_leaks_and_duplicates_are_reported(tmp_path):
    root = make_images(tmp_path / "p", identities=8, per_identity=2, layout="split")
    # same source identity in train and test, and an identical file copied from train to validation
    shutil.copy(root / "train/real/id0_0000.png", root / "validation/real/copy_of_id0.png")
    write_image(root / "test/fake/id1_id99_0007.png", make_face(7, True))
    s = scan_dataset(str(root))
    text = " ".join(s.warnings)
    assert "more than one split folder" in text and "id1" in text
    assert "Identical copies across splits" in text and "copy_of_id0.png" in text


def test_automatic_split_keeps_identical_files_together(tmp_path):
    root = make_images(tmp_path / "d", identities=10, per_identity=1)
    for k in range(3):
        shutil.copy(root / "real/id0_0000.png", root / f"real/dup{k}.png")
    s = scan_dataset(str(root))
    sides = {f.split for f in s.files if f.sha256 == next(g.sha256 for g in s.files if g.path == "real/id0_0000.png")}
    assert len(sides) == 1
    assert any("duplicate another file of the same split" in w for w in s.warnings)


def test_a_split_that_cannot_be_made_is_explained(tmp_path):
    root = tmp_path / "d"
    for label in ("real", "fake"):
        for k in range(4):
            write_image(root / label / f"clip{k}.png", make_face(1, False))  # one picture, copied 8 times
    s = scan_dataset(str(root))
    assert s.count("train") == 8 and s.count("validation") == 0
    assert any("could not fill validation and test" in w and "only 1 group" in w for w in s.warnings)


def test_group_csv_is_used_and_found_automatically(tmp_path):
    root = make_images(tmp_path / "d", identities=6, per_identity=2)
    rows = ["path,identity"] + [f"{p.relative_to(root).as_posix()},person{p.stem[-1]}"
                                for p in sorted(root.rglob("*.png"))]
    (root / "identities.csv").write_text("\n".join(rows) + "\n")
    s = scan_dataset(str(root))
    assert "CSV: identities.csv" in s.group_source
    assert {f.group for f in s.files} == {"csv:person0", "csv:person1"}
    other = tmp_path / "groups_by_name.csv"
    names = [p.name for p in sorted(root.rglob("*.png"))]
    other.write_text("path,group\n" + "\n".join(f"{n},g{i % 3}" for i, n in enumerate(names)))
    s2 = scan_dataset(DataConfig(str(root), groups_csv=str(other)))
    assert len({f.group for f in s2.files}) == 3
    bad = tmp_path / "bad.csv"
    bad.write_text("file,who\na,b\n")
    with pytest.raises(DatasetError, match="'path' column"):
        scan_dataset(DataConfig(str(root), groups_csv=str(bad)))


def test_counts_warnings_and_card(tmp_path):
    root = make_images(tmp_path / "d", identities=12, per_identity=2)
    for p in list((root / "fake").glob("*.png"))[:16]:
        p.unlink()  # 24 real vs 8 fake
    (root / "real" / "notes.txt").write_text("not an image")
    (root / "real" / ".hidden.png").write_bytes(b"x")
    (root / "real" / "empty.jpg").write_bytes(b"")
    s = scan_dataset(str(root))
    assert s.ignored == 1 and all(".hidden" not in f.path for f in s.files)
    assert [k.path for k in s.skipped] == ["real/empty.jpg"] and "0 bytes" in s.skipped[0].reason
    text = " ".join(s.warnings)
    assert "Class imbalance in train" in text and "class weights" in text
    assert "Tiny training set" in text
    card = s.to_card()
    assert card["counts"]["train"]["real"]["image"] == s.count("train", 0, "image")
    assert card["file_list_sha256"] == s.file_list_hash and card["skipped"][0]["path"] == "real/empty.jpg"
    assert any("skipped 1 file:" in line for line in s.lines())


def test_file_list_hash_changes_with_content(tmp_path):
    root = make_images(tmp_path / "d", identities=4, per_identity=1)
    before = scan_dataset(str(root)).file_list_hash
    write_image(root / "real/id0_0000.png", make_face(99, False))
    assert scan_dataset(str(root)).file_list_hash != before


def test_second_scan_hashes_nothing(tmp_path, monkeypatch):
    root = make_images(tmp_path / "d", identities=4, per_identity=1)
    scan_dataset(str(root))
    calls = []
    monkeypatch.setattr(ds, "sha256_file", lambda p: calls.append(p) or "0" * 64)
    scan_dataset(str(root))
    assert calls == []


@pytest.mark.parametrize("case, match", [
    ("missing", "No folder"),
    ("file", "is a file"),
    ("empty", "holds no real/ or fake/"),
    ("only_val", "no train/ folder"),
    ("no_media", "No usable images or videos"),
    ("no_fake", "no fake examples"),
    ("no_real", "no real examples"),
])
def test_bad_folders_say_what_is_wrong(tmp_path, case, match):
    root = tmp_path / "data"
    if case == "file":
        root.write_text("x")
    elif case == "empty":
        root.mkdir()
    elif case == "only_val":
        (root / "validation" / "real").mkdir(parents=True)
    elif case == "no_media":
        (root / "real").mkdir(parents=True)
        (root / "fake").mkdir()
        (root / "real" / "readme.txt").write_text("x")
    elif case in ("no_fake", "no_real"):
        make_images(root, identities=2, per_identity=1)
        shutil.rmtree(root / ("fake" if case == "no_fake" else "real"))
    with pytest.raises(DatasetError, match=match):
        scan_dataset(str(root))


def test_self_blend_allows_real_only_data(tmp_path):
    root = make_images(tmp_path / "d", identities=6, per_identity=1)
    shutil.rmtree(root / "fake")
    s = scan_dataset(DataConfig(str(root), self_blend=True))
    assert s.count(label=1) == 0 and s.count(label=0) == 6


def test_unreadable_file_is_skipped(tmp_path, monkeypatch):
    root = make_images(tmp_path / "d", identities=3, per_identity=1)
    real_hash = ds.sha256_file

    def deny(p):
        if Path(p).name == "id0_0000.png":
            raise PermissionError(13, "Permission denied")
        return real_hash(p)

    monkeypatch.setattr(ds, "sha256_file", deny)
    s = scan_dataset(str(root))
    assert [(k.path, k.reason) for k in s.skipped] == [("real/id0_0000.png", "cannot be read (Permission denied)")]
    assert len(s.files) == 5


@pytest.mark.shared_data
def test_split_rule_on_the_real_celebdf_pairs():
    root = shared_path("celebdf_v2_pairs")
    s = scan_dataset(DataConfig(str(root), val_fraction=0.2, test_fraction=0.2))
    assert len(s.files) == 44 and s.count(kind="video") == 44
    assert all(len(v) == 1 for v in _sides(s).values())
    assert len({f.group for f in s.files}) == 11
    linked = scan_dataset(DataConfig(str(root), group_rule="identities"))
    assert all(len(v) == 1 for v in _sides(linked).values())
