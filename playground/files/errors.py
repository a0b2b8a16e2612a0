"""Problems with a file the user gave us, each saying which file and what to do about it."""

from __future__ import annotations


class FileProblem(Exception):
    """Base class: `str(exc)` is a sentence for the user that names the file."""

    def __init__(self, message: str, *, filename: str | None = None) -> None:
        super().__init__(message)
        self.filename = filename


class UnsupportedFile(FileProblem):
    """Not a kind of file the task takes (a text file given as an image, an unknown format)."""


class CorruptFile(FileProblem):
    """The right kind of file, but empty, truncated or unreadable."""


class FileTooLarge(FileProblem):
    """Too large to send the way the backend allows."""


class DownloadFailed(FileProblem):
    """An output could not be fetched (gone, too large, timed out)."""
