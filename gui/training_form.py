"""The training tab's settings: data folders, architecture, starting point and hyper-parameters.

The form only collects choices and turns them into core's frozen ``DataConfig`` / ``TrainConfig``;
the tab runs the work. Defaults follow the chosen architecture (:mod:`core.training.defaults`).
"""

from __future__ import annotations

import math
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from core.models import registry
from core.models.bundle import BundleInfo
from core.training import defaults
from core.training.augment import AUGMENTATIONS, AugmentConfig
from core.training.config import DataConfig, TrainConfig

SPLITS = ("train", "validation", "test")
IMAGENET, SCRATCH = "imagenet", "scratch"
AUGMENT_LABELS = {"flip": "Flip", "rotation": "Rotation", "shear": "Shear", "zoom": "Zoom", "shift": "Shift",
                  "brightness_contrast": "Brightness / contrast", "jpeg": "JPEG recompression", "blur": "Blur",
                  "noise": "Noise", "resample": "Rescaling"}


class FolderField(QWidget):
    """A path box with a Browse button."""

    changed = Signal()

    def __init__(self, caption: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.caption = caption
        self.edit = QLineEdit()
        self.edit.setPlaceholderText("choose a folder…")
        self.edit.textChanged.connect(self.changed)
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.edit, 1)
        lay.addWidget(browse)

    def _browse(self) -> None:
        path = QFileDialog.getExistingDirectory(self, self.caption, self.text())
        if path:
            self.edit.setText(path)

    def text(self) -> str:
        return self.edit.text().strip()

    def set_text(self, text: str) -> None:
        self.edit.setText(text)


