"""The one table from engine errors to what the analyst reads, shared by the window and the command line.

Each expected failure type in :mod:`core.errors` maps to a title and a hint on what to do; the text
itself is the exception's message (written for analysts). Anything else is a bug: the analyst gets
the details and where the log file is. Qt-free: the window shows a :class:`Message` in a dialog
(gui/messages.py), the command line prints it.
"""

from __future__ import annotations

from dataclasses import dataclass

from core import errors, paths

LOG_FILE = "inspector.log"

# Most specific first is not needed: the lookup walks each exception's MRO.
TABLE: dict[type[BaseException], tuple[str, str]] = {
    errors.VideoNotFound: ("Video not found", "Check the path; the file may have been moved or renamed."),
    errors.NotAFile: ("Not a video file", "Choose a video file, not a folder or a device."),
    errors.EmptyFile: ("Empty file", "The file holds no data; the copy may have been interrupted."),
    errors.FrameNotInFile: ("Frame not in the file", "The file is truncated or damaged: the frames before it can "
                            "still be viewed and analysed."),
    errors.UnreadableVideo: (
        "Cannot decode the video",
        "The format is unknown or the file is damaged. Try a working copy converted with a known tool, "
        "and keep the original as evidence.",
    ),
    errors.NoVideos: ("No videos found", "Folders are searched with their subfolders for video files by suffix "
                      "(.mp4, .mov, .avi, ...); hidden files and links leading out of the folder are skipped."),
    errors.VideoError: ("Cannot open the video", ""),
    errors.EvidenceChanged: (
        "Evidence changed",
        "The file changed while it was being analysed. Secure a copy and analyse that.",
    ),
    errors.BundleNotFound: ("Model not found", "Install a model bundle or choose another one."),
    errors.BundleInvalid: ("Model bundle is damaged", "Reinstall the bundle or choose another model."),
    errors.UnknownArchitecture: (
        "Model not supported",
        "The bundle was made for an architecture this version does not know. Update the application.",
    ),
    errors.BackboneWeightsMissing: ("Backbone weights missing", "Reinstall the application's model files."),
    errors.BackboneWeightsMismatch: ("Backbone weights do not match", "Reinstall the application's model files."),
    errors.BundleReadOnly: ("Model is read-only", "Shipped models cannot be changed or deleted. Export a copy, or "
                            "set another model as the default."),
    errors.ModelNameInvalid: ("Choose another name", ""),
    errors.ModelError: ("Model problem", ""),
    errors.DatasetError: ("Dataset problem", ""),
    errors.TrainingError: ("Training cannot continue", "The last complete checkpoint stays loadable; adjust the "
                           "settings and resume or start again."),
    errors.OutputExists: ("Report files already there", "Choose another name: an earlier export is not replaced "
                          "without asking."),
    errors.OutputBesideEvidence: ("Not beside the evidence", "Nothing is written into a folder that holds "
                                  "evidence (a report beside its video, a batch's output inside an input): "
                                  "choose another folder."),
    errors.StoredResultMismatch: ("Not the analysed file", "The file at this path changed or was replaced after "
                                  "the batch analysed it, so its stored result is not shown. Find the original "
                                  "(the batch's manifest.json lists every file's SHA-256) or analyse this one."),
    errors.CaseFileInvalid: ("Case file unreadable", ""),
    errors.ResultFileInvalid: ("Result file unreadable", ""),
    errors.FrameHashesInvalid: ("Frame hashes unreadable", ""),
    errors.AuditLogError: ("Audit log problem", "Work that cannot be recorded is not done (no analysis starts "
                           "unrecorded). Check the log with main.py audit --check; after damage, audit --seal "
                           "keeps it aside and starts a new one."),
    errors.OutputNotWritable: ("Cannot write", "Choose another folder or free some disk space."),
    errors.Cancelled: ("Cancelled", ""),
    errors.InspectorError: ("Cannot continue", ""),
}


@dataclass(frozen=True)
class Message:
    title: str
    text: str
    hint: str = ""
    details: str = ""  # traceback for unexpected errors
    expected: bool = True
    icon: str = "warning"  # warning | critical | information


def log_path() -> str:
    return str(paths.log_dir() / LOG_FILE)


def describe(exc: BaseException, details: str = "") -> Message:
    for cls in type(exc).__mro__:
        if cls in TABLE:
            title, hint = TABLE[cls]
            return Message(title, str(exc) or title, hint)
    text = f"Something went wrong that the application did not expect: {type(exc).__name__}: {exc}"
    hint = f"Nothing was changed on the evidence. The details are in the log file:\n{log_path()}"
    return Message("Unexpected error", text, hint, details, expected=False, icon="critical")


def info(title: str, text: str, hint: str = "") -> Message:
    return Message(title, text, hint, icon="information")
