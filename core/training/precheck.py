"""What can be known to fail before a training run starts, cheaply: no TensorFlow, no face
detection, no hashing of large files. The training tab shows these at once; the engine checks
everything again (and more) when it runs."""

from __future__ import annotations

from core import backbones as bbs
from core.errors import InspectorError
from core.models import registry
from core.models.bundle import read_bundle
from core.training.config import TrainConfig
from core.training.dataset import CLASSES, DatasetSummary
from core.training.defaults import start_refusal
from core.training.trainer import config_problems, default_out


def early_problems(c: TrainConfig, summary: DatasetSummary | None = None) -> list[str]:
    """Each problem as a sentence; empty when nothing is known to be wrong."""
    arch = registry.get(c.arch)
    out = [p[0].upper() + p[1:] + "." for p in config_problems(c, arch)]
    if c.init_from:
        try:
            start = read_bundle(c.init_from)
        except InspectorError as exc:
            out.append(str(exc))
        else:
            refused = start_refusal(arch, start.card)
            if refused:
                out.append(refused)
    elif arch.uses_imagenet_backbone and not c.from_scratch:
        looked = bbs.candidate_paths(arch.backbone, c.backbone_weights)
        if not any(p.is_file() for p in looked):
            out.append(bbs.missing_message(arch.backbone, looked))
    if default_out(c).exists() and not c.overwrite:
        out.append(f"{default_out(c)} exists already; choose another name.")
    if summary is not None:
        out += _data_problems(c, arch, summary)
    return out


def _data_problems(c: TrainConfig, arch: registry.Architecture, s: DatasetSummary) -> list[str]:
    out = []
    if arch.kind == registry.SEQUENCE:
        if not s.count(kind="video"):
            return [f"{arch.name} learns from videos, and the folder holds only images."]
        per = c.data.clips_per_video
        unit, counts = "clips", {i: s.count("train", i, "video") * per for i in range(len(CLASSES))}
        if c.data.self_blend:
            counts[1] += counts[0]
    else:
        per = c.data.frames_per_video
        unit = "face crops"
        counts = {i: s.count("train", i, "image") + s.count("train", i, "video") * per for i in range(len(CLASSES))}
        if c.data.self_blend:
            counts[1] += counts[0]
    for i, cname in enumerate(CLASSES):
        if counts[i] < c.batch_size:
            out.append(f"The training split gives at most {counts[i]} {cname} {unit}, fewer than one batch of "
                       f"{c.batch_size}: add data or lower the batch size.")
    if not s.count("validation"):
        out.append("The validation split is empty: add validation data or raise its share.")
    return out
