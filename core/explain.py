"""Where a frame model looked: Grad-CAM on its last convolutional feature map, per face crop.

Grad-CAM (Selvaraju et al., ICCV 2017) weights each channel of the last 4-D feature map by the mean
gradient of the model's fake logit with respect to it, sums, keeps the positive part and scales the
map to [0, 1]. It shows the regions whose features raised the fake score, at the feature map's
resolution (5x5 for EfficientNet-Lite0 at 160 px), upsampled to the crop. It is *not* a map of
manipulated pixels: a model can look at the right place for the wrong reason, and a region it did
not use may still be manipulated.

Written directly with ``tf.GradientTape``: models here wrap their backbone as one nested layer
(``backbone`` then ``head``), which generic libraries fail on. Computed on demand for the face on
screen, never during the analysis.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from core.errors import ModelError
from core.keras_env import keras, tf
from core.models.bundle import BundleInfo, load_keras_model
from core.models.preprocess import preprocess

NOTE = ("Where the model's features raised its fake score (Grad-CAM on its last convolutional layer), "
        "not a map of manipulated pixels.")


@dataclass(frozen=True)
class Heatmap:
    cam: np.ndarray  # (S, S) float32 in [0, 1], the crop's size
    grid: tuple[int, int]  # the feature map's size it was computed at
    layer: str  # the layer it was taken from
    p_fake: float  # the model's raw output for the crop (before calibration)


def _last_4d(model) -> str | None:
    for layer in reversed(model.layers):
        shape = getattr(layer, "output", None)
        shape = getattr(shape, "shape", None)
        if shape is not None and len(shape) == 4 and not isinstance(layer, keras().Model):
            return layer.name
    return None


class GradCam:
    """Grad-CAM for one frame-model bundle; build once, call per crop."""

    def __init__(self, info: BundleInfo, model=None):
        if info.card.contract.kind != "frame":
            raise ModelError(f"{info.id} is a sequence model: heatmaps are drawn for frame models only.")
        self.info = info
        self.model = model if model is not None else load_keras_model(info)
        k = keras()
        nested = [layer for layer in self.model.layers if isinstance(layer, k.Model)]
        if nested and _last_4d(nested[0]) is not None:
            # crop -> backbone (nested) -> the rest: take the backbone's last 4-D map, run the rest on its output
            base = nested[0]
            self.layer = _last_4d(base)
            self._features = k.Model(base.inputs, [base.get_layer(self.layer).output, base.outputs[0]])
            rest = self.model.layers[self.model.layers.index(base) + 1:]
            self._rest = rest
        else:
            self.layer = _last_4d(self.model)
            if self.layer is None:
                raise ModelError(f"{info.id}: the model has no convolutional feature map to explain.")
            self._features = k.Model(self.model.inputs, [self.model.get_layer(self.layer).output,
                                                         self.model.outputs[0]])
            self._rest = None

    def _forward(self, x):
        conv, out = self._features(x, training=False)
        if self._rest is not None:
            for layer in self._rest:
                if isinstance(layer, keras().layers.InputLayer):
                    continue
                out = layer(out, training=False)
        return conv, out

    def __call__(self, crop: np.ndarray) -> Heatmap:
        """``crop``: (S, S, 3) uint8 RGB as the analysis crops it."""
        t = tf()
        size = self.info.card.contract.input_size
        if crop.shape[:2] != (size, size):
            crop = cv2.resize(crop, (size, size), interpolation=cv2.INTER_AREA)
        x = t.convert_to_tensor(preprocess(self.info.card.contract.preprocessing, crop[None]))
        with t.GradientTape() as tape:
            conv, out = self._forward(x)
            p = t.reshape(out, [-1])[0]
            p = self.info.card.contract.p_fake(p)
            p = t.clip_by_value(p, 1e-6, 1 - 1e-6)
            logit = t.math.log(p) - t.math.log(1.0 - p)  # the fake logit: gradients do not vanish at p near 1
        grads = tape.gradient(logit, conv)
        if grads is None:
            raise ModelError(f"{self.info.id}: no gradient reaches layer {self.layer}.")
        weights = t.reduce_mean(grads, axis=(1, 2))  # (1, C)
        cam = t.nn.relu(t.reduce_sum(conv * weights[:, None, None, :], axis=-1))[0].numpy()
        grid = cam.shape
        peak = float(cam.max())
        cam = cam / peak if peak > 0 else np.zeros_like(cam)
        cam = cv2.resize(cam.astype(np.float32), (size, size), interpolation=cv2.INTER_LINEAR)
        return Heatmap(np.clip(cam, 0, 1).astype(np.float32), (int(grid[0]), int(grid[1])), self.layer, float(p))


def colour(cam: np.ndarray) -> np.ndarray:
    """The map in colour (blue cold, red hot), uint8 RGB, the map's size."""
    from core.video import to_rgb  # OpenCV's colour maps come out BGR

    return to_rgb(cv2.applyColorMap(np.round(np.clip(cam, 0, 1) * 255).astype(np.uint8), cv2.COLORMAP_JET))


def overlay(crop: np.ndarray, cam: np.ndarray, opacity: float = 0.45) -> np.ndarray:
    """The crop with the heatmap blended on top (a copy for viewing and reports), uint8 RGB."""
    heat = colour(cam)
    if heat.shape[:2] != crop.shape[:2]:
        heat = cv2.resize(heat, (crop.shape[1], crop.shape[0]), interpolation=cv2.INTER_LINEAR)
    return np.clip(crop.astype(np.float32) * (1 - opacity) + heat.astype(np.float32) * opacity, 0, 255).astype(
        np.uint8)
