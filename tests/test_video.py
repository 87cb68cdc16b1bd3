import hashlib
import os

import numpy as np
import pytest
from media import numbered_frames, set_mp4_rotation, which_frame, write_h264, write_video

from core.errors import EmptyFile, FrameNotInFile, NotAFile, UnreadableVideo, VideoNotFound
from core.forensic.hashing import file_digests, sha256_file
from core.video import FrameReader, iter_frames, probe, to_rgb


def _index_frames(n=20, w=64, h=48):
    """Frame i is uniform grey level 10*i in red, so the index can be read back from pixels."""
    frames = []
    for i in range(n):
        f = np.zeros((h, w, 3), np.uint8)
        f[..., 0] = 10 * i  # red channel carries the index
        frames.append(f)
    return frames


@pytest.fixture
def index_video(tmp_path):
    return write_video(tmp_path / "index.avi", _index_frames())


def _decoded_index(rgb):
    return int(round(float(rgb[..., 0].mean()) / 10))


def test_probe_reports_geometry_and_codec(index_video):
    info = probe(index_video)
    assert (info.width, info.height, info.frames) == (64, 48, 20)
    assert info.fps == pytest.approx(10.0)
    assert info.duration_s == pytest.approx(2.0)
    assert info.codec == "MJPG"
    assert info.rotation == 0


def test_frames_are_rgb_with_index_and_time(index_video):
    frames = list(iter_frames(index_video))
    assert [i for i, _, _ in frames] == list(range(20))
    idx, t, rgb = frames[7]
    assert t == pytest.approx(0.7)
    assert rgb.dtype == np.uint8 and rgb.shape == (48, 64, 3)
    assert _decoded_index(rgb) == 7
    assert rgb[..., 2].mean() < 5  # red stayed in channel 0: BGR was converted


@pytest.mark.parametrize("every", [1, 3, 7])
def test_stride_samples_every_nth_frame(index_video, every):
    got = [(i, _decoded_index(rgb)) for i, _, rgb in iter_frames(index_video, every=every)]
    assert [i for i, _ in got] == list(range(0, 20, every))
    assert all(i == decoded for i, decoded in got)


def test_frame_reader_random_access(index_video):
    with FrameReader(index_video) as reader:
        for i in (5, 6, 15, 2, 19, 0):
            assert _decoded_index(reader.read(i)) == i
        with pytest.raises(IndexError):
            reader.read(20)


def test_grayscale_video_becomes_rgb(tmp_path):
    frames = [np.full((40, 40), 100 + i, np.uint8) for i in range(5)]
    path = write_video(tmp_path / "gray.avi", frames)
    _, _, rgb = next(iter_frames(path))
    assert rgb.shape == (40, 40, 3)
    assert np.allclose(rgb[..., 0], rgb[..., 1], atol=2)


def test_to_rgb_handles_gray_and_bgra():
    assert to_rgb(np.zeros((4, 5), np.uint8)).shape == (4, 5, 3)
    bgra = np.zeros((2, 2, 4), np.uint8)
    bgra[..., 0] = 255  # blue
    assert to_rgb(bgra)[0, 0].tolist() == [0, 0, 255]


def test_portrait_phone_video_is_delivered_upright(tmp_path):
    frames = _index_frames(6, w=64, h=48)
    path = set_mp4_rotation(write_video(tmp_path / "phone.mp4", frames, fourcc="mp4v"), 90)
    info = probe(path)
    assert info.rotation == 90
    assert (info.width, info.height) == (48, 64)
    _, _, rgb = next(iter_frames(path))
    assert rgb.shape == (64, 48, 3)


def test_one_frame_video(tmp_path):
    path = write_video(tmp_path / "one.avi", _index_frames(1))
    assert probe(path).frames == 1
    assert len(list(iter_frames(path))) == 1


def test_path_with_spaces_and_non_ascii(tmp_path):
    folder = tmp_path / "Fall 42 – Zeugenaussage ü"
    folder.mkdir()
    path = write_video(folder / "clip ü.avi", _index_frames(4))
    assert probe(path).frames == 4


def test_bad_inputs_have_specific_errors(tmp_path):
    with pytest.raises(VideoNotFound, match="No such file"):
        probe(tmp_path / "missing.mp4")
    with pytest.raises(NotAFile):
        probe(tmp_path)
    empty = tmp_path / "empty.mp4"
    empty.touch()
    with pytest.raises(EmptyFile, match="empty"):
        probe(empty)
    text = tmp_path / "notes.mp4"
    text.write_text("this is not a video\n" * 50)
    with pytest.raises(UnreadableVideo, match="notes.mp4"):
        probe(text)


