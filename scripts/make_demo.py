"""Make resources/demo/demo.mp4: a short clip with one clearly marked manipulated segment.

Made only from public-domain portraits that ship with PyPI packages: NASA's portrait of
astronaut Eileen Collins (scikit-image) and the U.S. Navy portrait of Grace Hopper
(matplotlib). The manipulation is a real face swap, made differently from anything the
detector trains on (it trains on self-blends of one face with itself): Grace Hopper's face is
aligned onto the astronaut's through the 468 face-mesh landmarks of both (a least-squares
similarity transform), its colours are matched to the astronaut's face (Reinhard's transfer in
Lab), and it is blended in with a feathered mask over the eyebrows-to-chin region, as the common
swap tools (DeepFaceLab, FaceSwap, the Celeb-DF pipeline) do. Frames in the segment carry a red
caption saying so. ``--poisson`` blends with Poisson seamless cloning (``cv2.seamlessClone``)
instead, into ``--out``: a swap with no colour step at its edge, which the default detector misses
(see the README's detector section).

    .venv/bin/python scripts/make_demo.py [--poisson --out DIR]   # needs the dev extra and the face_landmarks backbone
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

from core.faces import FaceDetector  # noqa: E402
from core.forensic.hashing import sha256_file  # noqa: E402
from core.landmarks import FaceMesh  # noqa: E402
from core.training.self_blend import mesh_outline  # noqa: E402

W, H, FPS = 640, 360, 15
REAL_A, FAKE, REAL_B = 45, 30, 45  # frames of each part


def portraits() -> tuple[np.ndarray, np.ndarray]:
    import matplotlib.cbook
    from skimage import data

    with matplotlib.cbook.get_sample_data("grace_hopper.jpg") as fh:
        hopper = cv2.imdecode(np.frombuffer(fh.read(), np.uint8), cv2.IMREAD_COLOR)[..., ::-1]
    return data.astronaut(), np.ascontiguousarray(hopper)


def _mesh(img: np.ndarray) -> np.ndarray:
    (det, *_), = FaceDetector().detect([img])
    return FaceMesh().landmarks(img, det.box).points


def face_swap(target: np.ndarray, donor: np.ndarray, poisson: bool = False) -> np.ndarray:
    """``donor``'s face on ``target``: aligned by the two face meshes, colour-matched and alpha-blended
    (or Poisson-blended)."""
    t_pts, d_pts = _mesh(target), _mesh(donor)
    m, _ = cv2.estimateAffinePartial2D(d_pts, t_pts, method=cv2.LMEDS)
    warped = cv2.warpAffine(donor, m, (target.shape[1], target.shape[0]), flags=cv2.INTER_LINEAR,
                            borderMode=cv2.BORDER_REFLECT)
    if poisson:
        mask = np.zeros(target.shape[:2], np.uint8)
        cv2.fillConvexPoly(mask, cv2.convexHull(np.round(t_pts).astype(np.int32)), 255)
        mask = cv2.erode(mask, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (7, 7)))
        x, y, w, h = cv2.boundingRect(mask)
        bgr = cv2.seamlessClone(np.ascontiguousarray(warped[..., ::-1]), np.ascontiguousarray(target[..., ::-1]),
                                mask, (x + w // 2, y + h // 2), cv2.NORMAL_CLONE)
        return np.ascontiguousarray(bgr[..., ::-1])
    inner = mesh_outline(t_pts, "inner")
    hull = np.zeros(target.shape[:2], np.float32)
    cv2.fillConvexPoly(hull, np.round(cv2.convexHull(inner.astype(np.float32))).astype(np.int32).reshape(-1, 2), 1.0)
    warped = _match_colours(warped, target, hull > 0.5)
    face_h = float(np.ptp(inner[:, 1]))
    k = max(3, int(face_h * 0.06) | 1)
    alpha = cv2.GaussianBlur(cv2.erode(hull, np.ones((k, k), np.uint8)), (0, 0), face_h * 0.04)[..., None]
    out = warped.astype(np.float32) * alpha + target.astype(np.float32) * (1 - alpha)
    return np.clip(out + 0.5, 0, 255).astype(np.uint8)


def _match_colours(src: np.ndarray, ref: np.ndarray, region: np.ndarray) -> np.ndarray:
    """Reinhard's colour transfer in Lab: ``src``'s mean and spread inside ``region`` become ``ref``'s."""
    a = cv2.cvtColor(src, cv2.COLOR_RGB2LAB).astype(np.float32)
    b = cv2.cvtColor(ref, cv2.COLOR_RGB2LAB).astype(np.float32)
    for c in range(3):
        sa, sb = a[..., c][region], b[..., c][region]
        a[..., c] = (a[..., c] - sa.mean()) * (sb.std() / (sa.std() + 1e-6)) + sb.mean()
    return cv2.cvtColor(np.clip(a, 0, 255).astype(np.uint8), cv2.COLOR_LAB2RGB)


