"""The review window: player and timeline in the middle, analysis and video details on the right.

The window wires parts together and owns the workers; it computes nothing itself. Seams for
other features: ``current_result()`` (the analysis as decided at the review threshold),
``current_video()``, ``current_frame()``, ``add_file_actions()`` (File menu, before Quit) and
``add_panel()`` (a dock).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, QUrl, Slot
from PySide6.QtGui import QAction, QDesktopServices, QGuiApplication
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from core import paths
from core.models.bundle import default_bundle_id, list_bundles
from core.result import AnalysisResult
from core.video import VideoInfo
from gui import actions as actions_mod
from gui import (
    batch_tab,
    case_panel,
    file_check,
    frame_export_action,
    library_tab,
    messages,
    report_action,
    training_tab,
)
from gui.analysis_controller import AnalysisController
from gui.analysis_panel import AnalysisPanel
from gui.decoder import BACKWARD, FORWARD, Decoder
from gui.goto_dialog import GotoDialog
from gui.heatmaps import Heatmaps
from gui.icons import icon
from gui.key_guard import KeyGuard
from gui.metadata_panel import MetadataPanel
from gui.playback import Playback
from gui.player import FrameView
from gui.review_state import ReviewState
from gui.segments_panel import SegmentsPanel
from gui.settings import Settings
from gui.timeline import Timeline
from gui.transport import TransportBar
from gui.workers import EnginePool, WarmUpWorker, WorkerPool

log = logging.getLogger(__name__)

VIDEO_FILTER = "Videos (*.mp4 *.mov *.avi *.mkv *.m4v *.webm *.wmv *.mpg *.mpeg *.ts *.3gp *.flv);;All files (*)"
APP_TITLE = "Deepfake Inspector"


class MainWindow(QMainWindow):
    def __init__(self, settings: Settings | None = None, engines: EnginePool | None = None,
                 notify: Callable[[QWidget, messages.Message], None] | None = None,
                 confirm: Callable[[QWidget, str, str], bool] | None = None,
                 ask_unsaved: Callable[[QWidget, str], str] | None = None):
        super().__init__()
        self.settings = settings or Settings()
        self.engines = engines or EnginePool()
        self.notify = notify or messages.show_dialog
        self.confirm = confirm or _ask_yes_no
        self.ask_unsaved = ask_unsaved or _ask_save_discard_cancel
        self.last_message: messages.Message | None = None
        self.workers = WorkerPool(self)
        self.decoder = Decoder(parent=self)
        self.playback = Playback(self.decoder, self)
        self.review = ReviewState(self.workers, self)
        self.heatmaps = Heatmaps(self)
        self.info: VideoInfo | None = None
        self._closing = False
        self._leaving = False
        self._shut_down = False

        self.setWindowTitle(APP_TITLE)
        self.setWindowIcon(icon("app"))
        self.setAcceptDrops(True)
        self.acts = actions_mod.build(self)
        self._build_ui()
        self.jobs = AnalysisController(self.workers, self.engines, self.review, self.analysis, self.metadata, self)
        self._build_menus()
        report_action.install(self)
        self.case_panel = case_panel.install(self)
        self.file_check = file_check.install(self)  # the File panel: the open video's structure
        self.file_check.structure_changed.connect(self._on_structure)
        self.stills = frame_export_action.install(self)  # File > Export frame / face crop
        self.jobs.changed.connect(self.case_panel.refresh)  # e.g. the hash arrived: show this file's notes
        self.training = training_tab.install(self)
        self.library = library_tab.install(self)
        self.batch = batch_tab.install(self)
        self.training.bundle_saved.connect(lambda info: self.library.refresh(select=info.id))
        self._connect()
        self.key_guard = KeyGuard(self, _player_keys(self.acts), lambda: self.tabs.currentIndex() == 0)
        self._restore()
        self.refresh_models()
        self._update_enabled()
        self._redraw = QTimer(self)
        self._redraw.setInterval(150)
        self._redraw.timeout.connect(self._redraw_scores)
        self._redraw.start()

    # -- layout ---------------------------------------------------------------------------
    def _build_ui(self) -> None:
        self.view = FrameView()
        self.view.setFocusPolicy(Qt.StrongFocus)
        self.transport = TransportBar(self.acts)
        player = QWidget()
        pl = QVBoxLayout(player)
        pl.setContentsMargins(0, 0, 0, 0)
        pl.setSpacing(0)
        pl.addWidget(self.view, 1)
        pl.addWidget(self.transport)

        self.timeline = Timeline()
        self.segments = SegmentsPanel()
        self.bottom_split = QSplitter(Qt.Horizontal)
        self.bottom_split.setObjectName("bottom_split")
        self.bottom_split.addWidget(self.timeline)
        self.bottom_split.addWidget(self.segments)
        self.bottom_split.setStretchFactor(0, 4)
        self.bottom_split.setStretchFactor(1, 1)
        self.bottom_split.setChildrenCollapsible(False)

        self.main_split = QSplitter(Qt.Vertical)
        self.main_split.setObjectName("main_split")
        self.main_split.addWidget(player)
        self.main_split.addWidget(self.bottom_split)
        self.main_split.setStretchFactor(0, 3)
        self.main_split.setStretchFactor(1, 1)
        self.main_split.setChildrenCollapsible(False)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("main_tabs")
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.main_split, "Review")
        self.tabs.currentChanged.connect(self._on_tab_changed)
        self._hidden_docks: list[QDockWidget] = []
        self._raised_docks: list[QDockWidget] = []  # of those, the ones on top of their tab group
        self.setCentralWidget(self.tabs)

        self.analysis = AnalysisPanel()
        self.metadata = MetadataPanel()
        side = QWidget()
        sl = QVBoxLayout(side)
        sl.setContentsMargins(6, 6, 6, 6)
        sl.addWidget(self.analysis)
        sl.addWidget(self.metadata)
        sl.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(side)
        scroll.setFrameShape(QScrollArea.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        scroll.setMinimumWidth(320)
        self.side_dock = self.add_panel("Analysis and video", scroll, Qt.RightDockWidgetArea, "side_dock")

        self.pixel_label = QLabel()
        self.pixel_label.setMinimumWidth(200)
        self.zoom_label = QLabel("Fit")
        self.statusBar().addPermanentWidget(self.pixel_label)
        self.statusBar().addPermanentWidget(self.zoom_label)

    def add_panel(self, title: str, widget: QWidget, area=Qt.RightDockWidgetArea, name: str = "") -> QDockWidget:
        """A dockable panel (for features such as notes and bookmarks); its toggle goes in View."""
        dock = QDockWidget(title, self)
        dock.setObjectName(name or title.lower().replace(" ", "_"))
        dock.setWidget(widget)
        dock.setFeatures(QDockWidget.DockWidgetMovable | QDockWidget.DockWidgetFloatable
                         | QDockWidget.DockWidgetClosable)
        self.addDockWidget(area, dock)
        if hasattr(self, "view_menu"):
            self.view_menu.addAction(dock.toggleViewAction())
        return dock

    def add_tab(self, title: str, widget: QWidget) -> int:
        """A page beside Review (training, model library); the review docks hide while it shows."""
        return self.tabs.addTab(widget, title)

    def show_review(self) -> None:
        self.tabs.setCurrentIndex(0)

    @Slot(int)
    def _on_tab_changed(self, index: int) -> None:
        # The docks (analysis, case) belong to the review page: hide them on the other pages and
        # bring back exactly those that were open.
        if index == 0:
            for dock in self._hidden_docks:
                dock.show()
            for dock in self._raised_docks:  # showing tabified docks again puts the last one on top
                dock.raise_()
            self._hidden_docks = self._raised_docks = []
        elif not self._hidden_docks:
            self._hidden_docks = [d for d in self.findChildren(QDockWidget) if d.isVisible()]
            self._raised_docks = [d for d in self._hidden_docks if not d.visibleRegion().isEmpty()]
            for dock in self._hidden_docks:
                dock.hide()

    def _build_menus(self) -> None:
        a = self.acts
        mb = self.menuBar()
        self.file_menu = mb.addMenu("&File")
        self.file_menu.addAction(a.open)
        self.recent_menu = self.file_menu.addMenu("Open &recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        self.file_menu.addAction(a.close_video)
        self._file_anchor = self.file_menu.addSeparator()  # export and report actions go here
        self._file_anchor.setObjectName("file_anchor")
        self.file_menu.addSeparator()
        self.file_menu.addAction(a.quit)

        self.view_menu = mb.addMenu("&View")
        for name in ("zoom_fit", "zoom_100", "zoom_200", "zoom_in", "zoom_out", "loupe", "adjust", None, "overlay",
                     "heatmaps", None,
                     "timeline_all", "timeline_in", "timeline_out", None):
            self.view_menu.addSeparator() if name is None else self.view_menu.addAction(getattr(a, name))
        self.view_menu.addAction(self.side_dock.toggleViewAction())

        play = mb.addMenu("&Playback")
        for name in ("play", "pause", "shuttle_back", "shuttle_fwd", None, "step_back", "step_fwd", "back_1s",
                     "fwd_1s", "back_10s", "fwd_10s", "start", "end", None, "goto", None, "prev_seg", "next_seg",
                     None, "prev_key", "next_key", None, "slower", "faster", "normal_speed"):
            play.addSeparator() if name is None else play.addAction(getattr(a, name))

        an = mb.addMenu("&Analysis")
        an.addAction(a.analyze)
        an.addAction(a.reanalyze)
        an.addAction(a.cancel)
        an.addAction(a.robustness)
        an.addSeparator()
        reload = an.addAction("Reload installed models")
        reload.triggered.connect(self.refresh_models)
        an.addAction("Open models folder").triggered.connect(
            lambda: self._open_folder(paths.ensure_dir(paths.user_models_dir())))

        tools = mb.addMenu("&Tools")
        tools.addAction(a.audit_log)

        hm = mb.addMenu("&Help")
        hm.addAction(a.shortcuts)
        hm.addAction(a.log_folder)
        hm.addAction(a.about)

    def add_file_actions(self, new: list[QAction]) -> None:
        """Insert actions (e.g. Export report) in the File menu, above Quit."""
        for act in new:
            self.file_menu.insertAction(self._file_anchor, act)

    # -- wiring ---------------------------------------------------------------------------
    def _connect(self) -> None:
        a, pb = self.acts, self.playback
        a.open.triggered.connect(self.choose_video)
        a.close_video.triggered.connect(self.close_video)
        a.quit.triggered.connect(self.close)
        a.play.triggered.connect(pb.toggle)
        a.pause.triggered.connect(pb.pause)
        a.shuttle_back.triggered.connect(lambda: pb.shuttle(BACKWARD))
        a.shuttle_fwd.triggered.connect(lambda: pb.shuttle(FORWARD))
        a.step_back.triggered.connect(lambda: pb.step(-1))
        a.step_fwd.triggered.connect(lambda: pb.step(1))
        a.back_1s.triggered.connect(lambda: pb.jump_seconds(-1))
        a.fwd_1s.triggered.connect(lambda: pb.jump_seconds(1))
        a.back_10s.triggered.connect(lambda: pb.jump_seconds(-10))
        a.fwd_10s.triggered.connect(lambda: pb.jump_seconds(10))
        a.start.triggered.connect(pb.go_start)
        a.end.triggered.connect(pb.go_end)
        a.slower.triggered.connect(pb.slower)
        a.faster.triggered.connect(pb.faster)
        a.normal_speed.triggered.connect(lambda: pb.set_speed(1.0))
        a.goto.triggered.connect(self.go_to_dialog)
        a.next_seg.triggered.connect(self.next_segment)
        a.prev_seg.triggered.connect(self.previous_segment)
        a.zoom_fit.triggered.connect(lambda: self.view.set_zoom(None))
        a.zoom_100.triggered.connect(lambda: self.view.set_zoom(1.0))
        a.zoom_200.triggered.connect(lambda: self.view.set_zoom(2.0))
        a.zoom_in.triggered.connect(lambda: self.view.zoom_step(1))
        a.zoom_out.triggered.connect(lambda: self.view.zoom_step(-1))
        a.overlay.toggled.connect(self.view.set_overlay_visible)
        a.loupe.toggled.connect(self.view.set_loupe)
        a.heatmaps.toggled.connect(self.heatmaps.set_enabled)
        a.adjust.triggered.connect(self.show_adjustments)
        a.timeline_all.triggered.connect(self.timeline.show_all)
        a.timeline_in.triggered.connect(lambda: self.timeline.zoom_time(0.5))
        a.timeline_out.triggered.connect(lambda: self.timeline.zoom_time(2.0))
        a.analyze.triggered.connect(lambda: self.start_analysis())
        a.reanalyze.triggered.connect(lambda: self.start_analysis(use_cache=False))
        a.cancel.triggered.connect(self.cancel_analysis)
        a.robustness.triggered.connect(lambda: self.check_robustness())
        a.shortcuts.triggered.connect(lambda: actions_mod.shortcuts_dialog(self.acts, self).exec())
        a.log_folder.triggered.connect(lambda: self._open_folder(paths.ensure_dir(paths.log_dir())))
        a.about.triggered.connect(self._about)
        a.audit_log.triggered.connect(self.show_audit_log)

        self.decoder.opened.connect(self._on_opened)
        self.decoder.open_failed.connect(self._on_open_failed)
        self.decoder.stream_end.connect(self._on_stream_end)
        pb.frame_shown.connect(self._on_frame_shown)
        pb.frame_failed.connect(self._on_frame_failed)
        pb.position_changed.connect(self._on_position)
        pb.playing_changed.connect(self._on_playing)
        pb.speed_changed.connect(self.transport.set_speed)
        self.transport.speed_chosen.connect(pb.set_speed)
        self.timeline.seek_requested.connect(pb.seek)
        self.timeline.threshold_changed.connect(self.review.set_threshold)
        self.segments.seek_requested.connect(self._seek_paused)
        self.view.pixel_hovered.connect(self._on_pixel)
        self.view.zoom_changed.connect(self._on_zoom)

        self.analysis.analyze_requested.connect(lambda: self.start_analysis())
        self.analysis.cancel_requested.connect(self.cancel_analysis)
        self.analysis.choice_changed.connect(self._update_enabled)
        self.analysis.choice_changed.connect(self._threshold_from_model)
        self.analysis.strategy_changed.connect(self.review.set_strategy)
        self.jobs.error.connect(self.show_error)
        self.jobs.status.connect(self.statusBar().showMessage)
        self.jobs.changed.connect(self._on_jobs_changed)
        self.jobs.worker_finished.connect(self._on_job_finished)
        self.analysis.threshold_edited.connect(self.review.set_threshold)
        self.analysis.threshold_reset.connect(lambda: self.review.set_threshold(self.review.analysed_threshold))
        self.review.threshold_changed.connect(self._on_threshold)
        self.review.derived_changed.connect(self._on_derived)
        self.review.result_changed.connect(self._on_result)
        self.review.lanes_changed.connect(self._on_lanes)

    # -- settings -------------------------------------------------------------------------
    def _restore(self) -> None:
        s = self.settings
        geometry = s.get_bytes("window/geometry")
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(1360, 840)
        state = s.get_bytes("window/state")
        if state is not None:
            self.restoreState(state)
        for split in (self.main_split, self.bottom_split):
            st = s.get_bytes(f"window/{split.objectName()}")
            if st is not None:
                split.restoreState(st)
        if state is None:
            self.main_split.setSizes([620, 260])
            self.bottom_split.setSizes([760, 300])
        self.analysis.set_choices(s.get("analysis/every", 1, int), s.get("analysis/strategy", "mean", str))
        self.analysis.set_compared([i for i in s.get("analysis/compare", "", str).split(",") if i])
        self.acts.overlay.setChecked(s.get("view/overlay", True, bool))

    def _save(self) -> None:
        s = self.settings
        self.show_review()  # the dock layout is saved as the review page shows it
        s.set("window/geometry", self.saveGeometry())
        s.set("window/state", self.saveState())
        for split in (self.main_split, self.bottom_split):
            s.set(f"window/{split.objectName()}", split.saveState())
        b = self.analysis.bundle()
        if b is not None:
            s.set("analysis/model", b.id)
        p = self.analysis.params()
        s.set("analysis/every", p.every)
        s.set("analysis/strategy", p.strategy)
        s.set("analysis/compare", ",".join(b.id for b in self.analysis.compared()))
        s.set("view/overlay", self.acts.overlay.isChecked())
        s.sync()

    def refresh_models(self) -> None:
        current = self.analysis.bundle()
        bundles, problems = list_bundles()
        wanted = current.id if current else (self.settings.get("analysis/model", None, str) or default_bundle_id())
        self.analysis.set_bundles(bundles, problems, wanted)
        self.training.form.set_bundles(bundles)
        self.batch.set_bundles(bundles, wanted)
        self._update_enabled()

    def start_warm_up(self) -> WarmUpWorker | None:
        """Import the model runtime and load the chosen model in the background (when one is installed)."""
        return self.jobs.warm_up()

    # -- opening --------------------------------------------------------------------------
    def choose_video(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open video", self.settings.last_open_dir(), VIDEO_FILTER)
        if path:
            self.open_video(path)

    def open_video(self, path: str) -> bool:
        """Open ``path`` (decoded in the decode thread; errors come back as a message). False when
        the analyst chose to keep a running analysis instead."""
        if self.analysis_running():
            if not self.confirm(self, "Analysis running",
                                "An analysis is running. Cancel it and open another video?"):
                return False
            self.cancel_analysis()
        path = os.path.abspath(path)
        self.statusBar().showMessage(f"Opening {Path(path).name}…")
        self.decoder.open(path)
        return True

    def open_stored(self, path: str, result: AnalysisResult) -> bool:
        """Open ``path`` in review showing ``result`` (a batch's) once it is hashed, if the file is still
        the one the result names (else a StoredResultMismatch message, and the file's own results)."""
        path = os.path.abspath(path)
        if not self.open_video(path):  # the open is queued: the result is expected before it arrives
            return False
        self.jobs.expect_stored(path, result)
        self.show_review()
        # the verdict and "Batch result from …" are on this panel; the Case tab may be on top of it (raised once
        # the page switch has shown the docks again)
        QTimer.singleShot(0, self.side_dock.raise_)
        return True

    @Slot(object)
    def _on_opened(self, info: VideoInfo) -> None:
        self.info = info
        self.setWindowTitle(f"{Path(info.path).name} — {APP_TITLE}")
        self.playback.set_video(info.frames, info.fps)
        self.review.reset(info.frames, info.fps)
        self.timeline.set_video(info.frames, info.fps, self.review.store)
        self._threshold_from_model()
        self.timeline.set_threshold(self.review.threshold)
        self.metadata.set_info(info)
        self.view.clear()
        self.view.empty_text = ""
        self.settings.add_recent(info.path)
        self.settings.set("last_open_dir", str(Path(info.path).parent))
        self.statusBar().showMessage(
            f"Opened {Path(info.path).name}: {info.width}×{info.height}, {info.fps:.3f} fps, {info.frames:,} frames",
            5000)
        self.playback.seek(0)
        self.jobs.set_video(info)
        self.file_check.set_video(info)
        self._update_enabled()
        self.view.setFocus()

    @Slot(int)
    def _on_stream_end(self, end: int) -> None:
        """The decoder found the stream ends before the announced count: the player stops at its last
        frame, the timeline marks the rest as not decodable, the Video panel says so."""
        if self.info is None:
            return
        self.playback.set_end(end)
        self.review.store.set_end(end)
        self.timeline.refresh(force=True)
        self.metadata.set_end(end, self.info.frames)
        self.statusBar().showMessage(
            f"{Path(self.info.path).name} is truncated or damaged: its stream ends after frame {end - 1:,} "
            f"of the {self.info.frames:,} announced.", 15000)
        self._on_position(self.playback.position)

    @Slot(object, str)
    def _on_open_failed(self, exc: BaseException, tb: str) -> None:
        self.jobs.expect_stored("", None)
        self.statusBar().clearMessage()
        self.show_error(exc, tb)

    def close_video(self) -> None:
        if self.analysis_running():
            self.cancel_analysis()
        self.playback.pause()
        self.info = None
        self.jobs.set_video(None)
        self.file_check.set_video(None)
        self.setWindowTitle(APP_TITLE)
        self.view.clear()
        self.view.empty_text = "Open a video: File > Open (Ctrl+O), or drop a file here."
        self.metadata.set_info(None)
        self.playback.set_video(0, 25.0)
        self.review.reset(0, 25.0)
        self.timeline.set_video(0, 25.0, self.review.store)
        self.transport.set_position(-1, 0, 25.0)
        self._update_enabled()

    # -- analysis -------------------------------------------------------------------------
    @property
    def video_sha256(self) -> str | None:
        return self.jobs.video_sha256

    def start_analysis(self, use_cache: bool = True) -> None:
        """Analyse the open video; ``use_cache=False`` runs again even if a stored result exists."""
        if self.jobs.start(use_cache):
            self.timeline.refresh(force=True)

    def cancel_analysis(self) -> None:
        self.jobs.cancel()

    def analysis_running(self) -> bool:
        """True from Analyze until the worker's last signal has been handled here."""
        return self.jobs.running()

    def _on_jobs_changed(self) -> None:
        self._update_enabled()
        self._show_verdict()  # also: "analysing…" must not outlive a failed or cancelled start

    def _on_job_finished(self) -> None:
        if self._closing:
            QTimer.singleShot(0, self._close_when_idle)

    # -- review ---------------------------------------------------------------------------
    def current_result(self) -> AnalysisResult | None:
        """The analysis on screen as decided at the review threshold (None before any result)."""
        return self.review.current_result()

    def current_video(self) -> tuple[VideoInfo | None, str | None]:
        return self.info, self.video_sha256

    def current_frame(self) -> int:
        return self.playback.position

    @property
    def file_structure(self):
        """The open video's structure (core.filecheck.FileStructure) as last read, or None."""
        return self.file_check.structure

    @Slot(float)
    def _on_threshold(self, t: float) -> None:
        self.timeline.set_threshold(t)
        self.analysis.set_threshold(t)
        self.view.threshold = self.segments.threshold = t
        self.view.update()

    def _on_derived(self) -> None:
        fps = self.info.fps if self.info else 25.0
        self.timeline.set_segments(self.review.segments)
        self.segments.set_segments(self.review.segments, fps, self.review.threshold)
        self.segments.set_robustness(self._robustness_of(self.review.current_result()))
        self._show_probe_band()
        self.segments.set_tracks(self.review.tracks)
        self.segments.highlight_at(self.playback.position)
        self._show_agreement()
        self._show_verdict()
        self._update_enabled()

    def _show_agreement(self) -> None:
        agreement = self.review.agreement()
        self.timeline.set_agreement(agreement)
        self.segments.set_agreement(agreement)

    @Slot(object)
    def _on_result(self, _result) -> None:
        """A finished or stored result replaced the scores: draw it now, not at the next redraw tick."""
        self._redraw_scores()
        self._show_verdict()

    @Slot()
    def _on_lanes(self) -> None:
        """A compared model's scores or result arrived (or the comparison was cleared)."""
        if [id(x) for x in self.timeline.lanes] != [id(x) for x in self.review.lanes]:
            self.timeline.set_lanes(self.review.lanes)
        else:
            self.timeline.refresh()
        self._show_agreement()
        self._show_verdict()

    def _show_verdict(self) -> None:
        r = self.review.current_result()
        note = {"cached": "stored result", "batch": "batch result",
                "partial": "cancelled: partial result, not stored"}.get(self.review.source, "")
        if r is not None and abs(self.review.threshold - self.review.analysed_threshold) > 1e-9:
            note = (note + " · " if note else "") + f"decided at review threshold {self.review.threshold:.2f} " \
                                                    f"(analysed at {self.review.analysed_threshold:.2f})"
        if r is not None and self.review.rules.strategy != self.review.analysed_strategy:
            note = (note + " · " if note else "") + f"decided by {self.review.rules.strategy} in review " \
                                                    f"(analysed by {self.review.analysed_strategy})"
        self.analysis.show_result(r, note)
        self.analysis.show_comparison(self.review.lanes, self.review.agreement())
        if r is None and self.analysis_running():
            self.analysis.verdict_label.setText("analysing…")

    def _redraw_scores(self) -> None:
        self.timeline.refresh()
        if self.view.shown_index >= 0:
            frame, _exact = self.review.store.frame_result(self.view.shown_index)
            if frame is not self.view.face_frame:
                self.view.set_face_frame(frame)

    # -- player ---------------------------------------------------------------------------
    @Slot(int, object, bool)
    def _on_frame_shown(self, index: int, rgb, exact: bool) -> None:
        self.view.set_frame(index, rgb, exact)
        self.view.set_face_frame(self.review.store.frame_result(index)[0])
        self.heatmaps.refresh()
        self._show_readout(index)

    @Slot(int, str)
    def _on_frame_failed(self, index: int, message: str) -> None:
        self.view.set_failed(index, message)
        self._show_readout(index)

    def _show_readout(self, index: int) -> None:
        """Frame number, picture type (once the file's structure is read) and time under the frame."""
        if self.info:
            kind = self.file_check.frame_type(index) if self.file_structure is not None else None
            self.transport.set_position(index, self.info.frames, self.info.fps, kind)

    @Slot(object)
    def _on_structure(self, _fs) -> None:
        if self.view.shown_index >= 0:
            self._show_readout(self.view.shown_index)

    @Slot(int)
    def _on_position(self, index: int) -> None:
        self.view.set_wanted(index)
        self.timeline.set_playhead(index)
        self.segments.highlight_at(index)
        if self.info:
            self.timeline.readout.setText(self.timeline.describe_frame(index))

    @Slot(bool)
    def _on_playing(self, playing: bool) -> None:
        self.acts.play.setIcon(icon("pause" if playing else "play"))
        self.acts.play.setText("Pause" if playing else "Play")

    def _seek_paused(self, index: int) -> None:
        self.playback.pause()
        self.playback.seek(index)

    def next_segment(self) -> None:
        s = self.review.next_segment(self.playback.position)
        if s is None:
            self.statusBar().showMessage("No suspicious segment after this frame.", 3000)
        else:
            self._seek_paused(s.start_frame)

    def previous_segment(self) -> None:
        s = self.review.previous_segment(self.playback.position)
        if s is None:
            self.statusBar().showMessage("No suspicious segment before this frame.", 3000)
        else:
            self._seek_paused(s.start_frame)

    def go_to_dialog(self) -> None:
        if self.info is None:
            return
        self.playback.pause()
        d = GotoDialog(self.info.fps, self.info.frames, self.playback.position, self)
        if d.exec() and d.target is not None:
            self.playback.seek(d.target)

    def _on_pixel(self, value) -> None:
        if value is None:
            self.pixel_label.setText("")
        else:
            x, y, (r, g, b) = value
            self.pixel_label.setText(f"x {x}  y {y}  RGB {r} {g} {b}")

    def _on_zoom(self, zoom) -> None:
        self.zoom_label.setText("Fit" if zoom is None else f"{zoom * 100:g} %")

    def _threshold_from_model(self) -> None:
        """Before any analysis is shown, the review threshold is the chosen model's, not a bare 0.5."""
        bundle = self.analysis.bundle()
        if bundle is not None and self.review.result is None and not self.analysis_running():
            self.review.set_analysed_threshold(bundle.card.threshold)

    def _update_enabled(self) -> None:
        has_video = self.info is not None
        running = self.analysis_running()
        for name in ("play", "pause", "step_back", "step_fwd", "back_1s", "fwd_1s", "back_10s", "fwd_10s", "start",
                     "end", "shuttle_back", "shuttle_fwd", "goto", "close_video", "timeline_all", "timeline_in",
                     "timeline_out", "prev_key", "next_key"):
            getattr(self.acts, name).setEnabled(has_video)
        has_segments = bool(self.review.segments)
        self.acts.next_seg.setEnabled(has_video and has_segments)
        self.acts.prev_seg.setEnabled(has_video and has_segments)
        can = has_video and self.analysis.bundle() is not None and not running
        self.acts.analyze.setEnabled(can)
        self.acts.reanalyze.setEnabled(can)
        self.acts.cancel.setEnabled(running and not self.jobs.cancel_requested())
        self.analysis.set_can_analyze(can)

    # -- messages -------------------------------------------------------------------------
    def show_error(self, exc: BaseException, details: str = "") -> messages.Message:
        msg = messages.describe(exc, details)
        if not msg.expected:
            log.error("unexpected error shown to the analyst: %s\n%s", exc, details)
        self.last_message = msg
        self.notify(self, msg)
        return msg

    def _about(self) -> None:
        from core.version import app_version

        msg = messages.info(f"About {APP_TITLE}",
                            f"{APP_TITLE} {app_version()}: offline review of manipulated faces in video.",
                            f"Logs: {messages.log_path()}")
        self.last_message = msg
        self.notify(self, msg)

    def check_robustness(self):
        """Analysis > Check the segments' robustness: the probe (core/robustness.py) in a worker, with the
        analysing model; the Segments table marks each segment stable or fragile."""
        from gui.workers import FunctionWorker

        result = self.current_result()
        if result is None or self.info is None or not result.segments:
            self.notify(self, messages.info("Nothing to check", "Analyze first: the probe re-scores the suspicious "
                                                                "segments of an analysis."))
            return None

        def job(w):
            from core.models.bundle import resolve
            from core.models.scorer import Scorer
            from core.robustness import probe

            info = resolve(result.model.id)
            return result, probe(result, self.info.path, Scorer(info).score_crops, info.card.input_size,
                                 should_cancel=w.cancelled)

        self.statusBar().showMessage("Re-scoring the segments after re-encoding…")
        return self.workers.start(FunctionWorker("robustness", job), succeeded=self._on_robustness,
                                  failed=self.show_error)

    def _probe_of(self, result):
        """The probe's report when it was made from this analysis (same file, model and run), else None."""
        done = getattr(self, "_robustness", None)
        if result is None or done is None:
            return None
        made_for, report = done
        same = (made_for.sha256, made_for.model.id, made_for.finished) == (result.sha256, result.model.id,
                                                                           result.finished)
        return report if same else None

    def _robustness_of(self, result):
        """The probe's report when it was made for this result and these segments, else None."""
        report = self._probe_of(result)
        return report if report is not None and self.review.segments == self._robustness[0].segments else None

    def _show_probe_band(self) -> None:
        """The re-encoding band on the timeline. Its per-frame ranges are scores of the analysed faces and
        do not depend on the threshold or the verdict strategy: it stays while the analyst moves either
        (seeing whether the band crosses the threshold is the point), though the stable/fragile marks,
        which do depend on them, go. It goes with the analysis: another video, a new run, a cleared result."""
        report = self._probe_of(self.review.current_result())
        self.timeline.set_probe(report.frames if report is not None else ())

    @Slot(object)
    def _on_robustness(self, done) -> None:
        result, report = done
        self._robustness = (result, report)
        self.segments.set_robustness(self._robustness_of(self.review.current_result()))
        self._show_probe_band()
        fragile = [s.segment for s in report.segments if s.fragile]
        self.statusBar().showMessage("Robustness: " + (f"fragile segment(s) {', '.join(map(str, fragile))}"
                                                       if fragile else "every segment stable"), 10000)

    def show_adjustments(self):
        """View > View adjustments: brightness, contrast, gamma of the picture on screen only."""
        from gui.view_adjust import AdjustDialog

        d = AdjustDialog(self.view.adjust, self, self.heatmaps.opacity)
        d.changed.connect(self.view.set_adjust)
        d.heat_opacity_changed.connect(self.heatmaps.set_opacity)
        d.show()
        self.adjust_dialog = d
        return d

    def show_audit_log(self):
        """Tools > Audit log: its entries, a chain check and verify of a recorded analysis."""
        from gui import audit_viewer

        self.audit_viewer = audit_viewer.show(self)
        return self.audit_viewer

    def _open_folder(self, folder: Path) -> bool:
        """Show ``folder`` in the file manager; without one (a bare desktop), say where it is instead
        and put the path on the clipboard (Qt's openUrl just returns False)."""
        if QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder))):
            return True
        QGuiApplication.clipboard().setText(str(folder))
        msg = messages.info("No file manager", f"No program could show the folder. It is:\n{folder}",
                            "The path is on the clipboard.")
        self.last_message = msg
        self.notify(self, msg)
        return False

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        items = self.settings.recent_files()
        for i, path in enumerate(items, 1):
            p = Path(path)
            act = self.recent_menu.addAction(f"&{i % 10}  {p.name}   —   {p.parent}")
            act.setToolTip(path)
            act.setEnabled(p.is_file())
            act.triggered.connect(lambda _checked=False, p=path: self.open_video(p))
        if not items:
            self.recent_menu.addAction("(none)").setEnabled(False)
        self.recent_menu.addSeparator()
        self.recent_menu.addAction("Clear list").triggered.connect(self.settings.clear_recent)

    # -- drag and drop --------------------------------------------------------------------
    def dragEnterEvent(self, e) -> None:  # noqa: N802 - Qt override
        urls = e.mimeData().urls() if e.mimeData().hasUrls() else []
        if urls and urls[0].isLocalFile():
            e.acceptProposedAction()
        else:
            e.ignore()

    def dropEvent(self, e) -> None:  # noqa: N802
        urls = e.mimeData().urls()
        if urls and urls[0].isLocalFile():
            e.acceptProposedAction()
            self.open_video(urls[0].toLocalFile())

    # -- closing --------------------------------------------------------------------------
    def closeEvent(self, e) -> None:  # noqa: N802
        """Unsaved case work is saved or discarded first (or the window stays); then workers are
        cancelled, and the window closes once their threads have ended (within a chunk)."""
        if not self._leaving and not self._shut_down:
            if not self.case_panel.may_discard("quitting"):
                e.ignore()
                return
            self._leaving = True  # asked once: closing after the workers stop does not ask again
        if self.workers.running():
            self._closing = True
            self.training.shutting_down = True
            self.workers.cancel_all()
            self.playback.pause()
            self.centralWidget().setEnabled(False)
            self.side_dock.setEnabled(False)
            self.statusBar().showMessage("Stopping background work before closing…")
            QTimer.singleShot(100, self._close_when_idle)
            e.ignore()
            return
        self.shutdown()
        e.accept()

    def _close_when_idle(self) -> None:
        if not self.workers.running():
            self._closing = False
            self.close()
        elif self._closing:
            QTimer.singleShot(100, self._close_when_idle)

    def shutdown(self) -> None:
        """Save settings, join every thread. Safe to call twice."""
        if self._shut_down:
            return
        self._shut_down = True
        self._redraw.stop()
        self.playback.pause()
        self._save()
        self.file_check.shutdown()  # a structure read whose hash never came is logged without it
        self.workers.join_all()
        self.decoder.shutdown()


PLAYER_ACTIONS = ("play", "step_back", "step_fwd", "back_1s", "fwd_1s", "back_10s", "fwd_10s", "start", "end",
                  "shuttle_back", "pause", "shuttle_fwd", "slower", "faster", "normal_speed", "prev_seg", "next_seg",
                  "prev_key", "next_key", "overlay", "loupe", "heatmaps", "timeline_all", "timeline_in", "timeline_out")


def _player_keys(acts) -> list:
    return [k for name in PLAYER_ACTIONS for k in getattr(acts, name).shortcuts()]


def _ask_yes_no(parent: QWidget, title: str, text: str) -> bool:
    return QMessageBox.question(parent, title, text) == QMessageBox.Yes


def _ask_save_discard_cancel(parent: QWidget, text: str) -> str:
    box = QMessageBox(QMessageBox.Warning, "Unsaved case", text,
                      QMessageBox.Save | QMessageBox.Discard | QMessageBox.Cancel, parent)
    box.setDefaultButton(QMessageBox.Save)
    answer = box.exec()
    return {QMessageBox.Save: "save", QMessageBox.Discard: "discard"}.get(answer, "cancel")

