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
   face box; deformed by a smooth random warp, eroded or dilated, blurred, scaled by a blend ratio.
   With a mesh, ``SelfBlendConfig.hulls`` can vary the region as face swaps do (the paper draws
   among several hull types too): ``mesh`` (hairline to chin), ``inner`` (eyebrows to chin, the
   region most swap tools replace) and ``five`` (the five-point outline);
4. ``fake = source * mask + target * (1 - mask)``;
5. the black bands :func:`core.faces.crop_face` adds where a face's square leaves the frame stay
   exactly black: a colour-shifted copy would tint them, and a tinted border, which no real crop
   has, is a shortcut a detector learns at once (tight photo crops such as UTKFace's all have them)
   and that tells nothing about a face swap.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

import cv2
import numpy as np

BoxArr = tuple[float, float, float, float]
HULLS = ("mesh", "inner", "five")  # mask regions of a 468-point mesh: hairline, eyebrows or five points to chin


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
    hulls: tuple[str, ...] = ("mesh",)  # the mask's region with a 468-point mesh, drawn from these (HULLS)

    def __post_init__(self):
        unknown = [h for h in self.hulls if h not in HULLS]
        if unknown or not self.hulls:
            raise ValueError(f"self-blend hulls: {', '.join(unknown) or 'none given'}; known: {', '.join(HULLS)}")

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


# face-mesh indices: the tops of both eyebrows, the forehead's top, the chin; the five MTCNN-like points
_BROWS = (70, 63, 105, 66, 107, 336, 296, 334, 293, 300)
_TOP, _CHIN = 10, 152
_FIVE = ((33, 133, 159, 145), (362, 263, 386, 374), (1,), (61,), (291,))


def mesh_outline(mesh: np.ndarray, hull: str) -> np.ndarray:
    """The points whose convex hull is the mask for ``hull`` (see HULLS) of a 468-point mesh."""
    if hull == "mesh":
        return mesh
    if hull == "five":
        return _hull_points(np.array([mesh[list(idx)].mean(axis=0) for idx in _FIVE]))
    if hull != "inner":
        raise ValueError(f"unknown hull '{hull}'; known: {', '.join(HULLS)}")
    down = mesh[_CHIN] - mesh[_TOP]
    down = down / (float(np.hypot(*down)) or 1.0)
    depth = mesh @ down  # how far down the face each point lies
    return mesh[depth >= depth[list(_BROWS)].min()]


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


def base_mask(size: int, box: BoxArr | None = None, landmarks=None, hull: str = "mesh") -> np.ndarray:
    """Hard face mask (float32 0/1): the hull of dense (468, region ``hull``) or five landmarks, else an
    ellipse in the box."""
    mask = np.zeros((size, size), np.float32)
    if landmarks is not None and np.all(np.isfinite(np.asarray(landmarks, np.float64))):
        marks = np.asarray(landmarks, np.float32).reshape(-1, 2)
        outline = mesh_outline(marks, hull) if len(marks) > 5 else _hull_points(marks)
        corners = cv2.convexHull(outline.reshape(-1, 1, 2))
        cv2.fillConvexPoly(mask, np.round(corners).astype(np.int32), 1.0, cv2.LINE_AA)
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


@dataclass(frozen=True)
class BlendParams:
    """Every random choice of one self-blend, drawn by :func:`draw_params` (and drifted by
    :func:`drift_params` for the frames of a clip). Lengths are fractions of the crop or face."""

    warp_dx: np.ndarray  # (4, 4) mask displacement field in crop pixels, within +-cfg.warp of the side
    warp_dy: np.ndarray
    morph: float  # erosion / dilation radius, fraction of the face size
    erode: bool
    blur: float  # mask blur sigma, fraction of the face size
    ratio: float  # blend ratio
    rgb: np.ndarray  # (3,) per-channel shift
    hue: float
    sat: float
    val: float
    contrast: float
    freq: str  # "none", "down" or "sharpen"
    freq_amount: float  # downscale factor or sharpening amount
    changed_is_source: bool  # the transformed copy is blended in (else it is the surroundings)
    scale: float
    shift: tuple[float, float]  # fraction of the face size
    hull: str = "mesh"  # the mask's region when a 468-point mesh is known (HULLS)


_GRID = 4


def draw_params(rng: np.random.Generator, size: int, cfg: SelfBlendConfig = SelfBlendConfig()) -> BlendParams:
    """One self-blend's random choices for an ``size`` px crop, in a fixed order (a seed always gives
    the same fake)."""
    amp = cfg.warp * size
    dx = rng.uniform(-amp, amp, (_GRID, _GRID)).astype(np.float32)
    dy = rng.uniform(-amp, amp, (_GRID, _GRID)).astype(np.float32)
    morph = float(rng.uniform(0.0, 0.08))
    erode = bool(rng.random() < 0.5)
    blur = float(rng.uniform(*cfg.blur))
    ratio = float(rng.choice(cfg.ratios))
    rgb = rng.uniform(-cfg.rgb_shift, cfg.rgb_shift, 3).astype(np.float32)
    hue = float(rng.uniform(-cfg.hue_shift, cfg.hue_shift))
    sat = float(rng.uniform(-cfg.sat_shift, cfg.sat_shift))
    val = float(rng.uniform(-cfg.val_shift, cfg.val_shift))
    contrast = float(rng.uniform(-cfg.contrast, cfg.contrast))
    freq, amount = "none", 0.0
    if rng.random() < cfg.freq_p:
        if rng.random() < 0.5:
            freq, amount = "down", float(rng.uniform(*cfg.downscale))
        else:
            freq, amount = "sharpen", float(rng.uniform(*cfg.sharpen))
    changed_is_source = bool(rng.random() < 0.5)
    scale = float(rng.uniform(*cfg.scale))
    tx, ty = (float(v) for v in rng.uniform(-cfg.shift, cfg.shift, 2))
    # drawn last, and only when there is a choice, so a one-hull config draws exactly as before
    hull = str(rng.choice(cfg.hulls)) if len(cfg.hulls) > 1 else cfg.hulls[0]
    return BlendParams(dx, dy, morph, erode, blur, ratio, rgb, hue, sat, val, contrast, freq, amount,
                       changed_is_source, scale, (tx, ty), hull)


def drift_params(p: BlendParams, rng: np.random.Generator, size: int, cfg: SelfBlendConfig,
                 step: float) -> BlendParams:
    """The next frame's parameters: every continuous choice moves by up to ``step`` of its range,
    staying inside it; the discrete ones (which copy is changed, the frequency transform) stay."""
    def walk(v, lo, hi):
        return float(np.clip(v + rng.uniform(-step, step) * (hi - lo), lo, hi))

    grid, amp = (_GRID, _GRID), cfg.warp * size
    return replace(
        p,
        warp_dx=np.clip(p.warp_dx + rng.uniform(-2 * step, 2 * step, grid) * amp, -amp, amp).astype(np.float32),
        warp_dy=np.clip(p.warp_dy + rng.uniform(-2 * step, 2 * step, grid) * amp, -amp, amp).astype(np.float32),
        morph=walk(p.morph, 0.0, 0.08), blur=walk(p.blur, *cfg.blur),
        ratio=walk(p.ratio, min(cfg.ratios), max(cfg.ratios)),
        rgb=np.array([walk(v, -cfg.rgb_shift, cfg.rgb_shift) for v in p.rgb], np.float32),
        hue=walk(p.hue, -cfg.hue_shift, cfg.hue_shift), sat=walk(p.sat, -cfg.sat_shift, cfg.sat_shift),
        val=walk(p.val, -cfg.val_shift, cfg.val_shift), contrast=walk(p.contrast, -cfg.contrast, cfg.contrast),
        freq_amount=(walk(p.freq_amount, *cfg.downscale) if p.freq == "down"
                     else walk(p.freq_amount, *cfg.sharpen) if p.freq == "sharpen" else 0.0),
        scale=walk(p.scale, *cfg.scale),
        shift=(walk(p.shift[0], -cfg.shift, cfg.shift), walk(p.shift[1], -cfg.shift, cfg.shift)),
    )


def soft_mask(size: int, rng: np.random.Generator, box=None, landmarks=None,
              cfg: SelfBlendConfig = SelfBlendConfig()) -> np.ndarray:
    """The random soft blending mask in [0, 1]."""
    return _mask(size, draw_params(rng, size, cfg), box, landmarks, cfg)


def _mask(size: int, p: BlendParams, box, landmarks, cfg: SelfBlendConfig) -> np.ndarray:
    mask = base_mask(size, box, landmarks, p.hull)
    face = _face_size(mask)
    # smooth random deformation: a coarse random displacement field, upsampled
    dx = cv2.resize(p.warp_dx, (size, size), interpolation=cv2.INTER_CUBIC)
    dy = cv2.resize(p.warp_dy, (size, size), interpolation=cv2.INTER_CUBIC)
    xs, ys = np.meshgrid(np.arange(size, dtype=np.float32), np.arange(size, dtype=np.float32))
    mask = cv2.remap(mask, xs + dx, ys + dy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    k = max(1, int(round(face * p.morph)))
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * k + 1, 2 * k + 1))
    mask = cv2.erode(mask, kernel) if p.erode else cv2.dilate(mask, kernel)
    sigma = max(0.5, face * p.blur)
    mask = cv2.GaussianBlur(mask, (0, 0), sigma)
    peak = float(mask.max())
    if peak <= 1e-6:
        mask = cv2.GaussianBlur(base_mask(size, box, None), (0, 0), sigma)
        peak = float(mask.max()) or 1.0
    mask = np.clip(mask / peak, 0.0, 1.0) * p.ratio
    mask[mask < 0.5 / 255] = 0.0  # blur tails too faint to change a pixel: exactly untouched
    return mask.astype(np.float32)


