"""Self-blended fakes (after Shiohara & Yamasaki, "Detecting Deepfakes with Self-Blended Images",
CVPR 2022): a real face blended into a slightly transformed copy of itself.

The fake has no foreign identity, only the traces every face swap leaves: a blending boundary,
a colour and sharpness mismatch between the inner face and its surroundings, and a small
misalignment. A detector trained on them learns those generic traces from real faces alone.

One fake, :func:`self_blend`:
1. two copies of the crop; one of them (source or target, at random) gets a colour transform
   (RGB shift, hue/saturation/value shift, brightness/contrast) and a frequency transform
   (down-and-up sampling or sharpening);
2. the source is also shifted and rescaled by a few percent;
3. a soft face-shaped mask: the convex hull of the 468 dense face-mesh landmarks
   (:mod:`core.landmarks`) as in the paper, or, with only MTCNN's five points, their hull
   extended to the forehead, cheeks and chin, or, without landmarks, an ellipse inscribed in the
   face box; deformed by a smooth random warp, eroded or dilated, blurred, scaled by a blend ratio;
4. ``fake = source * mask + target * (1 - mask)``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import cv2
import numpy as np

BoxArr = tuple[float, float, float, float]


@dataclass(frozen=True)
class SelfBlendConfig:
    rgb_shift: float = 20.0  # max per-channel shift (0-255)
    hue_shift: float = 8.0  # max hue shift (OpenCV hue units, 0-179)
    sat_shift: float = 0.15  # max relative saturation change
    val_shift: float = 0.15  # max relative value change
    contrast: float = 0.1
    freq_p: float = 0.6  # probability of a frequency transform
    downscale: tuple[float, float] = (0.4, 0.9)
    sharpen: tuple[float, float] = (0.5, 1.5)
    scale: tuple[float, float] = (0.95, 1.05)
    shift: float = 0.03  # fraction of the face size
    warp: float = 0.04  # amplitude of the mask's random deformation, fraction of the side
    blur: tuple[float, float] = (0.02, 0.08)  # mask blur sigma, fraction of the face size
    ratios: tuple[float, ...] = (0.25, 0.5, 0.75, 1.0, 1.0, 1.0)  # blend ratio drawn from these

    def to_json(self) -> dict:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(self).items()}


@dataclass(frozen=True)
class BlendResult:
    image: np.ndarray  # the self-blended fake, uint8 RGB
    mask: np.ndarray  # float32 in [0, 1]: the weight of ``source`` at each pixel
    source: np.ndarray  # uint8: blended in through the mask
    target: np.ndarray  # uint8: the surroundings


def default_box(size: int, margin: float) -> BoxArr:
    """The face box of a crop made with ``margin`` around a face (the crop is centred on it)."""
    side = size / (1.0 + margin)
    c = size / 2.0
    return (c - side / 2, c - side / 2, c + side / 2, c + side / 2)


def _hull_points(landmarks: np.ndarray) -> np.ndarray:
    """Five MTCNN points (left eye, right eye, nose, mouth left, mouth right) extended to an outline."""
    le, re, nose, ml, mr = (np.asarray(p, np.float64) for p in landmarks)
    eyes, mouth = (le + re) / 2, (ml + mr) / 2
    across = re - le
    eye_d = float(np.hypot(*across)) or 1.0
    u = across / eye_d  # along the eyes
    down = mouth - eyes
    d = float(np.hypot(*down)) or eye_d
    v = down / d  # eyes -> mouth
    pts = [
        eyes - 0.75 * d * v,  # forehead
        le - 0.45 * eye_d * u - 0.45 * d * v,
        re + 0.45 * eye_d * u - 0.45 * d * v,  # temples
        le - 0.55 * eye_d * u + 0.2 * d * v,
        re + 0.55 * eye_d * u + 0.2 * d * v,  # cheeks
        ml - 0.35 * eye_d * u + 0.35 * d * v,
        mr + 0.35 * eye_d * u + 0.35 * d * v,  # jaw
        mouth + 0.6 * d * v,  # chin
        nose,
    ]
    return np.array(pts, np.float32)


def base_mask(size: int, box: BoxArr | None = None, landmarks=None) -> np.ndarray:
    """Hard face mask (float32 0/1): the hull of dense (468) or five landmarks, else an ellipse in the box."""
    mask = np.zeros((size, size), np.float32)
    if landmarks is not None and np.all(np.isfinite(np.asarray(landmarks, np.float64))):
        marks = np.asarray(landmarks, np.float32).reshape(-1, 2)
        outline = marks if len(marks) > 5 else _hull_points(marks)
        hull = cv2.convexHull(outline.reshape(-1, 1, 2))
        cv2.fillConvexPoly(mask, np.round(hull).astype(np.int32), 1.0, cv2.LINE_AA)
        if mask.sum() >= 0.02 * size * size:
            return mask
        mask[:] = 0  # degenerate landmarks: fall back to the box
    x0, y0, x1, y1 = box if box is not None else default_box(size, 0.3)
    centre = ((x0 + x1) / 2.0, (y0 + y1) / 2.0 + 0.03 * (y1 - y0))
    axes = (max(1.0, 0.42 * (x1 - x0)), max(1.0, 0.52 * (y1 - y0)))
    cv2.ellipse(mask, (centre, (2 * axes[0], 2 * axes[1]), 0.0), 1.0, -1, cv2.LINE_AA)
    return mask


def _face_size(mask: np.ndarray) -> float:
    ys, xs = np.nonzero(mask > 0.5)
    if not len(xs):
        return float(mask.shape[0]) / 2
    return float(max(xs.max() - xs.min(), ys.max() - ys.min()) + 1)


def soft_mask(size: int, rng: np.random.Generator, box=None, landmarks=None,
              cfg: SelfBlendConfig = SelfBlendConfig()) -> np.ndarray:
    """The random soft blending mask in [0, 1]."""
    mask = base_mask(size, box, landmarks)
    face = _face_size(mask)
    # smooth random deformation: a coarse random displacement field, upsampled
    grid = 4
    amp = cfg.warp * size
    dx = cv2.resize(rng.uniform(-amp, amp, (grid, grid)).astype(np.float32), (size, size),
                    interpolation=cv2.INTER_CUBIC)
    dy = cv2.resize(rng.uniform(-amp, amp, (grid, grid)).astype(np.float32), (size, size),
                    interpolation=cv2.INTER_CUBIC)
    xs, ys = np.meshgrid(np.arange(size, dtype=np.float32), np.arange(size, dtype=np.float32))
    mask = cv2.remap(mask, xs + dx, ys + dy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    k = max(1, int(round(face * rng.uniform(0.0, 0.08))))
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * k + 1, 2 * k + 1))
    mask = cv2.erode(mask, kernel) if rng.random() < 0.5 else cv2.dilate(mask, kernel)
    sigma = max(0.5, face * rng.uniform(*cfg.blur))
    mask = cv2.GaussianBlur(mask, (0, 0), sigma)
    peak = float(mask.max())
    if peak <= 1e-6:
        mask = cv2.GaussianBlur(base_mask(size, box, None), (0, 0), sigma)
        peak = float(mask.max()) or 1.0
    mask = np.clip(mask / peak, 0.0, 1.0) * float(rng.choice(cfg.ratios))
    mask[mask < 0.5 / 255] = 0.0  # blur tails too faint to change a pixel: exactly untouched
    return mask.astype(np.float32)


def _colour(img: np.ndarray, rng: np.random.Generator, cfg: SelfBlendConfig) -> np.ndarray:
    out = img.astype(np.float32) + rng.uniform(-cfg.rgb_shift, cfg.rgb_shift, 3).astype(np.float32)
    out = np.clip(out, 0, 255).astype(np.uint8)
    hsv = cv2.cvtColor(out, cv2.COLOR_RGB2HSV).astype(np.float32)
    hsv[..., 0] = np.mod(hsv[..., 0] + rng.uniform(-cfg.hue_shift, cfg.hue_shift), 180)
    hsv[..., 1] *= 1 + rng.uniform(-cfg.sat_shift, cfg.sat_shift)
    hsv[..., 2] *= 1 + rng.uniform(-cfg.val_shift, cfg.val_shift)
    out = cv2.cvtColor(np.clip(hsv, 0, [179, 255, 255]).astype(np.uint8), cv2.COLOR_HSV2RGB)
    alpha = 1 + rng.uniform(-cfg.contrast, cfg.contrast)
    mean = float(out.mean())
    return np.clip((out.astype(np.float32) - mean) * alpha + mean, 0, 255).astype(np.uint8)


def _frequency(img: np.ndarray, rng: np.random.Generator, cfg: SelfBlendConfig) -> np.ndarray:
    if rng.random() >= cfg.freq_p:
        return img
    h, w = img.shape[:2]
    if rng.random() < 0.5:
        f = rng.uniform(*cfg.downscale)
        small = cv2.resize(img, (max(2, int(w * f)), max(2, int(h * f))), interpolation=cv2.INTER_AREA)
        return cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
    amount = rng.uniform(*cfg.sharpen)
    blurred = cv2.GaussianBlur(img, (0, 0), 1.0)
    return cv2.addWeighted(img, 1 + amount, blurred, -amount, 0)


def _move(img: np.ndarray, rng: np.random.Generator, face: float, cfg: SelfBlendConfig) -> np.ndarray:
    h, w = img.shape[:2]
    s = rng.uniform(*cfg.scale)
    tx, ty = rng.uniform(-cfg.shift, cfg.shift, 2) * face
    m = np.array([[s, 0, (1 - s) * w / 2 + tx], [0, s, (1 - s) * h / 2 + ty]], np.float32)
    return cv2.warpAffine(img, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT_101)


def self_blend(face: np.ndarray, rng: np.random.Generator, box=None, landmarks=None,
               cfg: SelfBlendConfig = SelfBlendConfig()) -> BlendResult:
    """One self-blended fake of a square ``(S, S, 3)`` uint8 RGB face crop.

    ``box`` (x0, y0, x1, y1) and ``landmarks`` (468 or 5 x (x, y)) are in crop pixels; without
    either, the face is assumed centred with the engine's default margin.
    """
    if face.ndim != 3 or face.shape[2] != 3 or face.dtype != np.uint8:
        raise ValueError("self_blend needs an (S, S, 3) uint8 RGB image")
    size = face.shape[0]
    if landmarks is not None:
        landmarks = np.asarray(landmarks, np.float64).reshape(-1, 2)
        if len(landmarks) not in (5, 468):
            raise ValueError("self_blend landmarks: 5 MTCNN points or 468 face-mesh points")
    mask = soft_mask(size, rng, box, landmarks, cfg)
    changed = _frequency(_colour(face, rng, cfg), rng, cfg)
    if rng.random() < 0.5:
        source, target = changed, face
    else:
        source, target = face, changed
    source = _move(source, rng, _face_size(base_mask(size, box, landmarks)), cfg)
    m = mask[..., None]
    fake = np.clip(source.astype(np.float32) * m + target.astype(np.float32) * (1.0 - m) + 0.5, 0, 255)
    return BlendResult(fake.astype(np.uint8), mask, source, target)
