"""Output values: `Path`s become data URIs (small) or files served from the data dir (large).

Stored outputs hold a marker (`engine-output://PID/NAME`) instead of an absolute URL, because the
engine's address can change between runs; `render` turns markers into URLs per response.
"""

from __future__ import annotations

import base64
import mimetypes
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

from pydantic import BaseModel

from . import jsonsafe, kept
from .inputs import safe_name

DATA_URI_MAX = 1024 * 1024
MARKER = "engine-output://"


def content_type(path: Path) -> str:
    return mimetypes.guess_type(path.name)[0] or "application/octet-stream"


class OutputStore:
    def __init__(self, root: Path, max_kept: int = kept.MAX_BYTES,
                 keep_for: float = kept.KEEP_FOR) -> None:
        self.root = root
        self.kept = kept.KeptInputs(root, max_kept, keep_for)

    def close(self) -> None:
        self.kept.close()

    def convert(self, value: Any, pid: str) -> Any:
        """A model's output -> JSON-compatible, with files stored or inlined."""
        if isinstance(value, Path):
            size = value.stat().st_size
            if size <= DATA_URI_MAX:
                encoded = base64.b64encode(value.read_bytes()).decode()
                return f"data:{content_type(value)};base64,{encoded}"
            folder = self.root / pid
            folder.mkdir(parents=True, exist_ok=True)
            name = safe_name(value.name, "output")
            if name.startswith(kept.PREFIX):  # that name says "a kept input", which expires
                name = f"output-{name}"
            name = self._unique(folder, name)
            shutil.copyfile(value, folder / name)
            return f"{MARKER}{pid}/{name}"
        if isinstance(value, BaseModel):
            return self.convert(value.model_dump(), pid)
        if isinstance(value, dict):
            return {str(k): self.convert(v, pid) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.convert(v, pid) for v in value]
        if value is None or isinstance(value, str | int | float | bool):
            return jsonsafe.repair(value)  # a NaN score or a stray surrogate must not poison it
        return jsonsafe.repair(str(value))

    def keep(self, pid: str, name: str, write: Callable[[BinaryIO], int], at_most: int) -> str:
        """Store an input file of prediction `pid` (`write` writes it, `at_most` bytes, and
        says how many); its marker renders as a URL like outputs. Raises kept.Full or
        kept.TooBig when the kept inputs' disk cap does not allow it."""
        self.kept.reserve(pid, at_most)
        folder = self.root / pid
        folder.mkdir(parents=True, exist_ok=True)
        name = self._unique(folder, kept.PREFIX + safe_name(name, "file"))
        with (folder / name).open("wb") as out:
            self.kept.settle(pid, at_most, write(out))
        return f"{MARKER}{pid}/{name}"

    def discard(self, pid: str) -> None:
        """Remove the files kept for a prediction that was refused."""
        shutil.rmtree(self.root / pid, ignore_errors=True)
        self.kept.forget(pid)

    def finished(self, pid: str) -> None:
        """Prediction `pid` ended: its kept inputs' lifetime starts."""
        self.kept.ended(pid)

    def marker_path(self, value: str) -> Path | None:
        """The stored file behind a marker (None when it is not one, or is gone)."""
        pid, _, name = value.removeprefix(MARKER).partition("/")
        return self.path(pid, name) if value.startswith(MARKER) and pid.isalnum() else None

    @staticmethod
    def _unique(folder: Path, name: str) -> str:
        candidate, n = name, 1
        while (folder / candidate).exists():
            stem, dot, ext = name.rpartition(".")
            candidate = f"{stem}-{n}.{ext}" if dot else f"{name}-{n}"
            n += 1
        return candidate

    def path(self, pid: str, name: str) -> Path | None:
        """The stored file for an output URL, never outside the outputs folder."""
        if safe_name(name) != name:
            return None
        if name.startswith(kept.PREFIX) and self.kept.expired(pid):
            return None
        path = (self.root / pid / name).resolve()
        if not path.is_relative_to(self.root.resolve()) or not path.is_file():
            return None
        return path


def render(value: Any, base_url: str) -> Any:
    if isinstance(value, str) and value.startswith(MARKER):
        return f"{base_url}/v1/outputs/{value[len(MARKER):]}"
    if isinstance(value, dict):
        return {k: render(v, base_url) for k, v in value.items()}
    if isinstance(value, list):
        return [render(v, base_url) for v in value]
    return value
