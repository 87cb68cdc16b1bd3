"""The real converted files, where present (``main.py fetch-backbone --all``; CI fetches them): the
ported networks still recognise ImageNet classes, and the face mesh finds a face's parts.

scikit-image's ``chelsea`` (a tabby cat) and ``astronaut`` (Eileen Collins, NASA) are public domain.
"""

import cv2
import numpy as np
import pytest

from core import backbones as bbs
from core.models.preprocess import preprocess

CATS = {281, 282, 283, 284, 285, 286, 287}  # tabby, tiger cat, Persian, Siamese, Egyptian cat, cougar, lynx


def _need(name):
    if not bbs.available(name):
        pytest.skip(f"{name} is not stored here (python main.py fetch-backbone {name})")
    return bbs.locate(name)


def _chelsea(size):
    from skimage import data

    return cv2.resize(data.chelsea(), (size, size), interpolation=cv2.INTER_AREA)[None]


def _copy(name, file_name):
    """The stored copy called ``file_name`` (full precision or the installer's half-size one), verified."""
    _need(name)
    path = next((p for p in bbs.candidate_paths(name) if p.name == file_name and p.is_file()), None)
    if path is None:
        pytest.skip(f"{file_name} is not stored here")
    return bbs.verify(path, name)


@pytest.mark.slow
@pytest.mark.parametrize("copy", ["resnet50_imagenet.npz", "resnet50_imagenet_f16.npz"])
def test_resnet50_calls_chelsea_a_cat(copy):
    import keras

    w = _copy("resnet50", copy)
    model = keras.applications.ResNet50(include_top=True, weights=None)
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.epsilon = 1e-3
    assert bbs.load_into(model, w) == 320
    p = model.predict(preprocess("resnet50", _chelsea(224)), verbose=0)[0]
    top5 = set(np.argsort(-p)[:5].tolist())
    assert top5 & CATS and int(np.argmax(p)) in CATS


@pytest.mark.slow
@pytest.mark.parametrize("variant, copy", [(0, "efficientnet_lite0_imagenet.npz"),
                                           (0, "efficientnet_lite0_imagenet_f16.npz"),
                                           (1, "efficientnet_lite1_imagenet.npz"),
                                           (2, "efficientnet_lite2_imagenet.npz")])
def test_efficientnet_lite_calls_chelsea_a_cat(variant, copy):
    from core.models import zoo_efficientnet as ze

    w = _copy(f"efficientnet_lite{variant}", copy)
    model = ze.imagenet_classifier(variant)
    bbs.load_into(model, w)
    size = ze.VARIANTS[variant][2]
    logits = model.predict(preprocess("efficientnet_lite", _chelsea(size)), verbose=0)[0]
    assert int(np.argmax(logits)) in CATS and set(np.argsort(-logits)[:5].tolist()) & CATS


@pytest.mark.slow
def test_face_mesh_puts_the_points_on_the_face():
    from skimage import data

    from core.faces import FaceDetector
    from core.landmarks import LEFT_EYE, MOUTH, NOSE_TIP, RIGHT_EYE, FaceMesh

    _need("face_landmarks")
    img = data.astronaut()
    box = FaceDetector().detect([img])[0][0].box
    lm = FaceMesh().landmarks(img, box)
    assert lm.points.shape == (468, 2) and lm.presence > 0.9
    x0, y0, x1, y1 = box
    pad = 0.15 * (x1 - x0)
    inside = ((lm.points[:, 0] > x0 - pad) & (lm.points[:, 0] < x1 + pad) &
              (lm.points[:, 1] > y0 - pad) & (lm.points[:, 1] < y1 + pad))
    assert inside.mean() > 0.98
    left, right, mouth, nose = lm.centre(LEFT_EYE), lm.centre(RIGHT_EYE), lm.centre(MOUTH), lm.points[NOSE_TIP]
    assert left[1] < nose[1] < mouth[1] and right[1] < nose[1]  # eyes above the nose above the mouth
    assert left[0] < nose[0] < right[0]  # the subject's right eye is on the image's left
    # a crop without a face: the model says so
    assert FaceMesh().landmarks(np.full_like(img, 128), box).presence < 0.5
