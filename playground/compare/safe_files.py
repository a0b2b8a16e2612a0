"""Which files a comparison session may name: this app's own, and nothing else.

A session file travels (it is exported, shared, loaded in another browser), so every name in it
(`input_files`, `entries[].files`, `round_inputs[].files`, `runs[].files`, `grids[].image`) is
hostile until checked: it must be a relative path inside the data directory's `outputs/` or
`compare/inputs/` (where the app itself stores what it hands out, by content hash), with no
`..`, and still inside once symlinks are followed. Anything else is refused with a sentence
naming the entry, before any file is read or shown.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from playground.config import data_dir

SESSION_FOLDERS = ("outputs", "compare/inputs")
_MAX_NAME = 400


class SessionFileRefused(ValueError):
    """A session names a file outside this app's own folders; `str` is the message to show."""


def session_file(name: str, base: Path | None = None, *, label: str = "a file") -> Path:
    """The local path `name` stands for, or SessionFileRefused when it is not one of ours."""
    root = base or data_dir()
    shown = name if len(name) <= 80 else name[:77] + "…"
    if not _plain_relative(name):
        raise SessionFileRefused(
            f"This session names {label} as {shown!r}, which is not a file of this app. "
            f"A session may only name files in {_folders()} of the playground's data folder "
            "(no absolute paths, no '..').")
    folder = next(f for f in SESSION_FOLDERS if name.startswith(f + "/"))
    path = root / name
    try:
        inside = path.resolve().is_relative_to((root / folder).resolve())
    except (OSError, RuntimeError, ValueError):  # a symlink loop, an unencodable name
        inside = False
    if not inside:
        raise SessionFileRefused(
            f"This session names {label} as {shown!r}, which leads outside the app's "
            f"{folder}/ folder (a link to somewhere else); it was not used.")
    return path


def _plain_relative(name: str) -> bool:
    if not name or len(name) > _MAX_NAME or any(c in name for c in "\\\x00:~") or any(
            ord(c) < 32 for c in name):
        return False
    pure = PurePosixPath(name)
    parts = name.split("/")
    if pure.is_absolute() or any(p in ("", ".", "..") for p in parts):
        return False
    return any(name.startswith(f + "/") for f in SESSION_FOLDERS)


def _folders() -> str:
    return " and ".join(f"{f}/" for f in SESSION_FOLDERS)