def _colour(img: np.ndarray, p: BlendParams) -> np.ndarray:
    out = img.astype(np.float32) + p.rgb
    out = np.clip(out, 0, 255).astype(np.uint8)
    hsv = cv2.cvtColor(out, cv2.COLOR_RGB2HSV).astype(np.float32)
    hsv[..., 0] = np.mod(hsv[..., 0] + p.hue, 180)
    hsv[..., 1] *= 1 + p.sat
    hsv[..., 2] *= 1 + p.val
    out = cv2.cvtColor(np.clip(hsv, 0, [179, 255, 255]).astype(np.uint8), cv2.COLOR_HSV2RGB)
    alpha = 1 + p.contrast
    mean = float(out.mean())
    return np.clip((out.astype(np.float32) - mean) * alpha + mean, 0, 255).astype(np.uint8)


def _frequency(img: np.ndarray, p: BlendParams) -> np.ndarray:
    if p.freq == "none":
        return img
    h, w = img.shape[:2]
    if p.freq == "down":
        f = p.freq_amount
        small = cv2.resize(img, (max(2, int(w * f)), max(2, int(h * f))), interpolation=cv2.INTER_AREA)
        return cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
    blurred = cv2.GaussianBlur(img, (0, 0), 1.0)
    return cv2.addWeighted(img, 1 + p.freq_amount, blurred, -p.freq_amount, 0)


