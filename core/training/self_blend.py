"""Self-blended pseudo-fakes (after Shiohara and Yamasaki, CVPR 2022).

A real face is blended into a slightly altered copy of itself through a soft, face-shaped
mask. The result has no new identity, only the traces every face swap leaves: a blending
boundary, a colour and sharpness mismatch between the inner face and its surroundings, and a
small misalignment. A detector trained to see those traces on real faces only generalises to
manipulation methods it never saw, which is why the shipped models are trained this way and
why analysts with only real footage of a person can train too.

Works on square face crops as the engine cuts them (face centred, box side = crop / (1 + margin)),
with MTCNN's five landmarks in crop pixels when known.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np


@dataclass(frozen=True)
class BlendSettings:
    max_shift: float = 0.03  # of the crop side
    max_scale: float = 0.05  # relative size change of the source copy
    colour_jitter: float = 0.10  # per-channel gain range, and brightness shift in 0..255 * this
    blend_ratios: tuple[float, ...] = (0.25, 0.5, 0.75, 1.0, 1.0, 1.0)
    margin: float = 0.3  # the crop's face margin, used when no landmarks are given


def face_mask(size: int, landmarks: np.ndarray | None, rng: np.random.Generator,
              margin: float = 0.3) -> np.ndarray:
    """A float32 (size, size) mask in [0, 1] covering the inner face, randomly deformed and softened."""
    if landmarks is not None and len(landmarks) == 5 and np.all(np.isfinite(landmarks)):
        eyes = landmarks[:2]
        mouth = landmarks[3:5]
        eye_mid, mouth_mid = eyes.mean(0), mouth.mean(0)
        d = max(float(np.linalg.norm(eyes[1] - eyes[0])), 4.0)
        angle = float(np.degrees(np.arctan2(eyes[1, 1] - eyes[0, 1], eyes[1, 0] - eyes[0, 0])))
        top = eye_mid[1] - 0.55 * d  # eyebrows
        bottom = mouth_mid[1] + 0.75 * d  # chin
        centre = np.array([(eye_mid[0] + mouth_mid[0] + landmarks[2, 0]) / 3, (top + bottom) / 2])
        axes = np.array([0.95 * d, (bottom - top) / 2])
    else:
        side = size / (1.0 + margin)
        centre, angle = np.array([size / 2, size / 2 + 0.05 * side]), 0.0
        axes = np.array([0.38 * side, 0.48 * side])
    axes = axes * rng.uniform(0.85, 1.15, 2)
    mask = np.zeros((size, size), np.float32)
    cv2.ellipse(mask, (int(centre[0]), int(centre[1])), (max(2, int(axes[0])), max(2, int(axes[1]))),
                angle, 0, 360, 1.0, -1)
    # Elastic deformation: a smooth random displacement field bends the ellipse's outline.
    grid = max(2, size // 32)
    dx = cv2.resize(rng.normal(0, 1, (grid, grid)).astype(np.float32), (size, size), interpolation=cv2.INTER_CUBIC)
    dy = cv2.resize(rng.normal(0, 1, (grid, grid)).astype(np.float32), (size, size), interpolation=cv2.INTER_CUBIC)
    strength = 0.04 * size
    xs, ys = np.meshgrid(np.arange(size, dtype=np.float32), np.arange(size, dtype=np.float32))
    mask = cv2.remap(mask, xs + strength * dx, ys + strength * dy, cv2.INTER_LINEAR)
    # Grow or shrink a little, then soften the edge with a random blur.
    k = int(rng.integers(1, max(2, size // 24)))
    kernel = np.ones((k, k), np.uint8)
    mask = cv2.erode(mask, kernel) if rng.random() < 0.5 else cv2.dilate(mask, kernel)
    sigma = float(rng.uniform(0.02, 0.08)) * size
    mask = cv2.GaussianBlur(mask, (0, 0), sigma)
    peak = float(mask.max())
    return (mask / peak if peak > 0 else mask).astype(np.float32)


def _alter_source(face: np.ndarray, rng: np.random.Generator, s: BlendSettings) -> np.ndarray:
    """The copy that is blended in: colour, sharpness, scale and position slightly changed."""
    size = face.shape[0]
    src = face.astype(np.float32)
    gains = rng.uniform(1 - s.colour_jitter, 1 + s.colour_jitter, 3).astype(np.float32)
    src = src * gains + rng.uniform(-1, 1) * 255 * s.colour_jitter
    mean = src.mean()
    src = (src - mean) * rng.uniform(0.85, 1.15) + mean  # contrast
    choice = rng.random()
    if choice < 0.35:
        src = cv2.GaussianBlur(src, (0, 0), rng.uniform(0.5, 1.5))
    elif choice < 0.7:
        blur = cv2.GaussianBlur(src, (0, 0), 1.0)
        src = src + rng.uniform(0.5, 1.5) * (src - blur)  # unsharp mask
    scale = 1.0 + rng.uniform(-s.max_scale, s.max_scale)
    shift = rng.uniform(-s.max_shift, s.max_shift, 2) * size
    m = cv2.getRotationMatrix2D((size / 2, size / 2), 0.0, scale)
    m[:, 2] += shift
    src = cv2.warpAffine(src, m, (size, size), borderMode=cv2.BORDER_REFLECT)
    return np.clip(src, 0, 255)


def self_blend(face: np.ndarray, landmarks: np.ndarray | None, rng: np.random.Generator,
               settings: BlendSettings = BlendSettings()) -> tuple[np.ndarray, np.ndarray]:
    """A pseudo-fake of a square RGB uint8 face crop, and the blend mask used (float32 0..1)."""
    if face.ndim != 3 or face.shape[0] != face.shape[1] or face.shape[2] != 3:
        raise ValueError("self_blend needs a square RGB crop")
    size = face.shape[0]
    mask = face_mask(size, landmarks, rng, settings.margin) * float(rng.choice(settings.blend_ratios))
    src = _alter_source(face, rng, settings)
    out = mask[..., None] * src + (1.0 - mask[..., None]) * face.astype(np.float32)
    return np.clip(np.rint(out), 0, 255).astype(np.uint8), mask
