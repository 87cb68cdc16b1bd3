"""Face crops for training and evaluation, made the way the engine makes them, cached on disk.

Images are decoded (truncated JPEG/PNG files are refused, not half-read) and either searched
for a face with MTCNN or, when they are face crops already, used whole. Videos are sampled —
evenly spaced frames for frame models, clips of consecutive frames for sequence models — and
the face is followed through a clip by the engine's tracker (:class:`core.tracking.Tracker`; a
face missed by the detector is carried on its track for up to two sampled frames). Crops come
from :func:`core.faces.crop_face` with the model's margin and input size, exactly as in analysis.

Each file's crops are cached under ``<cache>/crops`` by the file's SHA-256 and the settings,
so a second run (or a resumed one) re-crops nothing. A file that cannot be used is skipped
with its reason; that outcome is cached too.
"""

from __future__ import annotations

import io
import json
import time
import zipfile
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import cv2
import numpy as np

from core import paths
from core.errors import Cancelled, OutputNotWritable, VideoError
from core.faces import crop_face, square_around
from core.forensic import atomic
from core.forensic.hashing import sha256_text
from core.tracking import Tracker
from core.training.config import TrainProgress
from core.training.dataset import DataFile, DatasetSummary, Skipped
from core.training.self_blend import default_box
from core.video import iter_frames, probe, to_rgb
from core.wording import plural

CROPS_VERSION = "crops@2"  # @2: faces followed by core.tracking.Tracker
SPLIT_CODES = {"train": 0, "validation": 1, "test": 2}
MAX_CARRY = 2  # sampled frames a face is carried on its track without a detection
MIN_IOU = 0.3  # the tracker's overlap to stay on a track
RAM_LIMIT_BYTES = 1_500_000_000  # larger crop tables live in a memory-mapped file


@dataclass(frozen=True)
class CropSettings:
    size: int
    margin: float = 0.3
    images_are_faces: bool = False
    frames_per_video: int = 16
    clip_len: int = 1  # > 1 for sequence models
    clips_per_video: int = 4
    frame_step: int = 1
    detect_width: int = 640
    min_confidence: float = 0.9
    min_face_px: int = 24

    def key(self) -> str:
        return sha256_text(json.dumps({"v": CROPS_VERSION, **asdict(self)}, sort_keys=True))

    def to_json(self) -> dict:
        return asdict(self)


@dataclass
class FileCrops:
    crops: np.ndarray  # (n, S, S, 3) uint8
    frames: np.ndarray  # (n,) frame index, -1 for images
    runs: np.ndarray  # (n,) run id: equal ids are consecutive sampled frames of one face
    boxes: np.ndarray  # (n, 4) the face box in crop pixels
    landmarks: np.ndarray  # (n, 5, 2) in crop pixels, NaN when unknown
    error: str = ""  # why the file gave no crops
    note: str = ""

    @classmethod
    def failed(cls, size: int, error: str) -> FileCrops:
        return cls(np.zeros((0, size, size, 3), np.uint8), np.zeros(0, np.int32), np.zeros(0, np.int32),
                   np.zeros((0, 4), np.float32), np.zeros((0, 5, 2), np.float32), error)


# --- one face in one frame ---------------------------------------------------------------------


def _to_crop(rgb: np.ndarray, det, s: CropSettings) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    crop = crop_face(rgb, det.box, s.margin, s.size)
    x0, y0, x1, _ = square_around(det.box, s.margin)
    scale = s.size / float(max(x1 - x0, 1))
    b = det.box
    box = np.array([(b[0] - x0) * scale, (b[1] - y0) * scale, (b[2] - x0) * scale, (b[3] - y0) * scale], np.float32)
    marks = np.full((5, 2), np.nan, np.float32)
    if getattr(det, "landmarks", None) is not None:
        marks = np.array([((x - x0) * scale, (y - y0) * scale) for x, y in det.landmarks], np.float32)
    return crop, box, marks


class _Carried:
    """A tracked face in a frame where the detector missed it: its predicted box, no landmarks."""

    def __init__(self, box):
        self.box, self.landmarks = box, None


# --- images ------------------------------------------------------------------------------------


_SIGNATURES = {".jpg": b"\xff\xd8", ".jpeg": b"\xff\xd8", ".png": b"\x89PNG\r\n\x1a\n"}


