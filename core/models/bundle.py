"""Model bundles: a folder with ``model.keras`` and ``card.json``.

The card says everything the engine needs to use the weights correctly (input size,
preprocessing, face crop margin, threshold, what the output means) and everything an analyst
needs to judge them (training data, metrics, limits). Loading checks the card against the
registry and the weights' shapes, and names what is wrong.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from core import paths
from core.errors import BundleInvalid, BundleNotFound, OutputNotWritable
from core.forensic import atomic
from core.forensic.hashing import sha256_file
from core.models import calibration, registry
from core.models.preprocess import PREPROCESSORS

CARD_FILE = "card.json"
MODEL_FILE = "model.keras"
CARD_SCHEMA = "deepfake-inspector/model-card@1"
OUTPUTS = ("p_fake", "p_real")


@dataclass(frozen=True)
class RuntimeContract:
    """What the engine must honour to use the weights correctly, apart from the card's descriptive
    metadata (name, description, training, metrics, limits). The scorer and the crops read only
    this; its margin, minimum face and threshold are the defaults an analysis's parameters resolve
    to. Validated with the card on load."""

    kind: str  # "frame" or "sequence"
    input_size: int  # crop side in pixels
    preprocessing: str  # a name in core.models.preprocess.PREPROCESSORS
    output: str  # what the sigmoid means: "p_fake" or "p_real"
    calibration: dict[str, Any] | None  # applied to P(fake); None: raw scores
    face_margin: float  # crop side = box side * (1 + margin)
    min_face_px: int  # smaller faces (in the frame) are not scored
    threshold: float  # calibrated P(fake) at and above which a frame counts as fake
    sequence_length: int | None = None  # sequence models: crops per window
    sequence_hop: int | None = None
    sequence_step: int | None = None  # frames apart of a window's crops in training (None: 1)

    def p_fake(self, raw):
        """The model's raw sigmoid output as P(fake) (a number, an array or a tensor): ``1 - raw``
        for a model whose output is P(real)."""
        return 1.0 - raw if self.output == "p_real" else raw


RUNTIME_FIELDS = tuple(RuntimeContract.__dataclass_fields__)


@dataclass(frozen=True)
class ModelCard:
    name: str
    architecture: str
    kind: str
    input_size: int
    preprocessing: str
    threshold: float = 0.5
    output: str = "p_fake"
    face_margin: float = 0.3  # crop side = box side * (1 + margin)
    min_face_px: int = 24  # faces smaller than this (in the frame) are not scored
    sequence_length: int | None = None
    sequence_hop: int | None = None
    sequence_step: int | None = None
    calibration: dict[str, Any] | None = None  # see core.models.calibration; None: raw scores
    description: str = ""
    training: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    limits: list[str] = field(default_factory=list)
    created: str = ""
    schema: str = CARD_SCHEMA

    @property
    def contract(self) -> RuntimeContract:
        """The runtime fields of this card (the JSON keeps them flat beside the metadata)."""
        fields = {k: getattr(self, k) for k in RUNTIME_FIELDS}
        if self.kind == registry.SEQUENCE and self.sequence_step is None:  # cards from before the field:
            fields["sequence_step"] = _trained_step(self.training)  # what training used, where recorded
        return RuntimeContract(**fields)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def for_architecture(cls, arch_name: str, name: str, **fields) -> ModelCard:
        arch = registry.get(arch_name)
        base = dict(
            name=name,
            architecture=arch.name,
            kind=arch.kind,
            input_size=arch.input_size,
            preprocessing=arch.preprocessing,
            output=arch.output,
            sequence_length=arch.sequence_length,
            sequence_hop=(max(1, arch.sequence_length // 2) if arch.sequence_length else None),
            description=arch.description,
            created=datetime.now(UTC).isoformat(timespec="seconds"),
        )
        base.update(fields)
        return cls(**base)


def _trained_step(training: dict) -> int | None:
    """The frame step a card's training record gives its windows (None when it gives none usable)."""
    crops = training.get("crops")
    step = crops.get("frame_step") if isinstance(crops, dict) else None
    return step if isinstance(step, int) and not isinstance(step, bool) and step >= 1 else None


_REQUIRED = {"name": str, "architecture": str, "kind": str, "input_size": int, "preprocessing": str}
_NUMBER = (int, float)
_OPTIONAL = {"threshold": _NUMBER, "output": str, "face_margin": _NUMBER, "min_face_px": int,
             "sequence_length": (int, type(None)), "sequence_hop": (int, type(None)),
             "sequence_step": (int, type(None)),
             "calibration": (dict, type(None)), "description": str, "training": dict, "metrics": dict,
             "limits": list, "created": str, "schema": str}
_TYPE_WORDS = {str: "a string", int: "a whole number", _NUMBER: "a number", dict: "an object", list: "a list"}
MAX_NAME = 200  # characters: a name is shown in lists and written into every audit entry
MAX_TEXT = {"description": 10_000}  # other top-level strings: MAX_NAME
MAX_CARD_BYTES = 16 * 1024 * 1024  # a card is read whole: a bigger one is not a card (ours are < 200 KB)


