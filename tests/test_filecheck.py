"""Container and stream forensics (core.filecheck) on small files made here with PyAV.

Where a property can be known another way, the test asks that way too: picture types and key frames
from decoding every frame with PyAV, rotation from OpenCV's own reading of the display matrix, the
encoder's settings from what the test asked libx264 for.
"""

from __future__ import annotations

import json
from collections import Counter
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from core.errors import UnreadableVideo, VideoNotFound
from core.filecheck import SCHEMA, inspect_file
from core.filecheck.bmff import rotation_from_matrix
from core.video import probe

W, H = 96, 64
# 90 degrees clockwise as ISO/IEC 14496-12 writes it (a, b, u, c, d, v, x, y, w; 16.16 and 2.30 fixed point)
CW90 = [0, 65536, 0, -65536, 0, 0, 0, 0, 1 << 30]


def _picture(i: int) -> np.ndarray:
    rng = np.random.default_rng(7)
    base = rng.integers(0, 255, (H // 8, W // 8, 3), dtype=np.uint8).repeat(8, 0).repeat(8, 1)
    return np.ascontiguousarray(np.roll(base, 3 * i, axis=1))


def write(path: Path, *, frames: int = 40, fps: int = 25, codec: str = "libx264", options: dict | None = None,
          pts: list[int] | None = None, time_base: Fraction | None = None, metadata: dict | None = None,
          audio: bool = False, matrix: list[int] | None = None, force_key: tuple[int, ...] = (),
          fmt: str | None = None) -> Path:
    """A small clip; ``pts`` (in ``time_base``, default 1/fps) gives irregular timing."""
    tb = time_base or Fraction(1, fps)
    with av.open(str(path), "w", format=fmt) as out:
        for k, v in (metadata or {}).items():
            out.metadata[k] = v
        v = out.add_stream(codec, rate=fps, options=options or {})
        v.width, v.height, v.pix_fmt = W, H, "yuv420p"
        v.time_base = v.codec_context.time_base = tb
        if matrix is not None:
            v.set_display_matrix(matrix)
        a = out.add_stream("aac", rate=48000) if audio else None
        for i in range(frames):
            frame = av.VideoFrame.from_ndarray(_picture(i), format="rgb24")
            frame.pts = pts[i] if pts is not None else i
            frame.time_base = tb
            if i in force_key:
                frame.pict_type = av.video.frame.PictureType.I
            for p in v.encode(frame):
                out.mux(p)
        for p in v.encode():
            out.mux(p)
        if a is not None:
            samples = int(frames / fps * 48000)
            tone = (0.1 * np.sin(np.arange(samples) / 10)).astype(np.float32)
            for start in range(0, samples, 1024):
                af = av.AudioFrame.from_ndarray(tone[None, start:start + 1024], format="fltp", layout="mono")
                af.sample_rate, af.pts = 48000, start
                for p in a.encode(af):
                    out.mux(p)
            for p in a.encode():
                out.mux(p)
    return path


def decoded(path: Path) -> tuple[str, list[int]]:
    """Picture types in presentation order and key-frame positions, as PyAV's decoder gives them."""
    with av.open(str(path)) as c:
        frames = list(c.decode(video=0))
    types = "".join(av.video.frame.PictureType(f.pict_type).name for f in frames)
    return types, [i for i, f in enumerate(frames) if f.key_frame]


def codes(result) -> set[str]:
    return {f.code for f in result.findings}


def test_ffmpeg_encoder_tag_is_found_and_a_custom_one_is_named(tmp_path):
    clip = write(tmp_path / "a.mp4")
    r = inspect_file(clip, credentials=False)
    assert r.container.encoder.startswith("Lavf")
    f = r.finding("encoder.ffmpeg")
    assert f is not None and f.level == "notable" and "FFmpeg" in f.means and f.does_not_mean
    assert "encoder.named" not in codes(r)

    # the same file with the tag's text replaced in place (same length: the box sizes stay right)
    data = clip.read_bytes()
    old = r.container.encoder.encode()
    new = ("CamApp " + "9" * 40)[:len(old)].encode()
    assert data.count(old) == 1
    other = tmp_path / "b.mp4"
    other.write_bytes(data.replace(old, new))
    r2 = inspect_file(other, credentials=False)
    assert r2.container.encoder == new.decode()
    assert "encoder.ffmpeg" not in codes(r2)
    assert new.decode() in r2.finding("encoder.named").title


def test_creation_time_is_read_from_tags_and_movie_header_and_its_absence_said(tmp_path):
    dated = inspect_file(write(tmp_path / "dated.mp4", metadata={"creation_time": "2024-05-01T10:20:30Z"}),
                         credentials=False)
    assert dated.container.creation_time.startswith("2024-05-01T10:20:30")
    assert dated.atoms.created == "2024-05-01T10:20:30+00:00"
    assert "2024-05-01T10:20:30" in dated.finding("creation_time.present").title
    assert "creation_time.absent" not in codes(dated)

    bare = inspect_file(write(tmp_path / "bare.mp4"), credentials=False)
    assert bare.container.creation_time is None and bare.atoms.created is None
    absent = bare.finding("creation_time.absent")
    assert absent is not None and absent.level == "info" and "manipulated" in absent.does_not_mean


def test_rotation_from_the_display_matrix_agrees_with_opencv(tmp_path):
    cw = inspect_file(write(tmp_path / "cw.mp4", matrix=CW90), credentials=False)
    v = cw.stream("video")[0].video
    assert (v.rotation, v.mirrored, v.rotation_source) == (90, False, "tkhd display matrix")
    assert v.rotation == probe(tmp_path / "cw.mp4").rotation
    assert "90°" in cw.finding("rotation").title

    # PyAV's own helper (counter-clockwise degrees): whatever it writes, OpenCV must read the same
    with av.open(str(tmp_path / "ccw.mp4"), "w") as out:
        s = out.add_stream("libx264", rate=25)
        s.width, s.height, s.pix_fmt = W, H, "yuv420p"
        s.set_display_rotation(90)
        for i in range(5):
            for p in s.encode(av.VideoFrame.from_ndarray(_picture(i), format="rgb24")):
                out.mux(p)
        for p in s.encode():
            out.mux(p)
    ccw = inspect_file(tmp_path / "ccw.mp4", credentials=False).stream("video")[0].video
    assert ccw.rotation == probe(tmp_path / "ccw.mp4").rotation == 270

    upright = inspect_file(write(tmp_path / "up.mp4"), credentials=False)
    assert upright.stream("video")[0].video.rotation == 0 and "rotation" not in codes(upright)


def test_matrix_reading_handles_mirroring():
    assert rotation_from_matrix((-65536, 0, 0, 0, 65536, 0, 0, 0, 1 << 30)) == (0, True)
    assert rotation_from_matrix((0, -65536, 0, 65536, 0, 0, 0, 0, 1 << 30)) == (270, False)
    assert rotation_from_matrix((-65536, 0, 0, 0, -65536, 0, 0, 0, 1 << 30)) == (180, False)


def test_variable_frame_rate_is_found_and_a_constant_one_is_not(tmp_path):
    rng = np.random.default_rng(3)
    steps = rng.choice([2, 3, 4, 6], size=60)  # intervals of 20-60 ms in a 1/100 s time base
    pts = np.concatenate([[0], np.cumsum(steps)[:-1]]).tolist()
    # no B-frames: with them, the muxer's decode times for such uneven steps would not increase
    r = inspect_file(write(tmp_path / "vfr.mp4", frames=60, pts=pts, time_base=Fraction(1, 100),
                           options={"bf": "0"}), credentials=False)
    t = r.stream("video")[0].timing
    assert t.variable_rate
    assert t.interval_min_s == pytest.approx(0.02) and t.interval_max_s == pytest.approx(0.06)
    span = (pts[-1] - pts[0]) / 100 + t.interval_median_s
    assert t.measured_fps == pytest.approx(60 / span, rel=1e-3)
    assert "vfr" in codes(r)

    cfr = inspect_file(write(tmp_path / "cfr.mp4", frames=60), credentials=False)
    tc = cfr.stream("video")[0].timing
    assert not tc.variable_rate and tc.gap_count == 0 and tc.irregular_intervals == 0
    assert tc.measured_fps == pytest.approx(25.0)
    assert not {"vfr", "timestamp.gap", "fps.mismatch"} & codes(cfr)


def test_a_timestamp_gap_is_located(tmp_path):
    pts = list(range(25)) + list(range(35, 50))  # ten frames' worth of time missing after frame 24
    r = inspect_file(write(tmp_path / "gap.mp4", frames=40, pts=pts), credentials=False)
    t = r.stream("video")[0].timing
    assert t.gap_count == 1 and not t.variable_rate
    g = t.gaps[0]
    assert g.frame == 25 and g.time_s == pytest.approx(35 / 25) and g.interval_s == pytest.approx(11 / 25)
    assert g.expected_s == pytest.approx(1 / 25)
    f = r.finding("timestamp.gap")
    assert f.frame == 25 and "frame 25" in f.title


def test_audio_stream_is_described(tmp_path):
    r = inspect_file(write(tmp_path / "av.mp4", frames=50, audio=True), credentials=False)
    (a,) = r.stream("audio")
    assert a.codec == "aac" and a.audio.sample_rate == 48000 and a.audio.channels >= 1
    assert a.timing.packets > 50 and a.timing.gap_count == 0
    assert a.handler_name == "SoundHandler"
    assert a.duration_s == pytest.approx(2.0, abs=0.1)
    assert "audio.absent" not in codes(r)
    assert "audio.absent" in codes(inspect_file(write(tmp_path / "mute.mp4"), credentials=False))


def test_a_software_reencode_is_found_with_its_settings_and_picture_types_match_the_decoder(tmp_path):
    original = write(tmp_path / "orig.mp4", frames=48, codec="mpeg4", options={"g": "12"})
    o = inspect_file(original, credentials=False)
    assert o.stream("video")[0].video.encoder_sei == () and "encoder.software_sei" not in codes(o)

    # re-encode the decoded pictures with libx264, as a converter would
    again = tmp_path / "again.mp4"
    with av.open(str(original)) as src, av.open(str(again), "w") as out:
        s = out.add_stream("libx264", rate=25, options={"bf": "3", "crf": "30"})
        s.width, s.height, s.pix_fmt = W, H, "yuv420p"
        for frame in src.decode(video=0):
            frame.pict_type = av.video.frame.PictureType.NONE
            for p in s.encode(frame):
                out.mux(p)
        for p in s.encode():
            out.mux(p)
    r = inspect_file(again, credentials=False)
    v = r.stream("video")[0].video
    assert any(t.startswith("x264 - core") for t in v.encoder_sei)
    f = r.finding("encoder.software_sei")
    assert f.title.startswith("Encoded with x264") and "bframes=3" in f.detail and "crf=30" in f.detail
    assert "re-encoded" in f.means

    for clip, video in ((original, o.stream("video")[0].video), (again, v)):
        types, keys = decoded(clip)
        assert video.gop.pattern == types
        assert dict(video.gop.picture_types) == dict(Counter(types))
        assert list(video.gop.keyframes) == keys
    assert dict(v.gop.picture_types).get("B", 0) > 0


def test_hevc_picture_types_match_the_decoder(tmp_path):
    clip = write(tmp_path / "x265.mp4", frames=30, codec="libx265",
                 options={"x265-params": "log-level=none:bframes=2:keyint=10"})
    g = inspect_file(clip, credentials=False).stream("video")[0].video.gop
    types, keys = decoded(clip)
    assert g.pattern == types and list(g.keyframes) == keys and g.picture_types_unread == 0


def test_gop_irregular_around_a_forced_key_frame(tmp_path):
    clip = write(tmp_path / "gop.mp4", frames=60,
                 options={"g": "12", "bf": "0", "sc_threshold": "0", "forced-idr": "1"}, force_key=(30,))
    g = inspect_file(clip, credentials=False).stream("video")[0].video.gop
    _, keys = decoded(clip)
    assert list(g.keyframes) == keys and 30 in keys
    assert g.gop_typical == 12 and 30 in g.irregular_at
    r = inspect_file(clip, credentials=False)
    assert "30" in r.finding("gop.irregular").title

    regular = inspect_file(write(tmp_path / "reg.mp4", frames=60, options={"g": "12", "sc_threshold": "0"}),
                           credentials=False)
    assert regular.stream("video")[0].video.gop.irregular_at == () and "gop.irregular" not in codes(regular)


def test_an_edit_list_that_delays_the_video_is_flagged(tmp_path):
    clip = write(tmp_path / "late.mp4", frames=25, pts=[50 + i for i in range(25)], audio=True)
    r = inspect_file(clip, credentials=False)
    video_track = next(t for t in r.atoms.tracks if t.handler_type == "vide")
    assert video_track.edit_list[0].media_time == -1
    assert video_track.edit_list[0].segment_duration / r.atoms.timescale == pytest.approx(2.0)
    assert "nothing shown for 2.000 s" in r.finding("edit_list").detail
    assert "edit_list" not in codes(inspect_file(write(tmp_path / "plain.mp4", audio=True), credentials=False))


def test_a_cut_file_says_so(tmp_path):
    whole = tmp_path / "whole.mp4"
    with av.open(str(whole), "w", options={"movflags": "faststart"}) as out:  # index first: the rest stays readable
        v = out.add_stream("libx264", rate=25)
        v.width, v.height, v.pix_fmt = W, H, "yuv420p"
        rng = np.random.default_rng(0)
        for _ in range(40):
            frame = av.VideoFrame.from_ndarray(rng.integers(0, 255, (H, W, 3), dtype=np.uint8), format="rgb24")
            for p in v.encode(frame):
                out.mux(p)
        for p in v.encode():
            out.mux(p)
    data = whole.read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) * 2 // 3])
    r = inspect_file(cut, credentials=False)
    assert r.atoms.missing_bytes == len(data) - len(data) * 2 // 3
    assert 0 < r.stream("video")[0].timing.packets < 40
    assert {"layout.truncated", "frames.mismatch"} <= codes(r)
    assert not {"layout.truncated", "frames.mismatch"} & codes(inspect_file(whole, credentials=False))


def test_matroska_has_streams_but_no_boxes(tmp_path):
    r = inspect_file(write(tmp_path / "a.mkv", frames=20, fmt="matroska"), credentials=False)
    assert r.atoms is None and r.container.format_name == "matroska,webm"
    assert r.stream("video")[0].timing.packets == 20


def test_a_timecode_data_track_is_listed_with_its_handler(tmp_path):
    path = tmp_path / "tc.mov"
    with av.open(str(path), "w") as out:
        v = out.add_stream("libx264", rate=25)
        v.width, v.height, v.pix_fmt = W, H, "yuv420p"
        v.metadata["timecode"] = "10:00:00:00"  # FFmpeg's MOV writer adds a tmcd track for it
        for i in range(5):
            for p in v.encode(av.VideoFrame.from_ndarray(_picture(i), format="rgb24")):
                out.mux(p)
        for p in v.encode():
            out.mux(p)
    r = inspect_file(path, credentials=False)
    (data,) = r.stream("data")
    assert data.codec == "tmcd" and data.handler_name == "TimeCodeHandler"
    assert ("timecode", "10:00:00:00") in data.tags
    assert r.container.major_brand == "qt  "
    assert "vendor code FFMP" in r.finding("handler.ffmpeg").detail


def test_result_exports_as_json(tmp_path):
    r = inspect_file(write(tmp_path / "j.mp4", audio=True, matrix=CW90), credentials=False)
    doc = json.loads(json.dumps(r.to_json()))
    assert doc["schema"] == SCHEMA
    assert doc["streams"][0]["video"]["rotation"] == 90
    assert {f["code"] for f in doc["findings"]} == codes(r)
    assert all(f["means"] and f["does_not_mean"] for f in doc["findings"])


def test_bad_inputs_raise_typed_errors(tmp_path):
    with pytest.raises(VideoNotFound):
        inspect_file(tmp_path / "missing.mp4")
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"this is not a video " * 50)
    with pytest.raises(UnreadableVideo):
        inspect_file(junk, credentials=False)


