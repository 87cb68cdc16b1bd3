"""Half-size weight storage (core.models.storage): kernels stored as float16 load into the same
float32 network through the bundle loader, and a kernel float16 cannot hold is refused."""

import io
import zipfile

import numpy as np
import pytest

from core.errors import BundleInvalid
from core.models.bundle import MODEL_FILE, ModelCard, load_keras_model, read_bundle, save_bundle
from core.models.storage import WEIGHTS_MEMBER, halve_weights


def _stored_dtypes(keras_file):
    import h5py

    out = {}
    with zipfile.ZipFile(keras_file) as z, h5py.File(io.BytesIO(z.read(WEIGHTS_MEMBER)), "r") as f:
        f.visititems(lambda name, item: out.__setitem__(name, (item.dtype, item.ndim))
                     if isinstance(item, h5py.Dataset) else None)
    return out


def _bundle(tmp_path, scale=1.0):
    import keras

    from core.models import registry

    keras.utils.set_random_seed(3)
    card = ModelCard.for_architecture("tiny_cnn", "tiny")
    model = registry.get("tiny_cnn").build_model()
    if scale != 1.0:
        w = model.weights[0]
        w.assign(np.asarray(w) * scale)
    return save_bundle(model, card, tmp_path / "full"), model


def test_halved_kernels_load_as_float32_and_score_alike(tmp_path):
    info, model = _bundle(tmp_path)
    half_dir = tmp_path / "half"
    half_dir.mkdir()
    (half_dir / "card.json").write_bytes((tmp_path / "full" / "card.json").read_bytes())
    report = halve_weights(tmp_path / "full" / MODEL_FILE, half_dir / MODEL_FILE)

    assert 0 < report.halved < report.arrays and report.bytes_after < report.bytes_before
    stored = _stored_dtypes(half_dir / MODEL_FILE)
    assert {str(d) for d, ndim in stored.values() if ndim >= 2} == {"float16"}
    assert {str(d) for d, ndim in stored.values() if ndim < 2} == {"float32"}  # biases, batch-norm statistics

    loaded = load_keras_model(read_bundle(half_dir))
    assert {w.dtype for w in loaded.weights} == {"float32"}
    size = info.card.input_size
    x = np.random.default_rng(0).uniform(0, 1, (6, size, size, 3)).astype(np.float32)
    full, half = np.asarray(model(x)).ravel(), np.asarray(loaded(x)).ravel()
    assert np.abs(full - half).max() < 5e-3
    assert not np.array_equal(full, half)  # the stored weights really were rounded


def test_a_kernel_float16_cannot_hold_is_refused(tmp_path):
    _bundle(tmp_path, scale=1e6)
    with pytest.raises(BundleInvalid, match="float16"):
        halve_weights(tmp_path / "full" / MODEL_FILE, tmp_path / "half.keras")