def _move(img: np.ndarray, p: BlendParams, face: float) -> np.ndarray:
    h, w = img.shape[:2]
    s = p.scale
    tx, ty = p.shift[0] * face, p.shift[1] * face
    m = np.array([[s, 0, (1 - s) * w / 2 + tx], [0, s, (1 - s) * h / 2 + ty]], np.float32)
    return cv2.warpAffine(img, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT_101)


def frame_padding(face: np.ndarray) -> np.ndarray:
    """True on the black bands outside the frame: whole rows or columns of zeros at the crop's edges,
    and the one resampled pixel beside them that mixes picture and black."""
    dark = face.max(axis=2) == 0
    out = np.zeros(dark.shape, bool)

    def band(lines) -> int:
        n = 0
        for line in lines:
            if not line.all():
                break
            n += 1
        return n

    top, bottom = band(dark), band(dark[::-1])
    left, right = band(dark.T), band(dark.T[::-1])
    h, w = dark.shape
    if top:
        out[: min(h, top + 1)] = True
    if bottom:
        out[max(0, h - bottom - 1):] = True
    if left:
        out[:, : min(w, left + 1)] = True
    if right:
        out[:, max(0, w - right - 1):] = True
    return out


def _check(face: np.ndarray, landmarks):
    if face.ndim != 3 or face.shape[2] != 3 or face.dtype != np.uint8:
        raise ValueError("self_blend needs an (S, S, 3) uint8 RGB image")
    if landmarks is None:
        return None
    marks = np.asarray(landmarks, np.float64).reshape(-1, 2)
    if len(marks) not in (5, 468):
        raise ValueError("self_blend landmarks: 5 MTCNN points or 468 face-mesh points")
    return marks