def _truncated(data: bytes, ext: str) -> bool:
    """A JPEG or PNG whose start is right but whose end marker is missing (decoders half-read those)."""
    sig = _SIGNATURES.get(ext)
    if sig is None or not data.startswith(sig):
        return False
    if ext in (".jpg", ".jpeg"):
        return b"\xff\xd9" not in data[-2048:]
    return b"IEND" not in data[-64:]


def read_image(path: Path) -> np.ndarray:
    """RGB uint8; raises ValueError naming the problem for damaged files."""
    data = path.read_bytes()
    if _truncated(data, path.suffix.lower()):
        raise ValueError("truncated image (the file ends before the image does)")
    bgr = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if bgr is None:
        raise ValueError("not a decodable image (corrupt or unsupported format)")
    return to_rgb(bgr)


def _whole(rgb: np.ndarray, s: CropSettings) -> FileCrops:
    h, w = rgb.shape[:2]
    side = min(h, w)
    y0, x0 = (h - side) // 2, (w - side) // 2
    sq = rgb[y0 : y0 + side, x0 : x0 + side]
    interp = cv2.INTER_AREA if side > s.size else cv2.INTER_LINEAR
    crop = cv2.resize(sq, (s.size, s.size), interpolation=interp)
    box = np.array([default_box(s.size, s.margin)], np.float32)
    return FileCrops(crop[None], np.array([-1], np.int32), np.zeros(1, np.int32), box,
                     np.full((1, 5, 2), np.nan, np.float32))


def _image(path: Path, s: CropSettings, detector) -> FileCrops:
    try:
        rgb = read_image(path)
    except (ValueError, OSError) as exc:
        return FileCrops.failed(s.size, str(exc))
    if s.images_are_faces:
        return _whole(rgb, s)
    return _image_from(rgb, detector().detect([rgb])[0], s)


def _image_from(rgb: np.ndarray, found, s: CropSettings) -> FileCrops:
    dets = [d for d in found if min(d.box[2] - d.box[0], d.box[3] - d.box[1]) >= s.min_face_px]
    if not dets:
        return FileCrops.failed(s.size, "no face found (if the images are face crops, use them whole: "
                                        "--images-are-faces)")
    crop, box, marks = _to_crop(rgb, dets[0], s)
    return FileCrops(crop[None], np.array([-1], np.int32), np.zeros(1, np.int32), box[None], marks[None])


# --- videos ------------------------------------------------------------------------------------


