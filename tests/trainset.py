"""Generated training data: cartoon faces on a background, fakes carrying a learnable blending trace.

A fake's inner face is a darker, noisy copy of itself (a crude stand-in for a face swap's colour
and texture mismatch), strong enough to survive resizing to a 32 px crop, so even a tiny CNN
separates the classes within a few epochs. Faces stay in the colour range the conftest's
ColourFaceDetector finds.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from media import face_image, write_video


def make_face(seed: int, fake: bool, size: int = 48) -> np.ndarray:
    face = face_image(size, seed=seed)
    if fake:
        rng = np.random.default_rng(10_000 + seed)
        yy, xx = np.mgrid[:size, :size]
        inner = (xx - size / 2) ** 2 + (yy - size / 2) ** 2 < (0.2 * size) ** 2
        shifted = face.astype(np.float32) + rng.normal(-40, 12, face.shape)
        face[inner] = np.clip(shifted, 0, 255).astype(np.uint8)[inner]
    return face


def scene(face: np.ndarray, seed: int, size: tuple[int, int] = (96, 80)) -> np.ndarray:
    """The face pasted at a seeded position on a dark textured background (RGB)."""
    rng = np.random.default_rng(seed)
    w, h = size
    img = np.full((h, w, 3), 30, np.uint8)
    img += rng.integers(0, 12, img.shape, dtype=np.uint8)
    fh, fw = face.shape[:2]
    x, y = int(rng.integers(0, w - fw)), int(rng.integers(0, h - fh))
    img[y : y + fh, x : x + fw] = face
    return img


def write_image(path: Path, rgb: np.ndarray) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    assert cv2.imwrite(str(path), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)), path
    return path


def image_name(identity: int, clip: int, fake: bool) -> str:
    """Celeb-DF style: real id3_0001, fake id3_id9_0001 (identity 9's face in identity 3's clip)."""
    return f"id{identity}_id{identity + 50}_{clip:04d}" if fake else f"id{identity}_{clip:04d}"


def make_images(root: Path, identities: int = 8, per_identity: int = 4, layout: str = "flat",
                ext: str = ".png", faces_only: bool = False, first: int = 0) -> Path:
    """real/ and fake/ (``layout='flat'``) or train/ validation/ test/ each with real/ fake/.
    ``first``: the first identity's number (a held-out folder starts past the training one's)."""
    splits = {"flat": [""], "split": ["train", "validation", "test"]}[layout]
    for i in range(first, first + identities):
        k = i - first
        split = splits[k % len(splits)] if layout == "split" else ""
        if layout == "split":
            split = "train" if k < identities - 2 else ("validation" if k == identities - 2 else "test")
        for j in range(per_identity):
            for fake in (False, True):
                seed = i * 100 + j
                face = make_face(seed, fake)
                img = face if faces_only else scene(face, seed)
                img[0, 0] = (i, j, 200 * fake)  # every file distinct: groups come from names, not duplicates
                folder = root / split / ("fake" if fake else "real")
                write_image(folder / f"{image_name(i, j, fake)}{ext}", img)
    return root


def make_videos(root: Path, identities: int = 4, per_identity: int = 1, frames: int = 12,
                split: str = "", first: int = 0) -> Path:
    """Short MJPG videos of a moving face, real and fake, Celeb-DF style names."""
    for i in range(first, first + identities):
        for j in range(per_identity):
            for fake in (False, True):
                face = make_face(500 + i * 10 + j, fake)
                rng = np.random.default_rng(i * 10 + j)
                x0, y0 = int(rng.integers(0, 30)), int(rng.integers(0, 20))
                imgs = []
                for t in range(frames):
                    img = np.full((80, 112, 3), 30, np.uint8)
                    x = x0 + t * 2
                    img[y0 : y0 + 48, x : x + 48] = face
                    imgs.append(img)
                folder = root / split / ("fake" if fake else "real")
                folder.mkdir(parents=True, exist_ok=True)
                write_video(folder / f"{image_name(i, j, fake)}.avi", imgs)
    return root
