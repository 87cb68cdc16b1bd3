"""Make resources/demo/demo.mp4: a short clip with one clearly marked manipulated segment.

Made only from public-domain portraits that ship with PyPI packages: NASA's portrait of
astronaut Eileen Collins (scikit-image) and the U.S. Navy portrait of Grace Hopper
(matplotlib). The manipulation is a real face swap, made differently from anything the
detector trains on (it trains on self-blends of one face with itself): Grace Hopper's face is
aligned onto the astronaut's through the 468 face-mesh landmarks of both (a least-squares
similarity transform) and blended in with Poisson seamless cloning (``cv2.seamlessClone``) inside
the hull of the astronaut's landmarks. Frames in the segment carry a red caption saying so.

    .venv/bin/python scripts/make_demo.py    # needs the dev extra and: main.py fetch-backbone face_landmarks
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

from core.faces import FaceDetector  # noqa: E402
from core.hashing import sha256_file  # noqa: E402
from core.landmarks import FaceMesh  # noqa: E402

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


def face_swap(target: np.ndarray, donor: np.ndarray) -> np.ndarray:
    """``donor``'s face on ``target``: aligned by the two face meshes, Poisson-blended in."""
    t_pts, d_pts = _mesh(target), _mesh(donor)
    m, _ = cv2.estimateAffinePartial2D(d_pts, t_pts, method=cv2.LMEDS)
    warped = cv2.warpAffine(donor, m, (target.shape[1], target.shape[0]), flags=cv2.INTER_LINEAR,
                            borderMode=cv2.BORDER_REFLECT)
    mask = np.zeros(target.shape[:2], np.uint8)
    cv2.fillConvexPoly(mask, cv2.convexHull(np.round(t_pts).astype(np.int32)), 255)
    mask = cv2.erode(mask, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (7, 7)))
    x, y, w, h = cv2.boundingRect(mask)
    centre = (x + w // 2, y + h // 2)
    bgr = cv2.seamlessClone(np.ascontiguousarray(warped[..., ::-1]), np.ascontiguousarray(target[..., ::-1]),
                            mask, centre, cv2.NORMAL_CLONE)
    return np.ascontiguousarray(bgr[..., ::-1])


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
    astro, hopper = portraits()
    astro_fake = face_swap(astro, hopper)
    astro_face, hopper_face = face_centre_and_height(astro), face_centre_and_height(hopper)
    out_dir = ROOT / "resources" / "demo"
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
    meta = {
        "file": path.name,
        "sha256": sha256_file(path),
        "fps": FPS,
        "frames": n_astro + REAL_B,
        "manipulated_frames": [REAL_A, n_astro - 1],
        "content": "0-2.9 s astronaut Eileen Collins (real); 3.0-4.9 s Grace Hopper's face swapped onto hers "
                   "(landmark-aligned, Poisson-blended; captioned); 5.0-7.9 s Grace Hopper (real). Portraits: NASA "
                   "and U.S. Navy, public domain.",
        "made_by": "scripts/make_demo.py",
    }
    (out_dir / "demo.json").write_text(json.dumps(meta, indent=2) + "\n")
    print(f"{path} ({path.stat().st_size / 1e6:.2f} MB), manipulated frames {meta['manipulated_frames']}")


if __name__ == "__main__":
    main()
