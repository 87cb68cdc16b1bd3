"""What reading a file's structure (core.filecheck.inspect_file) adds to opening a 1-minute 720p clip.

Makes a 60 s 1280x720 30 frames/s H.264 clip (libx264 'veryfast', B-frames, scene-cut key frames)
with AAC audio using PyAV, then prints the median of --runs timings of:

* inspect_file, whole (the figure the budget of 1 s is about) and its parts: the ISO BMFF boxes,
  PyAV's demux with picture types from slice headers, the C2PA check;
* demuxing alone, without picture types (what the slice-header parsing costs on top);
* for comparison, once: decoding every frame with PyAV's threaded decoder (the alternative for
  I/P/B counts, not used) and OpenCV's probe (what opening the video costs already).

    .venv/bin/python bench/file_structure.py [--clip PATH] [--seconds 60] [--crf 23] [--runs 5] [--no-decode]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]


def make_clip(path: Path, seconds: float, fps: int = 30, crf: int = 23) -> Path:
    import av
    import numpy as np

    rng = np.random.default_rng(0)
    h, w = 720, 1280
    base = rng.integers(0, 255, (h // 8, w // 8, 3), dtype=np.uint8).repeat(8, 0).repeat(8, 1)
    frames = int(seconds * fps)
    with av.open(str(path), "w") as out:
        v = out.add_stream("libx264", rate=fps, options={"preset": "veryfast", "crf": str(crf)})
        v.width, v.height, v.pix_fmt = w, h, "yuv420p"
        a = out.add_stream("aac", rate=48000)
        for i in range(frames):
            img = np.roll(base, (i * 3) % w, axis=1)
            if (i // (fps * 7)) % 2:  # a different scene every 7 s: scene-cut key frames, irregular GOPs
                img = 255 - img
            x = int(200 + 700 * (0.5 + 0.5 * np.sin(i / 40)))
            img[300:500, x:x + 180] = (200, 160, 120)
            frame = av.VideoFrame.from_ndarray(img, format="rgb24")
            frame.pts = i
            frame.time_base = Fraction(1, fps)
            for p in v.encode(frame):
                out.mux(p)
        for p in v.encode():
            out.mux(p)
        samples = int(seconds * 48000)
        t = np.arange(samples, dtype=np.float32) / 48000
        tone = (0.1 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
        for start in range(0, samples, 1024):
            chunk = tone[start:start + 1024]
            af = av.AudioFrame.from_ndarray(np.stack([chunk, chunk]), format="fltp", layout="stereo")
            af.sample_rate = 48000
            af.pts = start
            for p in a.encode(af):
                out.mux(p)
        for p in a.encode():
            out.mux(p)
    return path


def median_time(fn, runs: int) -> tuple[float, object]:
    times = []
    result = None
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def demux_only(path: Path) -> int:
    import av

    n = 0
    with av.open(str(path)) as c:
        for p in c.demux():
            n += p.size > 0
    return n


def decode_all(path: Path) -> int:
    import av

    n = 0
    with av.open(str(path)) as c:
        s = c.streams.video[0]
        s.thread_type = "AUTO"
        for _ in c.decode(s):
            n += 1
    return n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clip", type=Path, help="an existing clip to measure instead of a generated one")
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--crf", type=int, default=23, help="x264 quality of the generated clip (lower: larger file)")
    ap.add_argument("--no-decode", action="store_true", help="skip the full-decode comparison")
    args = ap.parse_args()

    from core.filecheck import inspect_file, read_credentials
    from core.filecheck.bmff import read_atoms
    from core.filecheck.streams import read_streams
    from core.video import probe

    if args.clip:
        clip = args.clip
    else:
        clip = Path(tempfile.mkdtemp(prefix="dfi-filecheck-")) / "clip_720p.mp4"
        t0 = time.perf_counter()
        make_clip(clip, args.seconds, crf=args.crf)
        print(f"made {clip} in {time.perf_counter() - t0:.1f} s")
    size = clip.stat().st_size

    whole, result = median_time(lambda: inspect_file(clip), args.runs)
    video = result.stream("video")[0]
    print(f"clip: {size / 1e6:.1f} MB, {video.codec} {video.video.width}x{video.video.height}, "
          f"{video.timing.packets} video packets, {len(result.streams)} streams")
    print(f"picture types: {dict(video.video.gop.picture_types or ())}, key frames {video.video.gop.keyframe_count}, "
          f"GOP typical {video.video.gop.gop_typical}, findings {len(result.findings)}")

    def atoms():
        with open(clip, "rb") as f:
            return read_atoms(f, size)

    t_atoms, mov = median_time(atoms, args.runs)
    t_streams, _ = median_time(lambda: read_streams(clip, mov), args.runs)
    t_c2pa, _ = median_time(lambda: read_credentials(clip), args.runs)
    t_demux, _ = median_time(lambda: demux_only(clip), args.runs)
    t_probe, _ = median_time(lambda: probe(clip), args.runs)
    print(f"inspect_file (median of {args.runs}):       {whole:.3f} s   <- budget 1 s")
    print(f"  ISO BMFF boxes:                  {t_atoms:.3f} s")
    print(f"  streams (demux + slice headers): {t_streams:.3f} s")
    print(f"  C2PA check (no manifest):        {t_c2pa:.3f} s")
    print(f"demux alone, no picture types:     {t_demux:.3f} s")
    print(f"OpenCV probe (opening, for scale): {t_probe:.3f} s")
    if not args.no_decode:
        t0 = time.perf_counter()
        n = decode_all(clip)
        print(f"PyAV threaded decode of all {n} frames (not used): {time.perf_counter() - t0:.3f} s")


if __name__ == "__main__":
    main()
