"""Registry packages' weights -> arrays named as the Keras layers here name them (``layer/weight``).

- ``tfjs_resnet50``: the TF.js port of the keras-applications ResNet50 uses Keras 2's layer names
  (``res2a_branch2a``, ``bn2a_branch2a``, ``bn_conv1``, ``fc1000``); Keras 3 builds the same graph
  as ``conv2_block1_1_conv``, ``conv2_block1_1_bn``, ``conv1_bn``, ``predictions``.
- ``torch_efficientnet_lite``: PyTorch layouts (``OIHW`` kernels, ``C1HW`` depthwise, ``(out, in)``
  dense) to Keras' (``HWIO``, ``HWC1``, ``(in, out)``), block ``N`` of the state dict to the
  ``blockSX`` of :func:`core.models.zoo_efficientnet.blocks`.
"""

from __future__ import annotations

import re

import numpy as np

from core.errors import BackboneWeightsMismatch

_RES = re.compile(r"^(res|bn)(\d)([a-z])_branch(1|2a|2b|2c)$")
_BRANCH = {"1": 0, "2a": 1, "2b": 2, "2c": 3}
_FIXED = {"conv1": "conv1_conv", "bn_conv1": "conv1_bn", "fc1000": "predictions"}


def resnet50_layer_name(keras2: str) -> str:
    if keras2 in _FIXED:
        return _FIXED[keras2]
    m = _RES.match(keras2)
    if not m:
        raise BackboneWeightsMismatch(f"unexpected ResNet50 layer {keras2!r} in the TF.js model")
    kind, stage, letter, branch = m.groups()
    block = ord(letter) - ord("a") + 1
    return f"conv{stage}_block{block}_{_BRANCH[branch]}_{'conv' if kind == 'res' else 'bn'}"


def tfjs_resnet50(weights: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    out = {}
    for name, arr in weights.items():
        layer, _, weight = name.rpartition("/")
        out[f"{resnet50_layer_name(layer)}/{weight}"] = arr
    body = sum(not k.startswith("predictions/") for k in out)
    if body != 318:  # 53 convolutions (kernel, bias) and 53 batch norms (4 each); plus the classifier's 2
        raise BackboneWeightsMismatch(f"the TF.js ResNet50 holds {body} tensors below its classifier, not 318")
    return out


_BN = {"weight": "gamma", "bias": "beta", "running_mean": "moving_mean", "running_var": "moving_variance"}


def _conv(w: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(w.transpose(2, 3, 1, 0))  # OIHW -> HWIO


def _depthwise(w: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(w.transpose(2, 3, 0, 1))  # C1HW -> HWC1


def torch_efficientnet_lite(state: dict[str, np.ndarray], variant: int) -> dict[str, np.ndarray]:
    from core.models.zoo_efficientnet import blocks

    layout = blocks(variant)
    bn_names = {"_bn0": "stem_bn", "_bn1": "top_bn"}
    out: dict[str, np.ndarray] = {}
    for key, arr in state.items():
        parts = key.split(".")
        if parts[-1] == "num_batches_tracked":
            continue
        if parts[0] == "_blocks":
            i = int(parts[1])
            if i >= len(layout):
                raise BackboneWeightsMismatch(f"the state dict has block {i}; EfficientNet-Lite{variant} has "
                                              f"{len(layout)}")
            b, module, param = layout[i].name, parts[2], parts[3]
            if module == "_expand_conv":
                out[f"{b}_expand_conv/kernel"] = _conv(arr)
            elif module == "_depthwise_conv":
                out[f"{b}_dwconv/kernel"] = _depthwise(arr)
            elif module == "_project_conv":
                out[f"{b}_project_conv/kernel"] = _conv(arr)
            elif module in ("_bn0", "_bn1", "_bn2"):
                layer = {"_bn0": f"{b}_expand_bn", "_bn1": f"{b}_bn", "_bn2": f"{b}_project_bn"}[module]
                out[f"{layer}/{_BN[param]}"] = arr
            else:
                raise BackboneWeightsMismatch(f"unexpected module {key!r} in the EfficientNet-Lite state dict")
        elif parts[0] == "_conv_stem":
            out["stem_conv/kernel"] = _conv(arr)
        elif parts[0] == "_conv_head":
            out["top_conv/kernel"] = _conv(arr)
        elif parts[0] in bn_names:
            out[f"{bn_names[parts[0]]}/{_BN[parts[1]]}"] = arr
        elif parts[0] == "_fc":
            out[f"predictions/{'kernel' if parts[1] == 'weight' else 'bias'}"] = (
                np.ascontiguousarray(arr.T) if parts[1] == "weight" else arr)
        else:
            raise BackboneWeightsMismatch(f"unexpected tensor {key!r} in the EfficientNet-Lite state dict")
    return out