def parse_card(data: Any, where: str) -> ModelCard:
    """A validated card from parsed JSON; every problem found is named in one message."""
    if not isinstance(data, dict):
        raise BundleInvalid(f"{where}: the card is not a JSON object.")
    problems = []
    for key, typ in _REQUIRED.items():
        if key not in data:
            problems.append(f"'{key}' is missing")
        elif not isinstance(data[key], typ) or isinstance(data[key], bool):
            problems.append(f"'{key}' must be a {typ.__name__}")
    for key, typ in _OPTIONAL.items():
        if key in data and (not isinstance(data[key], typ) or isinstance(data[key], bool)):
            words = _TYPE_WORDS.get(typ, _TYPE_WORDS.get(typ[0] if isinstance(typ, tuple) else typ, str(typ)))
            problems.append(f"'{key}' must be {words}" + (" or null" if isinstance(typ, tuple)
                                                           and type(None) in typ else ""))
    for key, value in data.items():
        limit = MAX_TEXT.get(key, MAX_NAME)
        if isinstance(value, str) and len(value) > limit:
            problems.append(f"'{key}' is {len(value):,} characters long (at most {limit:,})")
    known = set(ModelCard.__dataclass_fields__)
    unknown = sorted(set(data) - known)
    if unknown:
        problems.append(f"unknown fields {', '.join(unknown)}")
    if problems:
        raise BundleInvalid(f"{where}: {'; '.join(problems)}.")
    card = ModelCard(**data)
    if card.schema != CARD_SCHEMA:
        problems.append(f"schema is '{card.schema}', expected '{CARD_SCHEMA}'")
    if card.kind not in (registry.FRAME, registry.SEQUENCE):
        problems.append(f"kind must be '{registry.FRAME}' or '{registry.SEQUENCE}'")
    if card.preprocessing not in PREPROCESSORS:
        problems.append(f"unknown preprocessing '{card.preprocessing}'")
    if card.output not in OUTPUTS:
        problems.append(f"output must be one of {', '.join(OUTPUTS)}")
    if not 0.0 < float(card.threshold) < 1.0:
        problems.append("threshold must lie strictly between 0 and 1")
    if card.input_size < 8:
        problems.append("input_size is too small")
    if not 0.0 <= float(card.face_margin) <= 3.0:
        problems.append("face_margin must lie between 0 and 3")
    if card.min_face_px < 1:
        problems.append("min_face_px must be at least 1")
    if card.kind == registry.SEQUENCE and not (card.sequence_length and card.sequence_length >= 1):
        problems.append("a sequence model needs sequence_length >= 1")
    if card.sequence_step is not None and card.sequence_step < 1:
        problems.append("sequence_step must be at least 1")
    problems += calibration.problems(card.calibration)
    if problems:
        raise BundleInvalid(f"{where}: {'; '.join(problems)}.")
    return card


@dataclass(frozen=True)
class BundleInfo:
    """A bundle on disk, without its weights loaded."""

    id: str  # folder name
    path: str
    card: ModelCard
    size_bytes: int
    read_only: bool  # shipped with the app

    @property
    def weights_path(self) -> Path:
        return Path(self.path) / MODEL_FILE

    def weights_sha256(self) -> str:
        return sha256_file(self.weights_path)


