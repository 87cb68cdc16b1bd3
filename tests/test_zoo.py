"""Every architecture builds with the right shapes, saves and loads to identical outputs, and
freezes what its description says."""

import numpy as np
import pytest

from core.errors import UnknownArchitecture
from core.models import registry
from core.models.bundle import ModelCard, load_keras_model, save_bundle
from core.models.preprocess import PREPROCESSORS
from core.models.scorer import Scorer
from core.models.zoo_resnet import set_trainable

SMALL = {"compact_cnn": 64, "resnet50": 64, "resnet50_v2": 64, "resnet50_lstm": 64, "face_cnn": 64, "simple_cnn": 64,
         "meso4": 64, "meso_inception4": 64, "efficientnet_lite0": 64, "efficientnet_lite1": 64,
         "efficientnet_lite2": 64, "efficientnet_lite0_lstm": 64}
RESEARCH = ["compact_cnn", "efficientnet_lite0", "efficientnet_lite0_lstm", "efficientnet_lite1", "efficientnet_lite2",
            "face_cnn", "meso4", "meso_inception4", "resnet50", "resnet50_lstm", "resnet50_v2", "simple_cnn"]


def test_the_registry_lists_the_research_architectures():
    assert registry.names() == RESEARCH
    for a in registry.all_architectures(include_test=True):
        assert a.preprocessing in PREPROCESSORS and a.description and a.input_size >= 32
        assert (a.kind == registry.SEQUENCE) == (a.sequence_length is not None)
    assert registry.get("resnet50").backbone == "resnet50" and not registry.get("meso4").uses_imagenet_backbone
    assert [registry.get(f"efficientnet_lite{v}").input_size for v in (0, 1, 2)] == [224, 240, 260]
    with pytest.raises(UnknownArchitecture, match="resnet50_v2"):
        registry.get("resnet101")


@pytest.fixture(scope="module")
def built():
    import keras

    out = {}
    for name in registry.names(include_test=True):
        keras.utils.set_random_seed(3)
        arch = registry.get(name)
        size = SMALL.get(name, arch.input_size)
        extra = {"sequence_length": 3} if name.endswith("_lstm") and name != "tiny_lstm" else {}  # fast to run
        out[name] = (arch, size, arch.build_model(input_size=size, **extra))
    return out


def _length(model) -> int:
    return int(model.input_shape[1])


@pytest.mark.parametrize("name", RESEARCH + ["tiny_cnn", "tiny_lstm"])
def test_builds_with_the_right_shapes(built, name):
    arch, size, model = built[name]
    if arch.kind == registry.FRAME:
        assert tuple(model.input_shape) == (None, size, size, 3)
    else:
        assert tuple(model.input_shape) == (None, _length(model), size, size, 3)
        encoder = model.get_layer(f"{registry.ENCODER_NAME}_td").layer
        assert encoder.name == registry.ENCODER_NAME
        assert model.get_layer(registry.HEAD_NAME).output_shape == (None, 1)
    assert tuple(model.output_shape) == (None, 1)


def test_default_input_sizes_build(built):
    # the published sizes, for the cheap models (ResNet50 at 224 is covered by its 64 px twin)
    for name, size in (("face_cnn", 224), ("simple_cnn", 128), ("meso4", 256), ("meso_inception4", 256)):
        model = registry.get(name).build_model()
        assert tuple(model.input_shape) == (None, size, size, 3) and model.output_shape == (None, 1)


def test_mesonet_has_the_papers_parameter_count(built):
    assert registry.get("meso4").build_model().count_params() == 28_073  # 27,977 trainable + 96 BN statistics
    meso = registry.get("meso4").build_model()
    assert sum(int(np.prod(w.shape)) for w in meso.trainable_weights) == 27_977  # as in Afchar et al.


