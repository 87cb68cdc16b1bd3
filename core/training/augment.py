"""Training augmentation of face crops (RGB uint8), each transform switchable.

Geometric transforms (flip, rotation, shear, zoom, shift) are combined into one affine warp
with reflected borders. Then brightness/contrast, blur, sensor-like noise, resampling (down and
back up, as rescaled footage is) and JPEG re-compression: compression is how real footage
differs most from training data, so it is applied last, as an encoder would. Everything draws
from the ``numpy.random.Generator`` it is given, so a seed reproduces a batch exactly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace

import cv2
import numpy as np

AUGMENTATIONS = ("flip", "rotation", "shear", "zoom", "shift", "brightness_contrast", "jpeg", "blur", "noise",
                 "resample")


@dataclass(frozen=True)
class AugmentConfig:
    flip: bool = True
    rotation: bool = True
    shear: bool = True
    zoom: bool = True
    shift: bool = True
    brightness_contrast: bool = True
    jpeg: bool = True
    blur: bool = True
    noise: bool = True
    resample: bool = True
    rotation_deg: float = 10.0
    shear_deg: float = 6.0
    zoom_range: float = 0.10  # scale in [1 - z, 1 + z]
    shift_range: float = 0.06  # fraction of the side
    brightness: float = 0.15  # added, as a fraction of 255
    contrast: float = 0.15  # factor in [1 - c, 1 + c]
    jpeg_quality: tuple[int, int] = (35, 95)
    jpeg_p: float = 0.5
    blur_sigma: tuple[float, float] = (0.3, 1.5)
    blur_p: float = 0.25
    noise_std: tuple[float, float] = (2.0, 10.0)
    noise_p: float = 0.25
    # Down to this share of the side and back up, with a random interpolation: footage is rescaled
    # by players, editors and platforms, and a model must not take that softness for manipulation.
    resample_scale: tuple[float, float] = (0.4, 0.9)
    resample_p: float = 0.3

    @classmethod
    def none(cls) -> AugmentConfig:
        return cls(**{name: False for name in AUGMENTATIONS})

    @classmethod
    def only(cls, names) -> AugmentConfig:
        """Exactly the named transforms switched on."""
        names = set(names)
        unknown = names - set(AUGMENTATIONS)
        if unknown:
            raise ValueError(f"unknown augmentation {', '.join(sorted(unknown))}; known: {', '.join(AUGMENTATIONS)}")
        return cls(**{name: name in names for name in AUGMENTATIONS})

    @property
    def enabled(self) -> tuple[str, ...]:
        return tuple(n for n in AUGMENTATIONS if getattr(self, n))

    @property
    def active(self) -> bool:
        return bool(self.enabled)

    def to_json(self) -> dict:
        return {f.name: (list(v) if isinstance(v := getattr(self, f.name), tuple) else v) for f in fields(self)}

    @classmethod
    def from_json(cls, d: dict) -> AugmentConfig:
        return replace(cls(), **{k: (tuple(v) if isinstance(v, list) else v) for k, v in d.items()})


def _affine(rng: np.random.Generator, size: int, cfg: AugmentConfig) -> np.ndarray | None:
    """A 2x3 matrix mapping output to input pixels, or None when no geometric change."""
    c = (size - 1) / 2.0
    m = np.eye(3)
    changed = False
    if cfg.flip and rng.random() < 0.5:
        m = m @ np.array([[-1, 0, 2 * c], [0, 1, 0], [0, 0, 1]])
        changed = True
    a = math.radians(rng.uniform(-cfg.rotation_deg, cfg.rotation_deg)) if cfg.rotation else 0.0
    sh = math.tan(math.radians(rng.uniform(-cfg.shear_deg, cfg.shear_deg))) if cfg.shear else 0.0
    z = rng.uniform(1 - cfg.zoom_range, 1 + cfg.zoom_range) if cfg.zoom else 1.0
    tx, ty = (rng.uniform(-cfg.shift_range, cfg.shift_range, 2) * size) if cfg.shift else (0.0, 0.0)
    if cfg.rotation or cfg.shear or cfg.zoom or cfg.shift:
        to_c = np.array([[1, 0, -c], [0, 1, -c], [0, 0, 1]])
        rot = np.array([[math.cos(a), -math.sin(a), 0], [math.sin(a), math.cos(a), 0], [0, 0, 1]])
        shear = np.array([[1, sh, 0], [0, 1, 0], [0, 0, 1]])
        scale = np.diag([1 / z, 1 / z, 1])  # output -> input: zoom in samples a smaller area
        back = np.array([[1, 0, c + tx], [0, 1, c + ty], [0, 0, 1]])
        m = m @ back @ rot @ shear @ scale @ to_c
        changed = True
    return m[:2] if changed else None


def augment_image(img: np.ndarray, rng: np.random.Generator, cfg: AugmentConfig,
                  pixel_rng: np.random.Generator | None = None) -> np.ndarray:
    """One augmented copy of an ``(S, S, 3)`` uint8 RGB crop.

    ``rng`` draws the geometry and brightness/contrast, ``pixel_rng`` (default: ``rng``) the blur,
    noise and compression: crops of one face track share ``rng`` so the whole clip is flipped or
    turned alike, while noise and compression still vary from frame to frame, as in real footage.
    """
    px = rng if pixel_rng is None else pixel_rng
    out = img
    size = img.shape[0]
    m = _affine(rng, size, cfg)
    if m is not None:
        out = cv2.warpAffine(out, m, (img.shape[1], size), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                             borderMode=cv2.BORDER_REFLECT_101)
    if cfg.brightness_contrast:
        alpha = rng.uniform(1 - cfg.contrast, 1 + cfg.contrast)
        beta = rng.uniform(-cfg.brightness, cfg.brightness) * 255.0
        mean = float(out.mean())
        out = np.clip((out.astype(np.float32) - mean) * alpha + mean + beta, 0, 255).astype(np.uint8)
    if cfg.blur and px.random() < cfg.blur_p:
        out = cv2.GaussianBlur(out, (0, 0), px.uniform(*cfg.blur_sigma))
    if cfg.noise and px.random() < cfg.noise_p:
        noise = px.normal(0.0, px.uniform(*cfg.noise_std), out.shape)
        out = np.clip(out.astype(np.float32) + noise, 0, 255).astype(np.uint8)
    if cfg.resample and px.random() < cfg.resample_p:
        out = resample(out, px.uniform(*cfg.resample_scale), int(px.integers(len(RESAMPLE_INTERPOLATIONS))))
    if cfg.jpeg and px.random() < cfg.jpeg_p:
        out = jpeg_recompress(out, int(px.integers(cfg.jpeg_quality[0], cfg.jpeg_quality[1] + 1)))
    return np.ascontiguousarray(out)


RESAMPLE_INTERPOLATIONS = (cv2.INTER_LINEAR, cv2.INTER_CUBIC, cv2.INTER_AREA)


def resample(img: np.ndarray, scale: float, interpolation: int = 0) -> np.ndarray:
    """``img`` scaled down to ``scale`` of its side (area averaging) and back up to its size with
    the ``interpolation``-th of :data:`RESAMPLE_INTERPOLATIONS`."""
    h, w = img.shape[:2]
    small = cv2.resize(img, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)
    return cv2.resize(small, (w, h), interpolation=RESAMPLE_INTERPOLATIONS[interpolation])


def jpeg_recompress(img: np.ndarray, quality: int) -> np.ndarray:
    bgr = cv2.cvtColor(img, cv2.COLOR_RGB2BGR)
    ok, buf = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:
        raise ValueError("JPEG encoding failed")
    return cv2.cvtColor(cv2.imdecode(buf, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)


def augment_batch(batch: np.ndarray, rng: np.random.Generator, cfg: AugmentConfig) -> np.ndarray:
    """Augment each crop of ``(N, S, S, 3)`` uint8 independently; a disabled config returns the input."""
    if not cfg.active:
        return batch
    return np.stack([augment_image(img, rng, cfg) for img in batch]) if len(batch) else batch