def face_centre_and_height(img: np.ndarray) -> tuple[float, float, float]:
    (det, *_), = FaceDetector().detect([img])
    x0, y0, x1, y1 = det.box
    return (x0 + x1) / 2, (y0 + y1) / 2, y1 - y0


def camera(img: np.ndarray, face: tuple[float, float, float], t: float) -> np.ndarray:
    """A slow push-in and sideways drift centred on the face (about 40% of the frame's height)."""
    cx, cy, fh = face
    scale = 0.4 * H / fh * (1.0 + 0.15 * t)
    m = np.array([[scale, 0, W / 2 - scale * (cx + 0.3 * fh * np.sin(2 * np.pi * t))],
                  [0, scale, H / 2 - scale * cy]], np.float32)
    frame = np.full((H, W, 3), 24, np.uint8)
    return cv2.warpAffine(img, m, (W, H), dst=frame, borderMode=cv2.BORDER_TRANSPARENT)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--poisson", action="store_true", help="Poisson seamless cloning instead of the alpha blend")
    ap.add_argument("--out", type=Path, default=ROOT / "resources" / "demo")
    a = ap.parse_args()
    astro, hopper = portraits()
    astro_fake = face_swap(astro, hopper, a.poisson)
    astro_face, hopper_face = face_centre_and_height(astro), face_centre_and_height(hopper)
    out_dir = a.out
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "demo.mp4"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), FPS, (W, H))
    n_astro = REAL_A + FAKE
    for i in range(n_astro + REAL_B):
        if i < n_astro:
            fake = i >= REAL_A
            frame = camera(astro_fake if fake else astro, astro_face, i / n_astro)
            if fake:
                cv2.putText(frame, "DEMO: FACE SWAP", (12, 26), cv2.FONT_HERSHEY_SIMPLEX, 0.7,
                            (230, 30, 30), 2, cv2.LINE_AA)
        else:
            frame = camera(hopper, hopper_face, (i - n_astro) / REAL_B)
        writer.write(np.ascontiguousarray(frame[..., ::-1]))
    writer.release()
    blend = "Poisson-blended" if a.poisson else "colour-matched, alpha-blended"
    meta = {
        "file": path.name,
        "sha256": sha256_file(path),
        "fps": FPS,
        "frames": n_astro + REAL_B,
        "manipulated_frames": [REAL_A, n_astro - 1],
        "content": "0-2.9 s astronaut Eileen Collins (real); 3.0-4.9 s Grace Hopper's face swapped onto hers "
                   f"(landmark-aligned, {blend}; captioned); "
                   "5.0-7.9 s Grace Hopper (real). Portraits: NASA "
                   "and U.S. Navy, public domain.",
        "made_by": "scripts/make_demo.py",
    }
    (out_dir / "demo.json").write_text(json.dumps(meta, indent=2) + "\n")
    print(f"{path} ({path.stat().st_size / 1e6:.2f} MB), manipulated frames {meta['manipulated_frames']}")


if __name__ == "__main__":
    main()
