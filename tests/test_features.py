"""Cached features of a frozen encoder: exact, reused, never stale, never half-written."""

import numpy as np
import pytest

from core import paths
from core.errors import Cancelled
from core.models import registry
from core.models.preprocess import preprocess
from core.training.augment import AugmentConfig
from core.training.batches import Samples
from core.training.crops import CropSettings, CropTable
from core.training.features import encode, weights_digest


@pytest.fixture
def table():
    rng = np.random.default_rng(0)
    n = 10
    crops = rng.integers(0, 256, (n, 32, 32, 3), dtype=np.uint8)
    return CropTable(crops, np.array([0, 1] * 5, np.int8), np.arange(n, dtype=np.int32), np.zeros(n, np.int8),
                     np.arange(n, dtype=np.int64), np.full(n, -1, np.int32),
                     np.tile(np.array([[4, 4, 28, 28]], np.float32), (n, 1)), np.full((n, 5, 2), np.nan, np.float32),
                     (), CropSettings(32), "table-key")


def _samples(n, sbi=False):
    return Samples(np.arange(n, dtype=np.int64), np.full(n, sbi), np.zeros(n, np.float32), np.arange(n, dtype=np.int32))


@pytest.fixture
def encoder():
    import keras

    keras.utils.set_random_seed(0)
    return registry.get("tiny_lstm").build_model().get_layer("frame_encoder_td").layer


def test_view_zero_is_the_plain_encoding_and_is_cached(table, encoder):
    s = _samples(10)
    events = []
    f = encode(encoder, table, s, "scale_0_1", weights_digest(encoder), batch_size=4, progress=events.append)
    assert f.shape == (1, 10, 4) and f.dtype == np.float16
    want = np.asarray(encoder(preprocess("scale_0_1", table.crops), training=False))
    assert np.allclose(f[0], want, atol=2e-3)
    assert [e.done for e in events] == [4, 8, 10]
    again = []
    g = encode(encoder, table, s, "scale_0_1", weights_digest(encoder), batch_size=4, progress=again.append)
    assert again == [] and np.array_equal(f, g)  # read back from the cache, nothing recomputed
    assert len(list((paths.cache_dir() / "features").glob("*.npy"))) >= 1


def test_augmented_views_and_self_blends_differ(table, encoder):
    digest = weights_digest(encoder)
    f = encode(encoder, table, _samples(10), "scale_0_1", digest, views=3, augment=AugmentConfig(), seed=1)
    assert f.shape == (3, 10, 4)
    assert not np.array_equal(f[0], f[1]) and not np.array_equal(f[1], f[2])
    plain = encode(encoder, table, _samples(10), "scale_0_1", digest)
    assert np.array_equal(f[0], plain[0])  # view 0 is never augmented
    blended = encode(encoder, table, _samples(10, sbi=True), "scale_0_1", digest)
    assert not np.array_equal(blended[0], plain[0])


def test_other_weights_are_never_served_from_the_cache(table, encoder):
    first = encode(encoder, table, _samples(10), "scale_0_1", weights_digest(encoder))
    encoder.weights[0].assign(np.asarray(encoder.weights[0]) * 2.0)
    second = encode(encoder, table, _samples(10), "scale_0_1", weights_digest(encoder))
    assert not np.array_equal(first, second)


def test_cancel_leaves_no_partial_file(table, encoder):
    calls = {"n": 0}

    def cancel():
        calls["n"] += 1
        return calls["n"] > 1

    with pytest.raises(Cancelled):
        encode(encoder, table, _samples(10), "scale_-1_1", weights_digest(encoder), batch_size=4,
               should_cancel=cancel)
    folder = paths.cache_dir() / "features"
    assert not list(folder.glob(".*.part"))
