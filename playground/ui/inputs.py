"""The first look at a file from the browser: is there one, and is it within the app's limit.

What the file is (an image, audio, or a text file posing as one) is checked once, by the
service when it reads the upload; its errors (`FileProblem`) name the file.
"""

from __future__ import annotations

import os
from pathlib import Path

from PIL import Image

from playground.service import errors, human_size


def require_file(value: str | os.PathLike[str] | None, field: str, hint: str,
                 limit: int) -> Path:
    """The uploaded file's path; `MissingInput` when there is none, and `CorruptFile` /
    `FileTooLarge` (naming it) when it is empty or over `limit` bytes."""
    if not value:
        raise errors.MissingInput(field, hint)
    path = Path(value)
    size = path.stat().st_size if path.is_file() else 0
    if size == 0:
        raise errors.CorruptFile(f"“{path.name}” is empty (0 bytes). Choose another file.",
                                 filename=path.name)
    if size > limit:
        raise errors.FileTooLarge(
            f"“{path.name}” is too large ({human_size(size)}; the limit is "
            f"{human_size(limit)}). Choose a smaller file.", filename=path.name)
    return path


def image_size(path: str | os.PathLike[str]) -> tuple[int, int] | None:
    """An output image's size, read from its header."""
    try:
        with Image.open(path) as img:
            return img.size
    except (OSError, ValueError, Image.DecompressionBombError):
        return None


IMAGE_HINT = "Upload an image first (drag it onto the box or click it)."
AUDIO_HINT = "Upload a recording or record one with the microphone first."
