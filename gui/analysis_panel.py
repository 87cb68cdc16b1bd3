"""Choosing how to analyse, following the run, and the video's verdict.

The panel only collects choices and shows state; the window starts and cancels workers.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMenu,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from core.aggregate import STRATEGIES
from core.analysis import MAX_COMPARED, AnalysisParams, Progress
from core.decide import coverage_text, segments_caveat, verdict_text
from core.models.bundle import BundleInfo
from core.result import AnalysisResult
from core.timecode import format_time
from core.wording import plural
from gui import theme
from gui.icons import icon

STRATEGY_HELP = {
    "mean": "mean frame score against the threshold",
    "majority": "share of frames above the threshold against 0.5",
    "weighted": "frames weighted by how sure they are",
    "confident": "mean of frames far from the threshold only",
}


def card_tooltip(b: BundleInfo) -> str:
    c = b.card
    rows = [
        ("Name", c.name), ("Id", b.id), ("Architecture", f"{c.architecture} ({c.kind})"),
        ("Input", f"{c.input_size} px, {c.preprocessing}"), ("Output", c.output),
        ("Threshold", f"{c.threshold:.3f}"), ("Face margin", f"{c.face_margin}"),
        ("Min. face", f"{c.min_face_px} px"),
    ]
    if c.sequence_length:
        rows.append(("Sequence", f"{c.sequence_length} frames, hop {c.sequence_hop}"))
    if c.created:
        rows.append(("Created", c.created))
    for k, v in list(c.metrics.items())[:8]:
        rows.append((f"metric {k}", f"{v:.4g}" if isinstance(v, float) else str(v)))
    for k, v in list(c.training.items())[:6]:
        rows.append((f"training {k}", str(v)[:80]))
    rows.append(("Folder", b.path + (" (shipped)" if b.read_only else "")))
    body = "".join(f"<tr><td><b>{html.escape(k)}</b></td><td>{html.escape(str(v))}</td></tr>" for k, v in rows)
    extra = f"<p>{html.escape(c.description)}</p>" if c.description else ""
    if c.limits:
        extra += "<p><b>Limits</b><br>" + "<br>".join("• " + html.escape(x) for x in c.limits) + "</p>"
    return f"<table>{body}</table>{extra}"


class AnalysisPanel(QWidget):
    analyze_requested = Signal()
    cancel_requested = Signal()
    choice_changed = Signal()  # model or stride changed: the scores would differ
    compare_changed = Signal()  # the models to compare changed: their stored results may be shown
    strategy_changed = Signal(str)  # the verdict strategy changed: the same scores are decided again
    threshold_edited = Signal(float)
    threshold_reset = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.bundles: list[BundleInfo] = []
        self.running = False
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self._build_setup())
        lay.addWidget(self._build_verdict())
        lay.addStretch(1)

    # -- construction ---------------------------------------------------------------------
    def _build_setup(self) -> QGroupBox:
        box = QGroupBox("Analysis")
        form = QFormLayout(box)
        form.setFieldGrowthPolicy(QFormLayout.AllNonFixedFieldsGrow)
        self.model = QComboBox()
        self.model.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
        self.model.setMinimumContentsLength(12)
        self.model.currentIndexChanged.connect(self._model_changed)
        form.addRow("Model", self.model)
        self.compare = QToolButton()
        self.compare.setPopupMode(QToolButton.InstantPopup)
        self.compare.setToolButtonStyle(Qt.ToolButtonTextOnly)
        self.compare.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Fixed)  # long names never widen the panel
        self.compare.setMinimumWidth(60)
        self.compare.setMenu(QMenu(self.compare))
        self._compare_help = (f"Score up to {MAX_COMPARED} more models in the same pass (one decode and face "
                                "detection): each gets a dashed curve on the timeline, and the verdict panel "
                                "says where they agree.")
        self.compare.setToolTip(self._compare_help)
        self._compared_ids: list[str] = []
        form.addRow("Compare with", self.compare)
        self.every = QSpinBox()
        self.every.setRange(1, 120)
        self.every.setPrefix("every ")
        self.every.setSuffix(" frame(s)")
        self.every.setToolTip("Analyse every Nth frame. 1 scores every frame; higher is faster.")
        self.every.valueChanged.connect(lambda _v: self.choice_changed.emit())
        form.addRow("Sampling", self.every)
        self.strategy = QComboBox()
        for s in STRATEGIES:
            self.strategy.addItem(s, s)
            self.strategy.setItemData(self.strategy.count() - 1, STRATEGY_HELP[s], Qt.ToolTipRole)
        self.strategy.currentIndexChanged.connect(lambda _i: self.strategy_changed.emit(self.strategy.currentData()))
        self.strategy.setToolTip("How frame scores make the video's verdict")
        form.addRow("Verdict by", self.strategy)

        self.button = QPushButton(icon("analyze"), "Analyze")
        self.button.setToolTip("Analyze the video with this model (Ctrl+R). Esc cancels.")
        self.button.clicked.connect(self._button_clicked)
        form.addRow(self.button)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setTextVisible(True)
        self.progress.setFormat("")
        form.addRow(self.progress)
        self.detail = QLabel(" ")
        self.detail.setStyleSheet(f"color: {theme.MUTED};")
        self.detail.setWordWrap(True)
        form.addRow(self.detail)
        self.notice = QLabel()
        self.notice.setWordWrap(True)
        self.notice.setStyleSheet(f"color: {theme.THRESHOLD};")
        self.notice.hide()
        form.addRow(self.notice)
        return box

    def _build_verdict(self) -> QGroupBox:
        box = QGroupBox("Verdict")
        v = QVBoxLayout(box)
        self.verdict_label = QLabel("not analysed")
        f = self.verdict_label.font()
        f.setPointSize(f.pointSize() + 8)
        f.setBold(True)
        self.verdict_label.setFont(f)
        self.verdict_label.setStyleSheet(f"color: {theme.MUTED};")
        self.verdict_label.setWordWrap(True)  # "INCONCLUSIVE (partial, track 2)" wraps, never runs off the panel
        v.addWidget(self.verdict_label)
        self.verdict_detail = QLabel()
        self.verdict_detail.setWordWrap(True)
        self.verdict_detail.setTextFormat(Qt.RichText)
        self.verdict_detail.setTextInteractionFlags(Qt.TextSelectableByMouse)
        v.addWidget(self.verdict_detail)
        self.comparison = QLabel()
        self.comparison.setWordWrap(True)
        self.comparison.setTextFormat(Qt.RichText)
        self.comparison.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.comparison.setToolTip("Each compared model is decided against its own calibrated threshold. Models "
                                   "agreeing corroborate a finding; they do not prove it (models trained on "
                                   "similar data share blind spots).")
        self.comparison.hide()
        v.addWidget(self.comparison)
        row = QHBoxLayout()
        row.addWidget(QLabel("Review threshold"))
        self.threshold = QDoubleSpinBox()
        self.threshold.setRange(0.01, 0.99)
        self.threshold.setSingleStep(0.01)
        self.threshold.setDecimals(2)
        self.threshold.setValue(0.5)
        self.threshold.setToolTip("Decision threshold for segments and verdict. Drag the orange line on "
                                  "the timeline, or type it here.")
        self.threshold.valueChanged.connect(self._threshold_typed)
        row.addWidget(self.threshold, 1)
        self.reset_threshold = QPushButton("Reset")
        self.reset_threshold.setToolTip("Reset the threshold to the one the analysis used (the model card's).")
        self.reset_threshold.setAccessibleName("Reset threshold to the analysis's")
        self.reset_threshold.clicked.connect(self.threshold_reset.emit)
        row.addWidget(self.reset_threshold)
        v.addLayout(row)
        self.warnings = QLabel()
        self.warnings.setWordWrap(True)
        self.warnings.setStyleSheet(f"color: {theme.THRESHOLD};")
        self.warnings.hide()
        v.addWidget(self.warnings)
        self._setting = False
        return box

    # -- choices --------------------------------------------------------------------------
    def set_bundles(self, bundles: list[BundleInfo], problems: list[str], selected: str | None) -> None:
        self.bundles = list(bundles)
        self.model.blockSignals(True)
        self.model.clear()
        for b in self.bundles:
            self.model.addItem(b.card.name if b.card.name == b.id else f"{b.card.name}  [{b.id}]", b.id)
            self.model.setItemData(self.model.count() - 1, card_tooltip(b), Qt.ToolTipRole)
        if not self.bundles:
            self.model.addItem("no model installed", None)
        ids = [b.id for b in self.bundles]
        self.model.setCurrentIndex(ids.index(selected) if selected in ids else 0)
        self.model.setEnabled(bool(self.bundles))
        self.model.blockSignals(False)
        self._model_changed()
        notes = list(problems)
        if not self.bundles:
            from core.paths import user_models_dir

            notes.insert(0, f"No model bundle is installed. Put one (model.keras + card.json) in {user_models_dir()}.")
        self.notice.setText("\n".join(notes))
        self.notice.setVisible(bool(notes))

    def _model_changed(self) -> None:
        b = self.bundle()
        self.model.setToolTip(card_tooltip(b) if b else "")
        self._fill_compare()
        self.choice_changed.emit()

    def _fill_compare(self) -> None:
        """The compare menu: every installed model but the chosen one, at most MAX_COMPARED checked."""
        chosen = self.bundle()
        menu = self.compare.menu()
        menu.clear()
        self._compared_ids = [i for i in self._compared_ids if chosen is None or i != chosen.id]
        for b in self.bundles:
            if chosen is not None and b.id == chosen.id:
                continue
            a = menu.addAction(b.card.name if b.card.name == b.id else f"{b.card.name}  [{b.id}]")
            a.setCheckable(True)
            a.setChecked(b.id in self._compared_ids)
            a.setData(b.id)
            a.setToolTip(card_tooltip(b))
            a.toggled.connect(self._compare_toggled)
        menu.setToolTipsVisible(True)
        self._update_compare()

    def _compare_toggled(self, _checked: bool) -> None:
        self._compared_ids = [a.data() for a in self.compare.menu().actions() if a.isChecked()]
        self._update_compare()
        self.compare_changed.emit()

    def _update_compare(self) -> None:
        actions = self.compare.menu().actions()
        full = len(self._compared_ids) >= MAX_COMPARED
        for a in actions:
            a.setEnabled(a.isChecked() or not full)
        names = {b.id: b.card.name for b in self.bundles}
        text = (", ".join(names.get(i, i) for i in self._compared_ids) if self._compared_ids
                else ("none" if actions else "no other model installed"))
        self.compare.setToolTip(text if self._compared_ids else self._compare_help)
        self.compare.setText(self.compare.fontMetrics().elidedText(text, Qt.ElideRight, 220))
        self.compare.setEnabled(bool(actions) and not self.running)

    def compared(self) -> list[BundleInfo]:
        """The further models to score in the same pass, in the order they were ticked."""
        by_id = {b.id: b for b in self.bundles}
        return [by_id[i] for i in self._compared_ids if i in by_id]

    def set_compared(self, ids: list[str]) -> None:
        self._compared_ids = list(ids)[:MAX_COMPARED]
        self._fill_compare()

    def bundle(self) -> BundleInfo | None:
        i = self.model.currentIndex()
        return self.bundles[i] if 0 <= i < len(self.bundles) else None

    def params(self) -> AnalysisParams:
        return AnalysisParams(every=self.every.value(), strategy=self.strategy.currentData())

    def set_choices(self, every: int, strategy: str) -> None:
        self.every.setValue(every)
        i = self.strategy.findData(strategy)
        if i >= 0:
            self.strategy.setCurrentIndex(i)

    def set_can_analyze(self, ok: bool) -> None:
        self.button.setEnabled(ok or self.running)

    # -- running --------------------------------------------------------------------------
    def _button_clicked(self) -> None:
        (self.cancel_requested if self.running else self.analyze_requested).emit()

    def set_running(self, running: bool) -> None:
        self.running = running
        self.button.setText("Cancel" if running else "Analyze")
        self.button.setIcon(icon("stop" if running else "analyze"))
        for w in (self.model, self.every, self.strategy):
            w.setEnabled(not running and (w is not self.model or bool(self.bundles)))
        self.compare.setEnabled(not running and bool(self.compare.menu().actions()))
        if running:
            self.button.setEnabled(True)
            self.progress.setRange(0, 0)  # busy until the first frames
            self.progress.setFormat("")
            self.detail.setText("Starting…")

    def set_cancelling(self) -> None:
        self.button.setEnabled(False)
        self.detail.setText("Cancelling… scores finished so far are kept.")

    def show_progress(self, p: Progress) -> None:
        if p.stage == "loading":
            self.detail.setText("Loading the model and face detector…")
        elif p.stage == "hashing":
            self.detail.setText("Hashing the video…")
        elif p.stage == "analysing" and p.total:
            self.progress.setRange(0, p.total)
            self.progress.setValue(p.done)
            self.progress.setFormat(f"{100 * p.done / p.total:.0f} %")
            speed = p.done / p.elapsed_s if p.elapsed_s > 0 else 0.0
            eta = "–" if p.eta_s is None else format_time(p.eta_s, millis=False)
            self.detail.setText(f"{p.done:,} / {p.total:,} frames · {speed:.1f} frames/s · ETA {eta}")

    def show_finished(self, text: str, complete: bool = True, done: int = 1, total: int = 1) -> None:
        """The end of an analysis: a full bar reading "done", or, when it was cancelled, the bar where
        it stopped reading "cancelled at N %"."""
        total = max(1, total)
        self.progress.setRange(0, total)
        self.progress.setValue(total if complete else min(done, total))
        self.progress.setFormat("done" if complete else f"cancelled at {100 * done / total:.0f} %")
        self.detail.setText(text)

    def show_idle(self, text: str = " ") -> None:
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setFormat("")
        self.detail.setText(text)

    # -- verdict --------------------------------------------------------------------------
    def show_result(self, result: AnalysisResult | None, note: str = "") -> None:
        if result is None:
            self.verdict_label.setText("not analysed")
            self.verdict_label.setStyleSheet(f"color: {theme.MUTED};")
            self.verdict_detail.setText("")
            self.warnings.hide()
            return
        v, cov = result.verdict, result.coverage
        label = verdict_text(v, cov) if result.complete else verdict_text(v) + "  (partial)"
        self.verdict_label.setText(label)
        self.verdict_label.setToolTip(verdict_text(v, cov) + (f" · {v.reason}" if v.reason else ""))
        caveat = segments_caveat(result)  # a 'real' headline beside red segments must not read as all-clear
        colour = theme.VERDICT_COLOURS["inconclusive"] if caveat else theme.VERDICT_COLOURS.get(v.label, theme.TEXT)
        self.verdict_label.setStyleSheet(f"color: {colour};")
        score = "n/a" if v.score is None else f"{v.score:.3f}"
        sampled = len(result.frames)
        lines = [
            f"score <b>{score}</b> against {v.threshold:.2f} · strategy <b>{v.strategy}</b>",
            f"<b>{v.frames_scored:,}</b> of {sampled:,} analysed frames scored · "
            f"{plural(len(result.segments), 'segment')}",
            f"model {html.escape(result.model.name)}",
        ]
        if v.reason:
            lines.append(f"<i>{html.escape(v.reason)}</i>")
        tracks = [t for t in result.tracks if t.verdict is not None]
        if len(tracks) > 1:
            lines.append("tracks: " + ", ".join(
                f"<span style='color:{theme.track_colour(t.track)}'>T{t.track}</span> "
                f"<span style='color:{theme.VERDICT_COLOURS.get(t.verdict.label, theme.TEXT)}'>"
                f"{t.verdict.label.replace('_', ' ')}</span>" for t in tracks))
        if cov is not None and not cov.whole:
            lines.append(f"<span style='color:{theme.VERDICT_COLOURS['inconclusive']}'>"
                         f"{html.escape(coverage_text(cov))}</span>")
        if caveat:
            lines.append(f"<span style='color:{theme.VERDICT_COLOURS['inconclusive']}'>{html.escape(caveat)}</span>")
        if note:
            lines.append(f"<span style='color:{theme.MUTED}'>{html.escape(note)}</span>")
        self.verdict_detail.setText("<br>".join(lines))
        self.warnings.setText("\n".join(f"⚠ {w}" for w in result.warnings))
        self.warnings.setVisible(bool(result.warnings))

    def show_comparison(self, lanes, agreement) -> None:
        """The compared models' verdicts (``lanes``: gui.review_state.Lane, in order) and, from
        ``agreement`` (core.agreement.Agreement, or None while they run), where the models agree."""
        if not lanes:
            self.comparison.hide()
            return
        lines = ["<b>Compared models</b> (each at its own threshold):"]
        verdicts = {m.model_id: m for m in agreement.models} if agreement is not None else {}
        for lane in lanes:
            swatch = f"<span style='color:{lane.colour}'>╌╌</span>"
            m = verdicts.get(lane.model_id)
            if lane.result is None or m is None:
                state = f"<span style='color:{theme.MUTED}'>scoring…</span>" if lane.result is None else ""
            else:
                score = "n/a" if m.score is None else f"{m.score:.3f}"
                state = (f"<b style='color:{theme.VERDICT_COLOURS.get(m.label, theme.TEXT)}'>"
                         f"{html.escape(verdict_text(lane.result.verdict))}</b> {score} / {m.threshold:.2f}")
            who = f"<span title='{html.escape(lane.name)}'>{html.escape(lane.model_id)}</span>"
            lines.append(f"{swatch} {who}: {state}")
        if agreement is not None:
            if agreement.verdicts_agree:
                lines.append(f"<span style='color:{theme.VERDICT_COLOURS['real']}'>the verdicts agree</span>")
            else:
                lines.append(f"<b style='color:{theme.THRESHOLD}'>the verdicts disagree</b>")
            n, split = len(agreement.spans), len(agreement.disagreements())
            if n:
                lines.append(f"{plural(n, 'flagged span')}: {split} not flagged by every model that scored it"
                             if split else f"{plural(n, 'flagged span')}, each flagged by every model that scored it")
        self.comparison.setText("<br>".join(lines))
        self.comparison.show()

    def set_threshold(self, value: float) -> None:
        self._setting = True
        self.threshold.setValue(value)
        self._setting = False

    def _threshold_typed(self, value: float) -> None:
        if not self._setting:
            self.threshold_edited.emit(value)
