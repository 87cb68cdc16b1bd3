"""Make resources/demo/demo.mp4: a short clip with one clearly marked manipulated segment.

Made only from public-domain portraits that ship with PyPI packages: NASA's portrait of
astronaut Eileen Collins (scikit-image) and the U.S. Navy portrait of Grace Hopper
(matplotlib). The manipulation is the project's own self-blend (core.training.self_blend)
applied to the astronaut's face; frames in the segment carry a red caption saying so.

    .venv/bin/python scripts/make_demo.py    # needs the dev extra (scikit-image, matplotlib)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

from core.faces import FaceDetector, square_around  # noqa: E402
from core.hashing import sha256_file  # noqa: E402
from core.training.self_blend import SelfBlendConfig, self_blend  # noqa: E402

W, H, FPS = 640, 360, 15
REAL_A, FAKE, REAL_B = 45, 30, 45  # frames of each part
SEED = 7
# A clear case for a demo: full blend, a visible colour and sharpness mismatch (training draws milder ones too).
DEMO_BLEND = SelfBlendConfig(rgb_shift=24.0, val_shift=0.2, freq_p=1.0, ratios=(1.0,))


def portraits() -> tuple[np.ndarray, np.ndarray]:
    import matplotlib.cbook
    from skimage import data

    with matplotlib.cbook.get_sample_data("grace_hopper.jpg") as fh:
        hopper = cv2.imdecode(np.frombuffer(fh.read(), np.uint8), cv2.IMREAD_COLOR)[..., ::-1]
    return data.astronaut(), np.ascontiguousarray(hopper)


def manipulate(img: np.ndarray) -> np.ndarray:
    """Self-blend the largest face in place, at the portrait's own resolution."""
    (det, *_), = FaceDetector().detect([img])
    x0, y0, x1, y1 = square_around(det.box, 0.3)
    x0, y0 = max(x0, 0), max(y0, 0)
    side = min(x1, img.shape[1]) - x0
    side = min(side, min(y1, img.shape[0]) - y0)
    crop = img[y0 : y0 + side, x0 : x0 + side].copy()
    points = np.array([(x - x0, y - y0) for x, y in det.landmarks], np.float32)
    # Pasted back as the generator returns it: when it altered its target as well, the crop's edge
    # shows too. A crude manipulation on purpose; the shipped detector is weak on subtle ones
    # (with only the masked face changed it flags 3 of the 30 frames; see the README).
    fake = self_blend(crop, np.random.default_rng(SEED), landmarks=points, cfg=DEMO_BLEND).image
    out = img.copy()
    out[y0 : y0 + side, x0 : x0 + side] = fake
    return out


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
    astro_fake = manipulate(astro)
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
                cv2.putText(frame, "DEMO: SELF-BLENDED FACE", (12, 26), cv2.FONT_HERSHEY_SIMPLEX, 0.7,
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
        "content": "0-2.9 s astronaut Eileen Collins (real); 3.0-4.9 s the same face self-blended "
                   "(captioned); 5.0-7.9 s Grace Hopper (real). Portraits: NASA and U.S. Navy, public domain.",
        "made_by": "scripts/make_demo.py",
    }
    (out_dir / "demo.json").write_text(json.dumps(meta, indent=2) + "\n")
    print(f"{path} ({path.stat().st_size / 1e6:.2f} MB), manipulated frames {meta['manipulated_frames']}")


if __name__ == "__main__":
    main()