def test_resnet_heads_freeze_what_they_say(built):
    _, _, v1 = built["resnet50"]
    _, _, v2 = built["resnet50_v2"]
    for model, first in ((v1, "conv5_block3_1_conv"), (v2, "conv5_block1_1_conv")):
        base = model.get_layer("backbone")
        names = [layer.name for layer in base.layers]
        start = names.index(first)
        trainable = [layer.name for layer in base.layers if layer.trainable and layer.weights]
        assert trainable and all(names.index(n) >= start for n in trainable)
        assert model.get_layer("head").trainable_weights
    head1 = v1.get_layer("head")
    assert [layer.units for layer in head1.layers if hasattr(layer, "units")] == [256, 126, 1]
    assert [layer.rate for layer in head1.layers if hasattr(layer, "rate")] == [0.3, 0.5]
    head2 = v2.get_layer("head")
    assert [layer.units for layer in head2.layers if hasattr(layer, "units")] == [256, 128, 64, 1]
    assert [layer.rate for layer in head2.layers if hasattr(layer, "rate")] == [0.7, 0.7]
    assert sum(1 for layer in head2.layers if layer.__class__.__name__ == "BatchNormalization") == 2
    # random init (tests, --from-scratch): batch norm trains; the LSTM's encoder is frozen entirely
    assert any(layer.trainable for layer in v1.get_layer("backbone").layers
               if layer.__class__.__name__ == "BatchNormalization")
    _, _, lstm = built["resnet50_lstm"]
    assert not lstm.get_layer(f"{registry.ENCODER_NAME}_td").layer.trainable_weights
    assert lstm.get_layer(registry.HEAD_NAME).trainable_weights


def test_set_trainable_options(built):
    base = built["resnet50"][2].get_layer("backbone")
    try:
        assert set_trainable(base, "none", bn_trainable=True) == 0
        n_all = set_trainable(base, "all", bn_trainable=False)
        n_all_bn = set_trainable(base, "all", bn_trainable=True)
        assert 0 < n_all < n_all_bn == sum(1 for layer in base.layers if layer.weights)
        with pytest.raises(ValueError, match="no layer 'conv9'"):
            set_trainable(base, "conv9", bn_trainable=False)
    finally:
        set_trainable(base, "conv5_block3_1_conv", bn_trainable=True)


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.slow) if n.startswith("resnet") else n
                                  for n in RESEARCH + ["tiny_cnn", "tiny_lstm"]])
def test_save_load_round_trip_gives_identical_outputs(built, name, tmp_path):
    arch, size, model = built[name]
    seq = {"sequence_length": _length(model)} if arch.kind == registry.SEQUENCE else {}
    card = ModelCard.for_architecture(name, f"rt {name}", input_size=size, **seq)
    info = save_bundle(model, card, tmp_path / name)
    loaded = load_keras_model(info)
    rng = np.random.default_rng(0)
    shape = (2, size, size, 3) if arch.kind == registry.FRAME else (2, _length(model), size, size, 3)
    x = rng.uniform(0, 1, shape).astype(np.float32)
    a, b = np.asarray(model(x, training=False)), np.asarray(loaded(x, training=False))
    assert np.array_equal(a, b)
    assert 0.0 <= a.min() and a.max() <= 1.0
    if arch.kind == registry.FRAME and arch.uses_imagenet_backbone:
        return  # the scorer's frame path is the same for every frame model; loading ResNet50 again is slow
    # and the engine's scorer runs it
    scorer = Scorer(info)
    crops = rng.integers(0, 256, (3, size, size, 3), dtype=np.uint8)
    if arch.kind == registry.FRAME:
        assert scorer.score_crops(crops).shape == (3,)
    else:
        feats = scorer.encode_crops(crops)
        assert feats.shape[1] == {"resnet50_lstm": 2048, "efficientnet_lite0_lstm": 1280}.get(name, 4)
        window = np.stack([np.repeat(feats[:1], _length(model), axis=0)])
        assert scorer.score_windows(window).shape == (1,)
