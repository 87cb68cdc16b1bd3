"""Expected failures of the engine, one type per thing an analyst can fix.

Every message is written for the analyst: it names the file and says what is wrong.
The GUI maps each type to a dialog title in one table (gui/messages.py); the command
line prints the message on one line and exits non-zero.
"""

from __future__ import annotations


class InspectorError(Exception):
    """Base of every expected failure. ``str(err)`` is the user-facing message."""


# --- evidence files -------------------------------------------------------------------------


class VideoError(InspectorError):
    """A video file cannot be analysed."""


class NoVideos(VideoError):
    """The inputs of a batch hold no video file."""


class VideoNotFound(VideoError):
    pass


class NotAFile(VideoError):
    pass


class EmptyFile(VideoError):
    pass


class UnreadableVideo(VideoError):
    """The file exists but no frame can be decoded from it."""


class FrameNotInFile(UnreadableVideo):
    """A frame the container announces but the stream does not hold (the file ends before it)."""

    def __init__(self, message: str, end: int = 0):
        super().__init__(message)
        self.end = end  # frames 0 .. end - 1 are all the stream can give


class EvidenceChanged(InspectorError):
    """The evidence file's hash changed while it was being analysed."""


class FrameHashesInvalid(InspectorError):
    """A per-frame hash (framemd5) file cannot be read."""


# --- model bundles --------------------------------------------------------------------------


class ModelError(InspectorError):
    pass


class BundleNotFound(ModelError):
    pass


class BundleInvalid(ModelError):
    """The card is missing or wrong, or the weights do not match it."""


class UnknownArchitecture(ModelError):
    pass


class BackboneWeightsMissing(ModelError):
    pass


class BackboneWeightsMismatch(ModelError):
    pass


# --- data and output ------------------------------------------------------------------------


class DatasetError(InspectorError):
    """A training or evaluation folder cannot be used."""


class TrainingError(InspectorError):
    """A training run cannot start or continue as asked (settings, checkpoint, divergence)."""


class OutputNotWritable(InspectorError):
    pass


class OutputExists(OutputNotWritable):
    """Files an export would replace; earlier audit entries name them by hash."""

    def __init__(self, message: str, paths: tuple[str, ...] = ()):
        super().__init__(message)
        self.paths = paths


class OutputBesideEvidence(OutputNotWritable):
    """An export would be written in the evidence file's folder, which is never written to."""


# --- forensic records -----------------------------------------------------------------------


class ResultFileInvalid(InspectorError):
    """An analysis JSON file (as exported beside a report) cannot be read."""


class StoredResultMismatch(InspectorError):
    """A stored result (a batch's) names another SHA-256 than the file now at its path: not shown."""


class CaseFileInvalid(InspectorError):
    """A case file cannot be read."""


class AuditLogError(InspectorError):
    """The audit log cannot be written or read."""


class Cancelled(InspectorError):
    """Raised inside long work when the caller asked it to stop."""


# --- model library --------------------------------------------------------------------------


class BundleReadOnly(ModelError):
    """A shipped bundle (or one outside the user's models folder) cannot be renamed or deleted."""


class ModelNameInvalid(ModelError):
    """A name for a model is empty, too long, or taken by another model."""
