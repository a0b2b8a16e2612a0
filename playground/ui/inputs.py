"""Checks on the files people upload, before anything is sent to a backend.

Catching a text file posing as a photo here gives a clear message in a fraction of a second,
instead of an upload and a failed prediction.
"""

from __future__ import annotations

import os
from pathlib import Path

from gradio.utils import get_upload_folder
from PIL import Image, UnidentifiedImageError

from playground.service import pixel_problem
from playground.ui.messages import MissingInput, UploadProblem

NOT_UPLOADED = ("only files uploaded to this page can be used (this one was not). "
                "Upload the file again.")


def human_size(n: int) -> str:
    size = float(n)
    for unit in ("bytes", "kB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{n} bytes"


def _check_size(path: Path, field: str, limit: int) -> int:
    size = path.stat().st_size
    if size == 0:
        raise UploadProblem(field, f"“{path.name}” is empty (0 bytes). Choose another file.")
    if size > limit:
        raise UploadProblem(
            field,
            f"“{path.name}” is too large ({human_size(size)}; the limit is "
            f"{human_size(limit)}). Choose a smaller file.",
        )
    return size


def is_upload(value: str | os.PathLike[str]) -> bool:
    """Whether `value` names a file in Gradio's upload folder (symlinks followed)."""
    try:
        path = Path(value).resolve()
        return path.is_file() and path.is_relative_to(Path(get_upload_folder()).resolve())
    except (OSError, RuntimeError, ValueError):  # a link loop, an unencodable name
        return False


def uploaded(value: str | os.PathLike[str], field: str) -> Path:
    """`value` as a path, when it is a file the browser uploaded to this page.

    A browser names an upload by its server path, so it could name any file on the disk:
    handlers that take FileData untouched (`preprocess=False`) check it here."""
    if not is_upload(value):
        raise UploadProblem(field, NOT_UPLOADED)
    return Path(value)


def check_image(value: str | os.PathLike[str] | None, field: str, limit: int) -> Path:
    """The path of a readable image, or a message saying what is wrong with it."""
    if not value:
        raise MissingInput(field, "Upload an image first (drag it onto the box or click it).")
    path = uploaded(value, field)
    _check_size(path, field, limit)
    # from the header, before Pillow opens it: it would call a big one a "decompression bomb"
    problem = pixel_problem(f"“{path.name}”", path)
    if problem:
        raise UploadProblem(field, problem)
    try:
        with Image.open(path) as img:
            img.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise UploadProblem(
            field, f"“{path.name}” is not an image we can read. Use a PNG, JPEG or WebP file."
        ) from None
    return path


def check_audio(value: str | os.PathLike[str] | None, field: str, limit: int) -> Path:
    """The path of a file with an audio track, or a message saying what is wrong with it."""
    if not value:
        raise MissingInput(field, "Upload a recording or record one with the microphone first.")
    path = uploaded(value, field)
    _check_size(path, field, limit)
    try:
        import av  # PyAV comes with faster-whisper; it reads whatever ffmpeg reads

        with av.open(str(path)) as container:
            stream = next((s for s in container.streams if s.type == "audio"), None)
            if stream is None:
                raise UploadProblem(field, f"“{path.name}” is not audio we can play (it has no "
                                           "sound track). Use WAV, MP3, M4A, OGG or FLAC.")
            duration = _duration(container, stream)
    except UploadProblem:
        raise
    except Exception:  # PyAV raises many error types for undecodable input
        raise UploadProblem(
            field, f"“{path.name}” is not audio we can play. Use WAV, MP3, M4A, OGG or FLAC."
        ) from None
    if duration is not None and duration <= 0:
        raise UploadProblem(field, f"“{path.name}” is silent: it has no audio samples.")
    return path


def _duration(container: object, stream: object) -> float | None:
    frames = getattr(stream, "frames", 0) or 0
    if getattr(container, "duration", None):
        return float(container.duration) / 1_000_000  # type: ignore[attr-defined]
    if frames:
        return float(frames)
    return None


def image_size(path: str | os.PathLike[str]) -> tuple[int, int] | None:
    try:
        with Image.open(path) as img:
            return img.size
    except (OSError, ValueError):
        return None
