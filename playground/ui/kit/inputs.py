"""The first look at a file from the browser: is there one, was it uploaded to this page, and
is it within the app's limits (bytes, and an image's pixels, read from its header).

What the file is (an image, audio, or a text file posing as one) is checked once, by the
service when it reads the upload; its errors (`FileProblem`) name the file.
"""

from __future__ import annotations

import os
from pathlib import Path

from PIL import Image

from playground.service import errors, human_size, pixel_problem
from playground.ui.gradio_compat import upload_folder

NOT_UPLOADED = ("only files uploaded to this page can be used (this one was not). "
                "Upload the file again.")
IMAGE_HINT = "Upload an image first (drag it onto the box or click it)."
AUDIO_HINT = "Upload a recording or record one with the microphone first."


def is_upload(value: str | os.PathLike[str]) -> bool:
    """Whether `value` names a file in Gradio's upload folder (symlinks followed)."""
    try:
        path = Path(value).resolve()
        return path.is_file() and path.is_relative_to(Path(upload_folder()).resolve())
    except (OSError, RuntimeError, ValueError):  # a link loop, an unencodable name
        return False


def require_file(value: str | os.PathLike[str] | None, field: str, hint: str,
                 limit: int, *, image: bool = False) -> Path:
    """The uploaded file's path, or the problem with it, naming it: `MissingInput` when there
    is none; `UnsupportedFile` when it is not a file uploaded to this page (a browser names an
    upload by its server path, so it could name any file on the disk); `CorruptFile` /
    `FileTooLarge` when it is empty, over `limit` bytes or (`image`) too many pixels."""
    if not value:
        raise errors.MissingInput(field, hint)
    path = Path(value)
    if not is_upload(path):
        raise errors.UnsupportedFile(f"{field}: {NOT_UPLOADED}", filename=path.name)
    size = path.stat().st_size
    if size == 0:
        raise errors.CorruptFile(f"“{path.name}” is empty (0 bytes). Choose another file.",
                                 filename=path.name)
    if size > limit:
        raise errors.FileTooLarge(
            f"“{path.name}” is too large ({human_size(size)}; the limit is "
            f"{human_size(limit)}). Choose a smaller file.", filename=path.name)
    # from the header, before anything decodes it (a "decompression bomb")
    problem = pixel_problem(f"“{path.name}”", path) if image else None
    if problem:
        raise errors.FileTooLarge(problem, filename=path.name)
    return path


def readable_image(value: str | os.PathLike[str] | None, field: str, limit: int) -> Path:
    """`require_file` for an image, and the file decodes as one: a text file named .png is
    refused when it is dropped (the service checks again at Run)."""
    path = require_file(value, field, IMAGE_HINT, limit, image=True)
    try:
        with Image.open(path) as img:
            img.verify()
    except (OSError, SyntaxError, ValueError):
        raise errors.UnsupportedFile(f"“{path.name}” is not an image we can read. Use a PNG, "
                                     "JPEG or WebP file.", filename=path.name) from None
    return path


def image_size(path: str | os.PathLike[str]) -> tuple[int, int] | None:
    """An output image's size, read from its header."""
    try:
        with Image.open(path) as img:
            return img.size
    except (OSError, ValueError, Image.DecompressionBombError):
        return None
