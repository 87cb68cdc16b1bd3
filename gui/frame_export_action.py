"""File > Export frame… and Export face crop…: the frame on screen, or a face of it, as PNG with a JSON sidecar.

The pixels are the player's decoded RGB frame (``window.view.rgb``), never what is painted: no face
boxes, zoom, heatmap or view adjustment. The face is one of the analysis' faces of that very frame:
the selected track's (the track of the row selected in Segments or Tracks) when it has one there,
else the largest. Writing, hashing and the audit entry happen in a worker (core/frame_export.py).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog

from core.frame_export import Exported, FaceBox, FrameSource, existing_outputs, png_path
from core.result import FaceScore, FrameResult
from gui import messages
from gui.workers import FunctionWorker

PNG_FILTER = "PNG image (*.png)"


def selected_track(window) -> int | None:
    """The track of the row selected in the Segments or Tracks table on show, or None."""
    panel = window.segments
    if panel.currentWidget() is panel.track_table:
        table, rows = panel.track_table, window.review.tracks
    else:
        table, rows = panel.segment_table, panel.segments
    row = table.currentRow()
    if not table.selectionModel().hasSelection() or not 0 <= row < len(rows):
        return None
    return rows[row].track


def choose_face(frame: FrameResult, track: int | None) -> FaceScore | None:
    """The face of ``track`` in the frame, else the largest face; None when the frame has none."""
    if not frame.faces:
        return None
    mine = [f for f in frame.faces if track is not None and f.track == track]
    if mine:
        return mine[0]
    return max(frame.faces, key=lambda f: (f.box[2] - f.box[0]) * (f.box[3] - f.box[1]))


class StillExports(QObject):
    """The two File-menu exports; ``last`` is the latest written (:class:`core.frame_export.Exported`)."""

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.last: Exported | None = None
        self.worker: FunctionWorker | None = None

    # -- what is on screen ----------------------------------------------------------------
    def _tell(self, title: str, text: str) -> None:
        msg = messages.info(title, text)
        self.window.last_message = msg
        self.window.notify(self.window, msg)

    def _frame_on_screen(self):
        """(info, sha256, index, rgb copy) of the decoded frame on screen, or None after saying why not."""
        w = self.window
        info, sha = w.current_video()
        if info is None:
            self._tell("No video", "Open a video first.")
            return None
        if sha is None:
            self._tell("Not ready", "Wait for the file's SHA-256 (Video panel): an exported frame names the file "
                                    "it came from by its hash.")
            return None
        v = w.view
        if v.rgb is None or not v.exact or v.shown_index != w.playback.position:
            self._tell("Frame not on screen", "The frame asked for is not decoded yet (or cannot be decoded): "
                                              "wait until it shows, then export it.")
            return None
        return info, sha, v.shown_index, v.rgb.copy()

    def _ask(self, title: str, default: str, out: str | None) -> tuple[str, bool] | None:
        """Where to write (asked unless ``out``) and whether earlier files there may be replaced."""
        w = self.window
        if out is None:
            start = Path(w.settings.get("export/last_dir", str(Path.home()), str)) / default
            # the one question about replacing is ours below: it names the sidecar too
            out, _ = QFileDialog.getSaveFileName(w, title, str(start), PNG_FILTER,
                                                 options=QFileDialog.DontConfirmOverwrite)
            if not out:
                return None
        out = str(png_path(out))
        present = existing_outputs(out)
        if present and not w.confirm(w, "Replace the earlier export?",
                                     "These files would be replaced:\n" + "\n".join(f"  {p.name}" for p in present)
                                     + "\n\nThe audit log keeps their hashes. Replace them?"):
            return None
        w.settings.set("export/last_dir", str(Path(out).parent))
        return out, bool(present)

    # -- the exports ----------------------------------------------------------------------
    def export_frame(self, out: str | None = None) -> FunctionWorker | None:
        got = self._frame_on_screen()
        if got is None:
            return None
        info, sha, index, rgb = got
        where = self._ask("Export frame", f"{Path(info.path).stem}_frame{index:06d}.png", out)
        if where is None:
            return None
        path, overwrite = where
        source = FrameSource(info.path, sha, index, info.fps, info.rotation)

        def job(_w):
            from core.frame_export import export_frame

            return export_frame(path, rgb, source, overwrite=overwrite)

        return self._start("export frame", job, f"Writing frame {index:,}…")

    def export_face(self, out: str | None = None) -> FunctionWorker | None:
        w = self.window
        result = w.current_result()
        if result is None:
            self._tell("No analysis", "Analyze the video first: the face crop is cut around a face the analysis "
                                      "found.")
            return None
        got = self._frame_on_screen()
        if got is None:
            return None
        info, sha, index, rgb = got
        frame = next((f for f in result.frames if f.index == index), None)
        if frame is None:
            every = result.params.get("every", 1)
            self._tell("Frame not analysed", f"Frame {index:,} was not analysed"
                       + (f" (one frame in {every} was)" if every and every > 1 else "")
                       + ": go to an analysed frame to export a face of it.")
            return None
        face = choose_face(frame, selected_track(w))
        if face is None:
            self._tell("No face", f"The analysis found no face in frame {index:,}.")
            return None
        where = self._ask("Export face crop", f"{Path(info.path).stem}_frame{index:06d}_track{face.track}.png", out)
        if where is None:
            return None
        path, overwrite = where
        source = FrameSource(info.path, sha, index, info.fps, info.rotation)
        box = FaceBox(tuple(float(v) for v in face.box), float(result.params.get("margin", 0.3)), face.track,
                      face.score, face.detected, result.model.id, result.model.sha256)

        def job(_w):
            from core.frame_export import export_face

            return export_face(path, rgb, source, box, overwrite=overwrite)

        return self._start("export face", job, f"Writing the face of track {face.track} in frame {index:,}…")

    def _start(self, name: str, job, status: str) -> FunctionWorker:
        self.window.statusBar().showMessage(status)
        self.worker = self.window.workers.start(FunctionWorker(name, job), succeeded=self._written,
                                                failed=self.window.show_error)
        return self.worker

    @Slot(object)
    def _written(self, done: Exported) -> None:
        self.last = done
        self.window.statusBar().showMessage(f"Written: {done.png} (with {done.sidecar.name})", 10000)


def install(window) -> StillExports:
    stills = StillExports(window)
    acts = []
    for text, keys, tip, slot in (
            ("Export &frame…", "Ctrl+Shift+E", "The decoded frame on screen as PNG (no boxes or view adjustments), "
                                               "with a JSON sidecar: file, hash, frame, time, pixel MD5",
             stills.export_frame),
            ("Export face &crop…", "Ctrl+Shift+F", "The selected track's (else the largest) face of the analysed "
                                                   "frame on screen as PNG, with a JSON sidecar",
             stills.export_face)):
        act = QAction(text, window)
        act.setShortcut(QKeySequence(keys))
        act.setToolTip(tip)
        act.triggered.connect(lambda _checked=False, f=slot: f())
        acts.append(act)
    window.add_file_actions(acts)
    stills.frame_action, stills.face_action = acts
    return stills