class TrainingForm(QWidget):
    data_changed = Signal()  # the folders or how they are read: an earlier scan no longer applies

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._bundles: list[BundleInfo] = []
        self._name_edited = False
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self._data_box())
        lay.addWidget(self._model_box())
        lay.addWidget(self._training_box())
        lay.addWidget(self._augment_box())
        lay.addStretch(1)
        self._on_arch()
        self._on_layout()

    # -- building ---------------------------------------------------------------------------
    def _data_box(self) -> QGroupBox:
        box = QGroupBox("Data")
        form = QFormLayout(box)
        self.one_folder = QRadioButton("One data folder")
        self.one_folder.setToolTip("Holding real/ and fake/ (split automatically, identities kept apart), or "
                                   "train/ validation/ test/ each with real/ and fake/.")
        self.split_folders = QRadioButton("Separate train / validation / test folders")
        self.split_folders.setToolTip("Each folder holds real/ and fake/.")
        self.one_folder.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.one_folder)
        group.addButton(self.split_folders)
        self.one_folder.toggled.connect(self._on_layout)
        form.addRow(self.one_folder)
        self.folder = FolderField("Data folder")
        form.addRow("Folder", self.folder)
        form.addRow(self.split_folders)
        self.split_fields = {s: FolderField(f"{s.capitalize()} folder") for s in SPLITS}
        for s, f in self.split_fields.items():
            form.addRow(s.capitalize() + (" (optional)" if s != "train" else ""), f)
        for f in (self.folder, *self.split_fields.values()):
            f.changed.connect(self._on_data_edit)
        self.faces_only = QCheckBox("Images are face crops already (use them whole)")
        self.faces_only.toggled.connect(self.data_changed)
        form.addRow(self.faces_only)
        self.val_share = _share(0.15)
        self.test_share = _share(0.15)
        self.split_seed = _int(0, 0, 10_000)
        for w in (self.val_share, self.test_share, self.split_seed):
            w.valueChanged.connect(self.data_changed)
        shares = QHBoxLayout()
        for text, w in (("validation", self.val_share), ("test", self.test_share)):
            shares.addWidget(QLabel(text))
            shares.addWidget(w)
        shares.addStretch(1)
        form.addRow("Split shares", shares)
        form.addRow("Split seed", self.split_seed)
        return box

    def _model_box(self) -> QGroupBox:
        box = QGroupBox("Model")
        form = QFormLayout(box)
        self.arch = _combo()
        self.fill_architectures()
        self.arch.currentIndexChanged.connect(self._on_arch)
        form.addRow("Architecture", self.arch)
        self.arch_help = QLabel()
        self.arch_help.setWordWrap(True)
        self.arch_help.setObjectName("hint")
        form.addRow(self.arch_help)
        self.start = _combo()
        self.start.currentIndexChanged.connect(self._suggest_name)
        form.addRow("Starting point", self.start)
        self.depth = _combo()
        form.addRow("Trainable depth", self.depth)
        self.name = QLineEdit()
        self.name.textEdited.connect(lambda _t: setattr(self, "_name_edited", True))
        form.addRow("Model name", self.name)
        return box

    def _training_box(self) -> QGroupBox:
        box = QGroupBox("Training")
        form = QFormLayout(box)
        self.epochs = _int(10, 1, 1000)
        self.batch = _int(32, 1, 1024)
        self.lr = QDoubleSpinBox()
        self.lr.setDecimals(6)
        self.lr.setRange(1e-6, 1.0)
        self.lr.setSingleStep(1e-4)
        self.seed = _int(0, 0, 1_000_000)
        self.patience = _int(3, 1, 100)
        self.patience.setSuffix(" epochs without gain")
        self.patience.setToolTip("Stop early after this many epochs without a better validation AUC.")
        form.addRow("Epochs", self.epochs)
        form.addRow("Batch size", self.batch)
        form.addRow("Learning rate", self.lr)
        self.keep = _combo()
        self.keep.addItem("Best epoch on validation", False)
        self.keep.addItem("Mean of the later half's epochs", True)
        self.keep.setToolTip("What the model keeps. A small validation set chooses between epochs poorly; the mean "
                             "of the weights after each epoch of the later half does not depend on that choice. "
                             "A run that stops early before the later half keeps its best epoch.")
        form.addRow("Early stop after", self.patience)
        form.addRow("Weights kept", self.keep)
        form.addRow("Seed", self.seed)
        return box

    def _augment_box(self) -> QGroupBox:
        box = QGroupBox("Augmentation")
        grid = QGridLayout(box)
        self.augment = {}
        for i, name in enumerate(AUGMENTATIONS):
            cb = QCheckBox(AUGMENT_LABELS[name])
            cb.setChecked(True)
            self.augment[name] = cb
            grid.addWidget(cb, i // 3, i % 3)
        self.self_blend = QCheckBox("Add self-blended fakes made from the real faces")
        self.self_blend.setToolTip("Teaches blending traces even with few real fakes. Frame models: one self-blend "
                                   "per real face; sequence models: whole real tracks blended with parameters that "
                                   "drift and jump from frame to frame, as face swaps flicker. Masks follow the "
                                   "468-point face mesh.")
        self.self_blend.toggled.connect(self.data_changed)
        grid.addWidget(self.self_blend, (len(AUGMENTATIONS) + 2) // 3, 0, 1, 3)
        return box

    # -- reacting ---------------------------------------------------------------------------
    def _on_layout(self) -> None:
        one = self.one_folder.isChecked()
        self.folder.setEnabled(one)
        for f in self.split_fields.values():
            f.setEnabled(not one)
        self._on_data_edit()

    def _on_data_edit(self) -> None:
        self._suggest_name()
        self.data_changed.emit()

    def fill_architectures(self, include_test: bool = False) -> None:
        """Every registry architecture (the tiny test ones only when asked), with its description."""
        keep = self.arch.currentData()
        self.arch.blockSignals(True)
        self.arch.clear()
        for a in registry.all_architectures(include_test):
            self.arch.addItem(a.name, a.name)
            self.arch.setItemData(self.arch.count() - 1, a.description, Qt.ToolTipRole)
        self.arch.setCurrentIndex(max(0, self.arch.findData(keep)))
        self.arch.blockSignals(False)
        if keep is not None:
            self._on_arch()

    def architecture(self) -> registry.Architecture:
        return registry.get(self.arch.currentData())

    def _on_arch(self) -> None:
        arch = self.architecture()
        self.arch_help.setText(f"{arch.description} ({arch.kind} model)")
        s = defaults.suggested(arch)
        self.epochs.setValue(s.epochs)
        self.batch.setValue(s.batch_size)
        self.lr.setValue(s.learning_rate)
        self.depth.clear()
        for label, value in defaults.depths(arch):
            self.depth.addItem(label, value)
        self.depth.setEnabled(s.trainable_from is not None)
        if s.trainable_from is not None:
            self.depth.setCurrentIndex(max(0, self.depth.findData(s.trainable_from)))
        self._fill_starts()
        self._suggest_name()

    def set_bundles(self, bundles: list[BundleInfo]) -> None:
        """The installed bundles: each offered as a starting point where it can be one (defaults.start_from)."""
        self._bundles = list(bundles)
        self._fill_starts()

    def _fill_starts(self) -> None:
        arch = self.architecture()
        keep = self.start.currentData()
        if keep == SCRATCH and arch.name != getattr(self, "_starts_for", None):
            keep = None  # "from scratch" was the only choice of the previous architecture: ImageNet first here
        self._starts_for = arch.name
        self.start.blockSignals(True)
        self.start.clear()
        if arch.uses_imagenet_backbone:
            self.start.addItem(f"ImageNet backbone ({arch.backbone}, bundled)", IMAGENET)
        self.start.addItem("From scratch (random weights)", SCRATCH)
        for b in self._bundles:
            how = defaults.start_from(arch, b.card)
            if how == defaults.FINE_TUNE:
                self.start.addItem(f"Fine-tune further: {b.card.name}", b.path)
            elif how == defaults.ENCODER:
                self.start.addItem(f"Read windows in the features of: {b.card.name}", b.path)
        i = self.start.findData(keep)
        self.start.setCurrentIndex(i if i >= 0 else 0)
        self.start.blockSignals(False)

    def _data_name(self) -> str:
        path = self.folder.text() if self.one_folder.isChecked() else self.split_fields["train"].text()
        return Path(path).name if path else "data"

    def _suggest_name(self) -> None:
        if not self._name_edited:
            self.name.setText(f"{self.arch.currentData()}-{self._data_name()}")

    # -- reading ----------------------------------------------------------------------------
    def set_data_folder(self, path: str) -> None:
        self.one_folder.setChecked(True)
        self.folder.set_text(path)

    def set_split_folders(self, **folders: str) -> None:
        self.split_folders.setChecked(True)
        for s, f in self.split_fields.items():
            f.set_text(folders.get(s, ""))

    def select_arch(self, name: str) -> None:
        self.arch.setCurrentIndex(self.arch.findData(name))

    def select_start(self, value: str) -> None:
        self.start.setCurrentIndex(self.start.findData(value))

    def problems(self) -> list[str]:
        """What is wrong before anything starts (the engine checks the rest at once when it starts)."""
        out = []
        if self.one_folder.isChecked() and not self.folder.text():
            out.append("Choose the data folder.")
        if self.split_folders.isChecked() and not self.split_fields["train"].text():
            out.append("Choose at least the train folder.")
        if not self.name.text().strip():
            out.append("Give the new model a name.")
        if self.val_share.value() + self.test_share.value() >= 0.9:
            out.append("The validation and test shares leave too little to train on.")
        if not math.isfinite(self.lr.value()) or self.lr.value() <= 0:
            out.append("The learning rate must be positive.")
        return out

    def data_config(self) -> DataConfig:
        if self.one_folder.isChecked():
            root, given = self.folder.text(), ()
        else:
            given = tuple((s, f.text()) for s, f in self.split_fields.items() if f.text())
            root = self.split_fields["train"].text()
        return DataConfig(root=root, split_roots=given, val_fraction=self.val_share.value(),
                          test_fraction=self.test_share.value(), split_seed=self.split_seed.value(),
                          images_are_faces=self.faces_only.isChecked(), self_blend=self.self_blend.isChecked())

    def train_config(self, out: str) -> TrainConfig:
        arch = self.architecture()
        start = self.start.currentData()
        params, freeze = defaults.depth_settings(arch, self.depth.currentData() if self.depth.isEnabled() else None)
        return TrainConfig(
            data=self.data_config(), arch=arch.name, out=out, name=self.name.text().strip(),
            epochs=self.epochs.value(), batch_size=self.batch.value(), learning_rate=self.lr.value(),
            augment=AugmentConfig.only(n for n, cb in self.augment.items() if cb.isChecked()),
            patience=self.patience.value(), seed=self.seed.value(), params=params,
            average_from=self.epochs.value() // 2 + 1 if self.keep.currentData() else 0,
            from_scratch=start == SCRATCH and arch.uses_imagenet_backbone,
            init_from=start if start not in (IMAGENET, SCRATCH) else None,
            freeze_backbone=freeze,
        )


def _combo() -> QComboBox:
    """A combo box that shrinks with its column (long entries are elided; the list shows them whole)
    instead of widening the form past the column, which cut off every field to its right."""
    w = QComboBox()
    w.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
    w.setMinimumContentsLength(16)
    return w


def _share(value: float) -> QDoubleSpinBox:
    w = QDoubleSpinBox()
    w.setRange(0.0, 0.8)
    w.setSingleStep(0.05)
    w.setDecimals(2)
    w.setValue(value)
    return w


def _int(value: int, lo: int, hi: int) -> QSpinBox:
    w = QSpinBox()
    w.setRange(lo, hi)
    w.setValue(value)
    w.setMinimumWidth(90)
    return w