def test_importing_the_reader_loads_no_ffmpeg_until_a_file_is_read():
    """The window imports core.filecheck at start-up (its panel and messages): PyAV's FFmpeg
    (about 60 ms to load) and c2pa's library wait for the first file."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    code = (f"import sys; sys.path.insert(0, {str(root)!r}); import core.filecheck; "
            "print(sorted(m for m in ('av', 'c2pa') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_a_truncated_movie_header_box_is_a_finding_not_a_crash(tmp_path):
    """A moov whose mvhd claims 64-bit times but holds 4 bytes (a corrupt index, as received files can
    have): the box reader must not take the next box's bytes for its times, nor crash; the file's
    other boxes keep their offsets (the cut is padded with a free box), so FFmpeg still reads it."""
    import struct as st

    from media import moving_face_frames, write_h264

    data = bytearray(write_h264(tmp_path / "good.mp4", moving_face_frames(10, (160, 120)), fps=10).read_bytes())
    at = data.find(b"mvhd") - 4
    size = st.unpack_from(">I", data, at)[0]
    short = st.pack(">I", 12) + b"mvhd" + bytes([1, 0, 0, 0])  # version 1, nothing after the flags
    pad = st.pack(">I", size - 12) + b"free" + bytes(size - 20)
    damaged = tmp_path / "damaged.mp4"
    damaged.write_bytes(bytes(data[:at]) + short + pad + bytes(data[at + size:]))
    try:
        fs = inspect_file(damaged, credentials=False)
    except UnreadableVideo:
        return  # FFmpeg refused the file: a typed error is an answer too
    assert "boxes.damaged" in {f.code for f in fs.findings}
    assert fs.atoms is None and fs.streams  # the streams are still described
