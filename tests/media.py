"""Generated test media: small videos with drawn or pasted faces, written with OpenCV (MJPG)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest


def face_image(size: int = 96, seed: int = 0) -> np.ndarray:
    """A cartoon face (skin ellipse, eyes, mouth) in RGB: enough structure for tests, not for MTCNN."""
    rng = np.random.default_rng(seed)
    img = np.full((size, size, 3), rng.integers(60, 120), np.uint8)
    c = size // 2
    cv2.ellipse(img, (c, c), (int(size * 0.35), int(size * 0.45)), 0, 0, 360, (224, 172, 140), -1)
    for dx in (-0.15, 0.15):
        cv2.circle(img, (int(c + dx * size), int(c - 0.1 * size)), max(2, size // 16), (40, 30, 30), -1)
    cv2.ellipse(img, (c, int(c + 0.2 * size)), (size // 8, size // 20), 0, 0, 180, (150, 60, 60), -1)
    return img


def write_video(path: Path, frames: list[np.ndarray], fps: float = 10.0, fourcc: str = "MJPG") -> Path:
    """Write RGB frames; returns the path. MJPG in .avi is what OpenCV's wheel writes everywhere."""
    h, w = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*fourcc), fps, (w, h), frames[0].ndim == 3)
    assert writer.isOpened(), f"cannot write {path}"
    for f in frames:
        writer.write(cv2.cvtColor(f, cv2.COLOR_RGB2BGR) if f.ndim == 3 else f)
    writer.release()
    return path


def write_h264(path: Path, frames: list[np.ndarray], fps: int = 10, gop: int = 30, faststart: bool = True) -> Path:
    """Write RGB frames as H.264 in MP4 with PyAV (OpenCV's wheel cannot); ``faststart`` puts the
    index at the front, as streaming encoders do, so a file cut short still announces every frame."""
    av = pytest.importorskip("av")
    h, w = frames[0].shape[:2]
    options = {"movflags": "faststart"} if faststart else {}
    with av.open(str(path), "w", options=options) as out:
        stream = out.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
        stream.options = {"g": str(gop), "crf": "18", "bf": "0"}
        for f in frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(np.ascontiguousarray(f), format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


def numbered_frames(n: int, size: tuple[int, int] = (128, 96)) -> list[np.ndarray]:
    """Frames that carry their own index in big digits (which survive H.264) and in their red level."""
    w, h = size
    out = []
    for i in range(n):
        f = np.zeros((h, w, 3), np.uint8)
        f[..., 0] = i % 128 * 2
        cv2.putText(f, str(i), (4, int(h * 0.73)), cv2.FONT_HERSHEY_SIMPLEX, 2.0, (255, 255, 255), 5)
        out.append(f)
    return out


def which_frame(rgb: np.ndarray, frames: list[np.ndarray]) -> int:
    """The index of the frame in ``frames`` that ``rgb`` looks most like."""
    return int(np.argmin([np.abs(rgb.astype(int) - f.astype(int)).mean() for f in frames]))


def moving_face_frames(n: int = 30, size: tuple[int, int] = (160, 120), face: np.ndarray | None = None,
                       step: int = 2) -> list[np.ndarray]:
    """A face pasted on a plain background, moving right ``step`` px per frame."""
    w, h = size
    face = face_image(48) if face is None else face
    fh, fw = face.shape[:2]
    out = []
    for i in range(n):
        img = np.full((h, w, 3), 30, np.uint8)
        x = min(w - fw, 10 + i * step)
        y = (h - fh) // 2
        img[y : y + fh, x : x + fw] = face
        out.append(img)
    return out


def set_mp4_rotation(path: Path, degrees: int) -> Path:
    """Patch an mp4's track matrix so players (and OpenCV) rotate it, as phones record portrait video."""
    import struct

    data = bytearray(Path(path).read_bytes())
    at = data.find(b"tkhd")
    assert at > 0 and data[at + 4] == 0, "expects a version-0 tkhd box"
    one, zero, w = 0x10000, 0, 0x40000000
    matrices = {
        0: (one, zero, zero, zero, one, zero, zero, zero, w),
        90: (zero, one, zero, -one, zero, zero, zero, zero, w),
        180: (-one, zero, zero, zero, -one, zero, zero, zero, w),
        270: (zero, -one, zero, one, zero, zero, zero, zero, w),
    }
    data[at + 44 : at + 80] = struct.pack(">9i", *matrices[degrees])
    Path(path).write_bytes(bytes(data))
    return Path(path)


def astronaut() -> np.ndarray:
    """Eileen Collins' public-domain NASA portrait (512x512 RGB), shipped with scikit-image."""
    from skimage import data

    return data.astronaut()


def astronaut_face_video(path: Path, n: int = 20, size: tuple[int, int] = (480, 360), fps: float = 10.0) -> Path:
    """A real face (for the real MTCNN) drifting across a grey frame."""
    face = cv2.resize(astronaut()[40:240, 140:310], (120, 140))
    w, h = size
    frames = []
    for i in range(n):
        img = np.full((h, w, 3), 90, np.uint8)
        x, y = 60 + 6 * i, 100
        img[y : y + 140, x : x + 120] = face
        frames.append(img)
    return write_video(path, frames, fps=fps)


def drifting_face_720p(path: Path, frames: int, fps: float = 30.0, seed: int = 0) -> Path:
    """A real face (the astronaut) drifting over a blurred-noise 1280x720 background, MJPG: the
    benchmarks' clip (streamed to disk frame by frame, so long clips need little memory)."""
    face = cv2.resize(astronaut()[30:250, 130:320], (190, 220))
    rng = np.random.default_rng(seed)
    background = cv2.GaussianBlur(rng.integers(0, 255, (720, 1280, 3), dtype=np.uint8), (0, 0), 8)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (1280, 720))
    for i in range(frames):
        img = background.copy()
        x = int(200 + 700 * (0.5 + 0.5 * np.sin(i / 40)))
        y = int(200 + 60 * np.sin(i / 17))
        img[y : y + 220, x : x + 190] = face
        writer.write(cv2.cvtColor(img, cv2.COLOR_RGB2BGR))
    writer.release()
    return path