def test_truncated_video_is_reported_not_crashed(tmp_path, index_video):
    data = index_video.read_bytes()
    cut = tmp_path / "cut.avi"
    cut.write_bytes(data[: len(data) // 2])  # the AVI index at the end is gone
    try:
        got = list(iter_frames(cut))
    except UnreadableVideo as exc:
        assert "truncated" in str(exc)
    else:  # a demuxer that copes delivers fewer frames than announced, never garbage
        assert 0 < len(got) < 20


_numbered, _which = numbered_frames, which_frame


def test_a_file_cut_short_with_its_index_at_the_front_never_shows_a_frame_under_another_number(tmp_path):
    """The container announces every frame; a seek past the data lands on the last frame there.
    That picture must not come back as the frame asked for."""
    frames = _numbered(90)
    whole = write_h264(tmp_path / "whole.mp4", frames)
    data = whole.read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: int(len(data) * 0.55)])
    with FrameReader(cut) as reader:
        assert reader.info.frames == 90
        end = reader.find_end()
        assert end is not None and 20 < end < 80 and reader.end == end
        for i in (end - 1, 3, end - 5):
            assert _which(reader.read(i), frames) == i  # what is there still reads, frame-exact
        for i in (end, 70, 89):
            with pytest.raises(FrameNotInFile, match=f"ends after frame {end - 1} of the 90") as exc:
                reader.read(i)
            assert exc.value.end == end
    with FrameReader(cut) as fresh:  # a seek past the end teaches it without find_end
        with pytest.raises(FrameNotInFile):
            fresh.read(80)
        assert fresh.end == end
    assert list(iter_frames(cut, start=80)) == []  # streaming from past the end gives nothing
    assert [_which(rgb, frames) for _, _, rgb in iter_frames(cut, start=end - 3)] == [end - 3, end - 2, end - 1]
    with FrameReader(whole) as ok:
        assert ok.find_end() is None
        assert _which(ok.read(89), frames) == 89 and _which(ok.read(10), frames) == 10


def test_a_cut_avi_reports_its_end(tmp_path):
    frames = _numbered(40)
    data = write_video(tmp_path / "whole.avi", frames).read_bytes()
    cut = tmp_path / "cut.avi"
    cut.write_bytes(data[: len(data) // 2])
    with FrameReader(cut) as reader:
        end = reader.find_end()
        assert end is not None and 10 < end < 30
        assert _which(reader.read(end - 2), frames) == end - 2  # the last one may be torn in half
        reader.read(end - 1)
        with pytest.raises(FrameNotInFile):
            reader.read(end)


def test_a_file_without_read_permission_says_so(tmp_path, index_video, monkeypatch):
    import core.video

    real = os.access
    monkeypatch.setattr(core.video.os, "access", lambda p, mode: False if str(p) == str(index_video) else real(p, mode))
    with pytest.raises(UnreadableVideo, match="permission denied"):
        probe(index_video)


def test_hashes_are_streamed_and_correct(tmp_path):
    f = tmp_path / "abc.bin"
    f.write_bytes(b"abc")
    assert sha256_file(f) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    big = tmp_path / "big.bin"
    payload = os.urandom(9 * 1024 * 1024 + 17)  # crosses chunk boundaries
    big.write_bytes(payload)
    d = file_digests(big, ("sha256", "md5"))
    assert d["sha256"] == hashlib.sha256(payload).hexdigest()
    assert d["md5"] == hashlib.md5(payload).hexdigest()


def test_damage_in_the_middle_is_not_taken_for_the_end_of_the_file(tmp_path):
    """A few KB zeroed at 30 %: the frames there fail, the ones after them are still in the file, and
    reading through the damage must not declare them missing."""
    frames = _numbered(200)
    data = bytearray(write_video(tmp_path / "whole.avi", frames).read_bytes())
    at = int(len(data) * 0.3)
    data[at:at + 3000] = bytes(3000)
    damaged = tmp_path / "damaged.avi"
    damaged.write_bytes(bytes(data))
    failed = []
    with FrameReader(damaged) as reader:
        for i in range(0, 200, 1):
            try:
                reader.read(i)
            except FrameNotInFile:
                pytest.fail(f"frame {i} was called past the end")
            except UnreadableVideo:
                failed.append(i)
        assert reader.end is None and reader.find_end() is None
        assert _which(reader.read(150), frames) == 150 and _which(reader.read(199), frames) == 199
    assert 0 < len(failed) < 20  # the damaged frames, not the rest of the file
