"""How much of a file an analysis saw: truncated streams, undecodable frames, implausible containers."""

from __future__ import annotations

import struct
from pathlib import Path

from media import moving_face_frames, write_video

from core.analysis import AnalysisParams, Engine
from core.decide import coverage_text, verdict_text
from core.result import DECODE_ERROR, AnalysisResult, Coverage
from core.video import probe


def _cut(src: Path, dst: Path, share: float) -> Path:
    data = src.read_bytes()
    dst.write_bytes(data[: int(len(data) * share)])
    return dst


def test_a_truncated_stream_marks_every_missing_frame_and_says_how_much_the_verdict_covers(
        tmp_path, tiny_bundle, colour_detector):
    whole = write_video(tmp_path / "whole.avi", moving_face_frames(40))
    cut = _cut(whole, tmp_path / "cut.avi", 0.5)
    engine = Engine(tiny_bundle, detector=colour_detector)
    full = engine.analyze(whole, AnalysisParams(), use_cache=False)
    assert full.coverage.whole and full.coverage.decoded == 40
    assert not any("truncated" in w for w in full.warnings)

    r = engine.analyze(cut, AnalysisParams(), use_cache=False)
    c = r.coverage
    assert r.complete and not c.read_to_end and not c.whole
    assert c.announced == c.sampled == 40 and 10 < c.decoded < 30
    assert c.end_frame == c.decoded and c.decode_errors == 40 - c.decoded
    assert [f.index for f in r.frames] == list(range(40))
    assert all(f.status == DECODE_ERROR and f.score is None for f in r.frames[c.end_frame:])
    assert any(f"frame {c.end_frame} of the 40" in w and "truncated" in w for w in r.warnings)
    assert verdict_text(r.verdict, c).endswith(f"on {100 * c.decoded / 40:.0f} % of the file")
    assert verdict_text(full.verdict, full.coverage) == full.verdict.label.upper() + f" (track {full.verdict.track})"
    assert f"past frame {c.end_frame}" in coverage_text(c)
    # the result keeps it through JSON, and a version 1 document (no coverage) gets it from its frames
    again = AnalysisResult.from_json(r.to_json())
    assert again.coverage == c
    old = r.to_json()
    old["schema"] = "deepfake-inspector/analysis@1"
    del old["coverage"]
    assert AnalysisResult.from_json(old).coverage == c


def test_coverage_at_a_sampling_counts_the_sampled_frames(tmp_path, tiny_bundle, colour_detector):
    cut = _cut(write_video(tmp_path / "whole.avi", moving_face_frames(40)), tmp_path / "cut.avi", 0.5)
    r = Engine(tiny_bundle, detector=colour_detector).analyze(cut, AnalysisParams(every=3), use_cache=False)
    c = r.coverage
    assert c.sampled == 14 and c.analysed == 14  # frames 0, 3, ..., 39
    assert [f.index for f in r.frames] == list(range(0, 40, 3))
    assert c.decoded + c.decode_errors == 14 and c.decode_errors > 3


def test_a_cancelled_analysis_covers_what_it_reached():
    from core.result import FrameResult

    frames = [FrameResult(i, i / 10, 0.2, "scored") for i in range(10)]
    c = Coverage.of(frames, announced=100, every=1)
    assert (c.sampled, c.analysed, c.decoded, c.read_to_end, c.end_frame) == (100, 10, 10, False, None)
    assert "stopped after 10" in coverage_text(c)


def _with_frame_rate(path: Path, rate: int) -> Path:
    """The AVI with its stream header's frame rate replaced (as a broken or forged file might say)."""
    data = bytearray(path.read_bytes())
    strh = data.index(b"strh") + 8
    struct.pack_into("<II", data, strh + 20, 1, rate)  # dwScale, dwRate
    struct.pack_into("<I", data, data.index(b"avih") + 8, 0)  # dwMicroSecPerFrame
    path.write_bytes(bytes(data))
    return path


def test_an_implausible_frame_rate_is_a_warning_not_a_silent_default(tmp_path, tiny_bundle, colour_detector):
    video = _with_frame_rate(write_video(tmp_path / "odd.avi", moving_face_frames(12)), 4_200_000)
    info = probe(video)
    assert info.fps == 25.0 and info.declared_fps == 4_200_000
    r = Engine(tiny_bundle, detector=colour_detector).analyze(video, AnalysisParams(), use_cache=False)
    assert any("4.2e+06 frames/s" in w and "assume 25" in w for w in r.warnings)
    assert r.coverage.whole  # the frames themselves are all there
    ok = probe(write_video(tmp_path / "ok.avi", moving_face_frames(12)))
    assert ok.declared_fps is None and ok.fps == 10.0
