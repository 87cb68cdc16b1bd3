"""The File panel of the window: the open video's structure (core.filecheck), and key-frame navigation.

When a video opens, a worker reads its structure (``inspect_file``: demuxing only, about 0.1 s for a
minute of 720p, never on the GUI thread); a result for a file that is no longer open is dropped. The
structure shows in the File dock (gui/file_panel.py), stays in ``window.file_structure`` for exports,
gives the picture type of each frame to the transport readout, and the key frames that Playback >
Previous / Next key frame (PgUp / PgDown) go to.

The read is logged as ``file_structure_read`` with the file's SHA-256: once the hash taken on opening
has arrived, or without it (``sha256`` null) when the file is closed or replaced before it does.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal, Slot

from core.filecheck import FileStructure, GopInfo
from core.filecheck.record import structure_event, video_stream  # noqa: F401 - used here and by tests
from core.forensic import audit
from core.video import VideoInfo
from gui.file_panel import FilePanel
from gui.workers import FunctionWorker, Worker


class InspectWorker(Worker):
    """``core.filecheck.inspect_file`` of one path (it cannot be interrupted; it is short)."""

    name = "file structure"

    def __init__(self, path: str):
        super().__init__()
        self.path = path

    def work(self) -> FileStructure:
        from core.filecheck import inspect_file

        return inspect_file(self.path)


class FileCheck(QObject):
    structure_changed = Signal(object)  # the FileStructure on show, or None

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.panel = FilePanel()
        self.structure: FileStructure | None = None
        self.worker: InspectWorker | None = None
        self._path: str | None = None
        self._unlogged: FileStructure | None = None  # read, waiting for the file's hash to be logged
        self.log_worker: FunctionWorker | None = None
        window.jobs.changed.connect(self._log_when_hashed)

    # -- the open file --------------------------------------------------------------------
    def set_video(self, info: VideoInfo | None) -> None:
        """A video was opened (or closed, with None): read its structure in a worker."""
        self._log_unhashed()
        self._path = info.path if info is not None else None
        self.worker = None
        self._show(None)
        if info is None:
            return
        self.panel.summary.setText("Reading the file's structure…")
        self.worker = self.window.workers.start(InspectWorker(info.path), succeeded=self._on_read,
                                                failed=self._on_failed)

    def _show(self, fs: FileStructure | None) -> None:
        self.structure = fs
        self.panel.set_structure(fs)
        self.structure_changed.emit(fs)

    @Slot(object)
    def _on_read(self, fs: FileStructure) -> None:
        if self.sender() is not self.worker or self._path is None:
            return  # a file no longer open (or opened again since)
        self._show(fs)
        self._unlogged = fs
        self._log_when_hashed()

    @Slot(object, str)
    def _on_failed(self, exc: BaseException, tb: str) -> None:
        if self.sender() is not self.worker:
            return
        self.panel.summary.setText(f"The file's structure could not be read: {exc}")
        self.window.show_error(exc, tb)

    # -- the audit record -----------------------------------------------------------------
    @Slot()
    def _log_when_hashed(self) -> None:
        info, sha = self.window.current_video()
        fs = self._unlogged
        if fs is None or sha is None or info is None or info.path != self._path:
            return
        self._log(fs, sha)

    def _log_unhashed(self) -> None:
        """The file goes before its hash came (closed, replaced, the window closing): log the read without it."""
        if self._unlogged is not None:
            self._log(self._unlogged, None)

    def _log(self, fs: FileStructure, sha: str | None) -> None:
        self._unlogged = None
        data = structure_event(fs, sha)
        worker = FunctionWorker("file structure record", lambda _w: audit.log_event(audit.FILE_STRUCTURE_READ, **data))
        self.log_worker = self.window.workers.start(worker, failed=self.window.show_error)

    def shutdown(self) -> None:
        self._log_unhashed()

    # -- frames ---------------------------------------------------------------------------
    def gop(self) -> GopInfo | None:
        s = video_stream(self.structure)
        return s.video.gop if s is not None and s.video is not None else None

    def frame_type(self, index: int) -> str:
        """The picture type of frame ``index`` ("I", "P", "B"; "key" when only key frames are known), or ""."""
        g = self.gop()
        return (g.frame_type(index) or "") if g is not None and index >= 0 else ""

    @Slot()
    def next_keyframe(self) -> int | None:
        return self._go_key(1)

    @Slot()
    def previous_keyframe(self) -> int | None:
        return self._go_key(-1)

    def _go_key(self, direction: int) -> int | None:
        w = self.window
        if w.info is None:
            return None
        g = self.gop()
        if g is None:
            why = "are still being read" if self.structure is None and self.worker is not None else "are not known"
            w.statusBar().showMessage(f"The file's key frames {why}.", 3000)
            return None
        pos = w.playback.position
        target = g.next_keyframe(pos) if direction > 0 else g.previous_keyframe(pos)
        if target is None:
            where = "after" if direction > 0 else "before"
            more = (f" (only the first {len(g.keyframes):,} of {g.keyframe_count:,} key frames are listed)"
                    if direction > 0 and g.keyframe_count > len(g.keyframes) else "")
            w.statusBar().showMessage(f"No key frame {where} frame {pos:,}{more}.", 3000)
            return None
        w.playback.pause()
        w.playback.seek(target)
        return target


def install(window) -> FileCheck:
    """The File dock, a tab beside the right-side panels (the analysis panel stays on top)."""
    check = FileCheck(window)
    window.file_dock = window.add_panel("File", check.panel, name="file_dock")
    window.tabifyDockWidget(window.side_dock, window.file_dock)  # a tab after Analysis and Case
    window.side_dock.raise_()  # the verdict stays on top
    window.acts.next_key.triggered.connect(check.next_keyframe)
    window.acts.prev_key.triggered.connect(check.previous_keyframe)
    return check

