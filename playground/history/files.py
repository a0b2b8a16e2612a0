"""A run's files as references into the outputs folder, each saved once by content hash.

Inputs are kept too (a copy of what was sent, after any shrinking), so "Open in its tab" and
"Run again" work after Replicate has forgotten them. A `data:` URI is never stored inline: it is
decoded and saved like an upload. Files live in the outputs folder because that is the one folder
the app serves; the database sits beside it, never inside.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from playground.files import datauri
from playground.files.errors import FileProblem
from playground.files.outputs import extension, store
from playground.history.record import FILE_KEY, FileRef, FileRole, InputFile
from playground.history.redact import SECRET, clean_text, clean_value, is_secret_input


@dataclass
class Stored:
    """A value made storable, with the files it references."""

    value: Any
    files: list[FileRef] = field(default_factory=list)


class FileKeeper:
    """Saves a run's files under `folder` and names them relative to it."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def name_of(self, path: Path) -> str | None:
        """The name of `path` inside the folder, or None when it lies elsewhere."""
        try:
            relative = path.resolve().relative_to(self.folder.resolve())
        except (ValueError, OSError):
            return None
        return relative.as_posix()

    def path_of(self, name: str) -> Path | None:
        """The file a stored name points at; None for a name that would leave the folder."""
        pure = PurePosixPath(name)
        if not name or pure.is_absolute() or ".." in pure.parts or "\\" in name:
            return None
        return self.folder / pure

    def keep_bytes(self, data: bytes, *, mime: str | None = None) -> tuple[str, int]:
        path = store(data, extension(data, content_type=mime), self.folder)
        return path.name, len(data)

    def keep_path(self, path: Path) -> tuple[str, int] | None:
        """A file already in the folder is referenced; one elsewhere is copied in."""
        name = self.name_of(path)
        try:
            if name is not None:
                return name, path.stat().st_size
            return self.keep_bytes(path.read_bytes())
        except OSError:
            return None

    def inputs(self, inputs: dict[str, Any], secrets: frozenset[str]) -> Stored:
        out = Stored({})
        for name, value in inputs.items():
            key = clean_text(str(name))
            if value is not None and is_secret_input(key, secrets):
                out.value[key] = dict(SECRET)
            else:
                out.value[key] = self._walk(value, "input", key, out.files, 0)
        return out

    def output(self, output: Any) -> Stored:
        out = Stored(None)
        out.value = self._walk(output, "output", "", out.files, 0)
        return out

    def _walk(self, value: Any, role: FileRole, key: str, files: list[FileRef],
              depth: int) -> Any:
        kept: tuple[str, int] | None = None
        if isinstance(value, InputFile):
            kept = self.keep_bytes(value.data)
        elif isinstance(value, bytes | bytearray):
            kept = self.keep_bytes(bytes(value))
        elif isinstance(value, Path):
            kept = self.keep_path(value)
            if kept is None:
                return f"[missing file {value.name}]"
        elif isinstance(value, str) and value.startswith("data:") and "," in value:
            try:
                data, mime = datauri.decode(value)
            except FileProblem:
                return datauri.shorten(value)
            kept = self.keep_bytes(data, mime=mime)
        elif isinstance(value, dict) and depth < 32:
            return {clean_text(str(k)): self._walk(v, role, _join(key, str(k)), files, depth + 1)
                    for k, v in value.items()}
        elif isinstance(value, list | tuple) and depth < 32:
            return [self._walk(v, role, _join(key, str(i)), files, depth + 1)
                    for i, v in enumerate(value)]
        else:
            return clean_value(value, depth)
        name, size = kept
        files.append(FileRef(role, key or "0", name, size))
        return {FILE_KEY: name}


def _join(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key