def blend_with(face: np.ndarray, p: BlendParams, box=None, landmarks=None,
               cfg: SelfBlendConfig = SelfBlendConfig()) -> BlendResult:
    """The self-blend of ``face`` that the parameters ``p`` describe."""
    landmarks = _check(face, landmarks)
    size = face.shape[0]
    mask = _mask(size, p, box, landmarks, cfg)
    changed = _frequency(_colour(face, p), p)
    source, target = (changed, face) if p.changed_is_source else (face, changed)
    source = _move(source, p, _face_size(base_mask(size, box, landmarks, p.hull)))
    pad = frame_padding(face)
    if pad.any():
        mask[pad] = 0.0
        source, target = source.copy(), target.copy()
        source[pad], target[pad] = face[pad], face[pad]
    m = mask[..., None]
    fake = np.clip(source.astype(np.float32) * m + target.astype(np.float32) * (1.0 - m) + 0.5, 0, 255)
    return BlendResult(fake.astype(np.uint8), mask, source, target)


def self_blend(face: np.ndarray, rng: np.random.Generator, box=None, landmarks=None,
               cfg: SelfBlendConfig = SelfBlendConfig()) -> BlendResult:
    """One self-blended fake of a square ``(S, S, 3)`` uint8 RGB face crop.

    ``box`` (x0, y0, x1, y1) and ``landmarks`` (468 or 5 x (x, y)) are in crop pixels; without
    either, the face is assumed centred with the engine's default margin.
    """
    _check(face, landmarks)
    return blend_with(face, draw_params(rng, face.shape[0], cfg), box, landmarks, cfg)


def temporal_self_blend(faces, rng: np.random.Generator, boxes=None, landmarks=None,
                        cfg: SelfBlendConfig = SelfBlendConfig(), step: float = 0.06,
                        jump_p: float = 0.08) -> list[BlendResult]:
    """Self-blends of the consecutive crops of one face track, as a face swap flickers.

    The first frame's parameters are drawn; each next frame's drift by up to ``step`` of their
    ranges (mask shape and blur, colour, sharpness, alignment), and with probability ``jump_p``
    they are drawn anew (the swap jumps). ``boxes`` and ``landmarks`` are per frame (or None).
    """
    n = len(faces)
    boxes = boxes if boxes is not None else [None] * n
    landmarks = landmarks if landmarks is not None else [None] * n
    size = faces[0].shape[0] if n else 0
    p = draw_params(rng, size, cfg)
    out = []
    for i in range(n):
        if i:
            p = draw_params(rng, size, cfg) if rng.random() < jump_p else drift_params(p, rng, size, cfg, step)
        out.append(blend_with(faces[i], p, boxes[i], landmarks[i], cfg))
    return out