def read_bundle(folder: str | Path, read_only: bool = False) -> BundleInfo:
    folder = Path(folder)
    if not folder.is_dir():
        raise BundleNotFound(f"No model bundle at {folder}.")
    card_path, model_path = folder / CARD_FILE, folder / MODEL_FILE
    if not card_path.is_file():
        raise BundleInvalid(f"{folder.name}: {CARD_FILE} is missing; this folder is not a model bundle.")
    if not model_path.is_file():
        raise BundleInvalid(f"{folder.name}: {MODEL_FILE} is missing.")
    size = card_path.stat().st_size
    if size > MAX_CARD_BYTES:
        raise BundleInvalid(f"{folder.name}: {CARD_FILE} is {size:,} bytes, more than a model card can be "
                            f"({MAX_CARD_BYTES:,}); it is not read.")
    try:
        data = json.loads(card_path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BundleInvalid(f"{folder.name}: {CARD_FILE} is not valid JSON ({exc}).") from exc
    except RecursionError as exc:
        raise BundleInvalid(f"{folder.name}: {CARD_FILE} is nested too deeply to be a model card.") from exc
    card = parse_card(data, folder.name)
    size = sum(f.stat().st_size for f in folder.iterdir() if f.is_file())
    return BundleInfo(id=folder.name, path=str(folder), card=card, size_bytes=size, read_only=read_only)


def bundle_dirs() -> list[tuple[Path, bool]]:
    """(folder, read_only) pairs where bundles live: shipped first, then the user's."""
    return [(paths.shipped_models_dir(), True), (paths.user_models_dir(), False)]


def list_bundles() -> tuple[list[BundleInfo], list[str]]:
    """All readable bundles, and one message for each folder that looks like a broken one."""
    found, problems = [], []
    for base, read_only in bundle_dirs():
        if not base.is_dir():
            continue
        for folder in sorted(base.iterdir()):
            if folder.name.startswith(".") or not (folder / CARD_FILE).exists():  # .x: a copy being made
                continue
            try:
                found.append(read_bundle(folder, read_only))
            except BundleInvalid as exc:
                problems.append(str(exc))
    return found, problems


DEFAULT_ENV = "DFI_DEFAULT_MODEL"
DEFAULT_FILE = "default_model.txt"


def default_bundle_id() -> str | None:
    """The user's chosen default, else the shipped ``default_model.txt``, else the first bundle."""
    for f in (paths.user_data_dir() / DEFAULT_FILE, paths.shipped_models_dir() / DEFAULT_FILE):
        if f.is_file() and f.read_text().strip():
            return f.read_text().strip()
    bundles, _ = list_bundles()
    return bundles[0].id if bundles else None


def resolve(id_or_dir: str | None) -> BundleInfo:
    """A bundle by folder path or by id among the installed ones (None: the default, which is an id
    among the installed ones only: a folder of that name where the app was started is not it)."""
    if id_or_dir is None:
        id_or_dir = default_bundle_id()
        if id_or_dir is None:
            raise BundleNotFound("No model is installed. Train one, import one, or pass --model FOLDER.")
    elif _readable_dir(Path(id_or_dir)):
        return read_bundle(Path(id_or_dir), read_only=False)
    for base, read_only in bundle_dirs():
        if (base / id_or_dir).is_dir():
            return read_bundle(base / id_or_dir, read_only)
    ids = ", ".join(b.id for b in list_bundles()[0]) or "none"
    raise BundleNotFound(f"No model called '{id_or_dir}'. Installed: {ids}.")


def _readable_dir(path: Path) -> bool:
    """Whether ``path`` is a folder we may look into; a relative one under a working directory the
    user cannot read (the app started from such a folder) is not."""
    try:
        return path.is_dir()
    except PermissionError:
        return False


# --- loading and saving weights ----------------------------------------------------------


def _expected_input(card: ModelCard) -> tuple:
    s = card.input_size
    if card.kind == registry.SEQUENCE:
        return (None, card.sequence_length, s, s, 3)
    return (None, s, s, 3)


def _check_archive(info: BundleInfo) -> None:
    """A .keras file is a zip archive: a cut or damaged one is named as such (Keras says "File not found")."""
    import zipfile

    try:
        with zipfile.ZipFile(info.weights_path) as z:
            bad = z.testzip()
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        size = info.weights_path.stat().st_size if info.weights_path.exists() else 0
        raise BundleInvalid(f"{info.id}: {MODEL_FILE} is damaged or truncated: not a complete .keras archive "
                            f"({size:,} bytes; {exc}). Reinstall or re-export the model.") from exc
    if bad is not None:
        raise BundleInvalid(f"{info.id}: {MODEL_FILE} is damaged: its member {bad} fails its checksum.")


def load_keras_model(info: BundleInfo):
    """The bundle's Keras model, loaded with ``safe_mode`` and checked against its card."""
    from core.keras_env import keras

    k = keras()
    _check_archive(info)
    try:
        model = k.models.load_model(info.weights_path, compile=False, safe_mode=True)
    except (ValueError, OSError, TypeError, KeyError) as exc:
        raise BundleInvalid(f"{info.id}: {MODEL_FILE} cannot be loaded ({str(exc).splitlines()[0]}).") from exc
    expected = _expected_input(info.card)
    got = tuple(model.input_shape)
    if got != expected:
        raise BundleInvalid(
            f"{info.id}: the weights take input {got}, but the card says {expected} "
            f"(input_size {info.card.input_size}, kind {info.card.kind})."
        )
    if tuple(model.output_shape) != (None, 1):
        raise BundleInvalid(f"{info.id}: the model's output is {model.output_shape}, expected (None, 1).")
    if info.card.kind == registry.SEQUENCE:
        for name in (f"{registry.ENCODER_NAME}_td", registry.HEAD_NAME):
            try:
                model.get_layer(name)
            except ValueError:
                raise BundleInvalid(f"{info.id}: a sequence model needs a layer named '{name}'.") from None
    return model


def save_bundle(model, card: ModelCard, folder: str | Path, overwrite: bool = False) -> BundleInfo:
    """Write a bundle atomically: into a temporary sibling folder, then renamed into place."""
    folder = Path(folder)
    if folder.exists() and not overwrite:
        raise OutputNotWritable(f"{folder} already exists; choose another name.")
    with atomic.staged_folder(folder, f"write the model bundle {folder}") as tmp:
        model.save(tmp / MODEL_FILE)
        (tmp / CARD_FILE).write_text(json.dumps(card.to_json(), indent=2, allow_nan=False) + "\n")
        parse_card(json.loads((tmp / CARD_FILE).read_text()), folder.name)
    return read_bundle(folder)


def with_card(info: BundleInfo, **changes) -> ModelCard:
    return replace(info.card, **changes)