def _clips(frames: int, s: CropSettings) -> list[tuple[int, int, int]]:
    """(start, stop, every) ranges to decode."""
    if s.clip_len <= 1:
        every = max(1, frames // max(s.frames_per_video, 1))
        return [(0, every * s.frames_per_video, every)]
    span = s.clip_len * s.frame_step
    if frames <= span:
        return [(0, span, s.frame_step)]
    starts = sorted({int(round(x)) for x in np.linspace(0, frames - span, s.clips_per_video)})
    return [(a, a + span, s.frame_step) for a in starts]


def _video(path: Path, s: CropSettings, detector, cancelled: Callable[[], bool]) -> FileCrops:
    try:
        info = probe(path)
    except VideoError as exc:
        return FileCrops.failed(s.size, str(exc))
    crops, frames, runs, boxes, marks = [], [], [], [], []
    run = -1
    read = failed = faceless = 0
    for start, stop, every in _clips(info.frames, s):
        if cancelled():
            raise Cancelled("Extracting faces was cancelled.")
        try:
            items = [(i, rgb) for i, _, rgb in iter_frames(path, every=every, start=start, stop=stop)]
        except VideoError as exc:
            return FileCrops.failed(s.size, str(exc))
        good = [(i, rgb) for i, rgb in items if rgb is not None]
        read += len(good)
        failed += len(items) - len(good)
        dets = detector().detect([rgb for _, rgb in good]) if good else []
        tracker, follow = Tracker(iou_threshold=MIN_IOU, max_missed=MAX_CARRY), None
        for (index, rgb), found in zip(good, dets, strict=True):
            found = [d for d in found if min(d.box[2] - d.box[0], d.box[3] - d.box[1]) >= s.min_face_px]
            faces, _ = tracker.update(index, found)
            track_of = {f.box: f.track for f in faces}  # a detection's box is its tracked face's box
            pick = next((d for d in found if track_of.get(d.box) == follow), None) if follow is not None else None
            if pick is None and not found and follow is not None and (box := tracker.predicted(follow, index)):
                pick = _Carried(box)  # the followed face, missed in a frame with no face found: carried
            if pick is None and found:
                pick, follow = found[0], track_of[found[0].box]  # the largest face starts a new run
                run += 1
            if pick is None:
                faceless += 1
                follow = None
                continue
            crop, box, mk = _to_crop(rgb, pick, s)
            crops.append(crop)
            frames.append(index)
            runs.append(run)
            boxes.append(box)
            marks.append(mk)
        if s.clip_len > 1:
            run += 1  # clips never join
    if read == 0:
        return FileCrops.failed(s.size, "no frame could be decoded (damaged or truncated video)")
    if not crops:
        return FileCrops.failed(s.size, f"no face found in the {read} sampled frames")
    note = f"{plural(len(crops), 'crop')} from {plural(read, 'sampled frame')}"
    if failed:
        note += f"; {plural(failed, 'frame')} could not be decoded"
    if s.clip_len <= 1:
        runs = list(range(len(crops)))  # frame models: every crop stands alone
    return FileCrops(np.stack(crops), np.array(frames, np.int32), _renumber(runs), np.stack(boxes),
                     np.stack(marks), note=note)


def _renumber(runs) -> np.ndarray:
    out, mapping = [], {}
    for r in runs:
        mapping.setdefault(r, len(mapping))
        out.append(mapping[r])
    return np.array(out, np.int32)


# --- cache ---------------------------------------------------------------------------------------


def _cache_path(file_sha: str, s: CropSettings) -> Path:
    key = sha256_text(f"{file_sha}:{s.key()}")
    return paths.cache_dir() / "crops" / key[:2] / f"{key}.npz"


def _load(path: Path) -> FileCrops | None:
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as z:
            return FileCrops(z["crops"], z["frames"], z["runs"], z["boxes"], z["landmarks"], str(z["error"]),
                             str(z["note"]))
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
        return None  # damaged entry: extract again


def _store(path: Path, fc: FileCrops) -> None:
    buf = io.BytesIO()
    np.savez_compressed(buf, crops=fc.crops, frames=fc.frames, runs=fc.runs, boxes=fc.boxes,
                        landmarks=fc.landmarks, error=np.array(fc.error), note=np.array(fc.note))
    try:
        atomic.write_bytes(path, buf.getvalue())
    except OutputNotWritable:
        pass  # a full disk costs a re-crop next time, not this run


IMAGE_BATCH = 32  # MTCNN finds faces in a batch of same-sized images about 6x faster than one by one


def warm_image_cache(root: str | Path, files, s: CropSettings, detector: Callable,
                     should_cancel: Callable[[], bool] | None = None, progress=None) -> None:
    """Crop the uncached images among ``files`` with batched detection and cache them, so that
    :func:`file_crops` finds them ready (the result is the same as one by one).

    Images are batched by size; at most ``2 * IMAGE_BATCH`` decoded images wait at any time.
    """
    if s.images_are_faces:
        return
    todo = [f for f in files if f.kind == "image" and not _cache_path(f.sha256, s).is_file()]
    report = progress or (lambda p: None)
    t0 = time.perf_counter()
    waiting: dict[tuple, list] = {}

    def flush(groups):
        for group in groups:
            _detect_and_store(group, s, detector, should_cancel)

    for n, f in enumerate(todo):
        try:
            rgb = read_image(Path(root) / f.path)
        except (ValueError, OSError):
            continue  # file_crops records why
        group = waiting.setdefault(rgb.shape, [])
        group.append((f, rgb))
        if len(group) == IMAGE_BATCH:
            flush([waiting.pop(rgb.shape)])
        elif sum(len(g) for g in waiting.values()) >= 2 * IMAGE_BATCH:
            flush(waiting.values())
            waiting = {}
        if n % IMAGE_BATCH == 0:
            el = time.perf_counter() - t0
            report(TrainProgress("extracting", n, len(todo), el, el / max(n, 1) * (len(todo) - n),
                                 message="finding faces in the images"))
    flush(waiting.values())


def _detect_and_store(group, s: CropSettings, detector, should_cancel) -> None:
    if should_cancel and should_cancel():
        raise Cancelled("Extracting faces was cancelled.")
    found = detector().detect([rgb for _, rgb in group])
    for (f, rgb), dets in zip(group, found, strict=True):
        _store(_cache_path(f.sha256, s), _image_from(rgb, dets, s))


def file_crops(root: str | Path, f: DataFile, s: CropSettings, detector: Callable, use_cache: bool = True,
               should_cancel: Callable[[], bool] | None = None) -> FileCrops:
    """The crops of one dataset file, from the cache when possible."""
    cache = _cache_path(f.sha256, s)
    if use_cache and (hit := _load(cache)) is not None:
        return hit
    p = Path(root) / f.path
    if f.kind == "image":
        fc = _image(p, s, detector)
    else:
        fc = _video(p, s, detector, should_cancel or (lambda: False))
    if use_cache:
        _store(cache, fc)
    return fc


# --- the assembled table -------------------------------------------------------------------------


@dataclass
class CropTable:
    crops: np.ndarray  # (N, S, S, 3) uint8, in RAM or memory-mapped
    label: np.ndarray  # (N,) int8
    file: np.ndarray  # (N,) int32 index into ``files``
    split: np.ndarray  # (N,) int8, SPLIT_CODES
    run: np.ndarray  # (N,) int64, globally unique; a run's crops are contiguous and in frame order
    frame: np.ndarray  # (N,) int32
    boxes: np.ndarray  # (N, 4) float32
    landmarks: np.ndarray  # (N, 5, 2) float32
    files: tuple[DataFile, ...]
    settings: CropSettings
    key: str
    mesh: np.ndarray | None = None  # (N, 468, 2) float32 face-mesh points in crop pixels, NaN where unknown

    def __len__(self) -> int:
        return len(self.label)

    def where(self, split: str) -> np.ndarray:
        return np.flatnonzero(self.split == SPLIT_CODES[split])


def _allocate(n: int, size: int, key: str) -> np.ndarray:
    shape = (n, size, size, 3)
    if n * size * size * 3 <= RAM_LIMIT_BYTES:
        return np.zeros(shape, np.uint8)
    folder = paths.ensure_dir(paths.cache_dir() / "tables")
    try:
        return np.lib.format.open_memmap(folder / f"{key}.npy", mode="w+", dtype=np.uint8, shape=shape)
    except OSError as exc:
        raise OutputNotWritable(f"Cannot make the crop table in {folder}: {exc.strerror}.") from exc


def build_table(summary: DatasetSummary, s: CropSettings, detector: Callable, progress=None, should_cancel=None,
                splits: tuple[str, ...] = ("train", "validation", "test"), use_cache: bool = True,
                ) -> tuple[CropTable, list[Skipped]]:
    """Crops of every file of the given splits; files that give none are skipped and listed."""
    report = progress or (lambda p: None)
    cancelled = should_cancel or (lambda: False)
    files = tuple(f for f in summary.files if f.split in splits)
    if use_cache:
        warm_image_cache(summary.root, files, s, detector, cancelled, report)
    t0 = time.perf_counter()
    parts, skipped = [], []
    for i, f in enumerate(files):
        if cancelled():
            raise Cancelled("Extracting faces was cancelled.")
        fc = file_crops(summary.root, f, s, detector, use_cache, cancelled)
        if fc.error:
            skipped.append(Skipped(f.path, fc.error))
        elif len(fc.crops):
            parts.append((i, fc))
        el = time.perf_counter() - t0
        report(TrainProgress("extracting", i + 1, len(files), el, el / (i + 1) * (len(files) - i - 1), message=f.path))
    n = sum(len(fc.crops) for _, fc in parts)
    key = sha256_text(f"{summary.file_list_hash}:{s.key()}:{','.join(splits)}")
    crops = _allocate(n, s.size, key)
    label, file_idx, split, run, frame = (np.zeros(n, t) for t in (np.int8, np.int32, np.int8, np.int64, np.int32))
    boxes, marks = np.zeros((n, 4), np.float32), np.zeros((n, 5, 2), np.float32)
    at, run_base = 0, 0
    for i, fc in parts:
        k = len(fc.crops)
        sl = slice(at, at + k)
        crops[sl] = fc.crops
        label[sl], file_idx[sl], split[sl] = files[i].label, i, SPLIT_CODES[files[i].split]
        run[sl] = fc.runs.astype(np.int64) + run_base
        frame[sl], boxes[sl], marks[sl] = fc.frames, fc.boxes, fc.landmarks
        run_base += int(fc.runs.max()) + 1
        at += k
    return CropTable(crops, label, file_idx, split, run, frame, boxes, marks, files, s, key), skipped
