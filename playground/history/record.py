"""What one run in the history is: the typed record, and the finished run it is made from."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

FileRole = Literal["input", "output"]
BackendKind = Literal["replicate", "local", "custom"]
FILE_KEY = "$file"  # {"$file": "<name in the outputs folder>"}: a saved file inside inputs/outputs

# Ids handed to browsers are checked before they reach a query: anything else is not a run.
_RUN_ID = re.compile(r"^[0-9a-f]{16}$")
_OWNER_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
SHARED_OWNER = "shared-history-owner"  # who ran it, when the server keeps one shared history


def is_run_id(value: object) -> bool:
    return isinstance(value, str) and bool(_RUN_ID.match(value))


def is_owner_id(value: object) -> bool:
    return isinstance(value, str) and bool(_OWNER_ID.match(value))


@dataclass(frozen=True)
class Scope:
    """Whose runs a query may see: one browser's (the default), or everyone's with
    `--shared-history`. Every read, re-run and delete goes through one."""

    owner: str | None  # None: the shared history

    @classmethod
    def of(cls, owner: str) -> Scope:
        if not is_owner_id(owner):
            raise ValueError("not an owner id")
        return cls(owner)

    @classmethod
    def shared(cls) -> Scope:
        return cls(None)

    @property
    def recorded_owner(self) -> str:
        return self.owner or SHARED_OWNER


@dataclass(frozen=True)
class InputFile:
    """A file given as an input, by its bytes (what was sent, after any shrinking)."""

    data: bytes
    name: str = "upload"  # the user's file name, shown in the history


@dataclass(frozen=True)
class FileRef:
    role: FileRole
    key: str  # the input's name ("image"), or the output's position ("0", "txt_file")
    name: str  # the file's name in the outputs folder: "<sha256 prefix><ext>"
    size: int


@dataclass
class FinishedRun:
    """A run as it ended, handed to `RunStore.record`.

    `inputs` are the values as sent; files may be `InputFile`s, `Path`s or `data:` URIs (each
    saved once by content hash: never inlined). Values of secret inputs are never stored: name
    them in `secret_inputs` (the version schema's `x-cog-secret`), and any input whose name
    looks like a secret is dropped too. `output` is the output with files as local Paths.
    """

    task: str  # image | chat | transcribe | upscale | rembg | faces | model | ...
    tab: str  # the tab it was run from (compare, models, ...)
    model: str
    version: str | None
    backend_kind: BackendKind
    backend_url: str
    status: str
    inputs: dict[str, Any]
    output: Any = None
    prediction_id: str | None = None
    logs: str = ""
    error: str | None = None
    metrics: dict[str, Any] = field(default_factory=dict)
    cost_usd: float | None = None
    started_at: float | None = None  # epoch seconds; None: now minus the metrics' client time
    secret_inputs: frozenset[str] = frozenset()
    cache_key: str | None = None  # from cache.cache_key, when the run may be served again
    snippet: str | None = None  # what the list shows; None: the prompt, else the output text


@dataclass(frozen=True)
class RunRecord:
    """A stored run. File values in `inputs` and `output` are `{"$file": name}`."""

    id: str
    owner: str
    task: str
    tab: str
    model: str
    version: str | None
    backend_kind: str
    backend_url: str
    prediction_id: str | None
    status: str
    inputs: dict[str, Any]
    output: Any
    files: tuple[FileRef, ...]
    logs: str
    error: str | None
    metrics: dict[str, Any]
    cost_usd: float | None
    started_at: float
    finished_at: float
    cache_key: str | None
    snippet: str  # the prompt, or the start of a text output / transcript

    @property
    def ok(self) -> bool:
        return self.status == "succeeded"

    def output_files(self) -> list[str]:
        return [f.name for f in self.files if f.role == "output"]

    def input_files(self) -> dict[str, str]:
        return {f.key: f.name for f in self.files if f.role == "input"}

    def to_json(self) -> dict[str, Any]:
        """The record as JSON-ready data (the Download's record, `history export`)."""
        return {
            "id": self.id, "task": self.task, "tab": self.tab, "model": self.model,
            "version": self.version, "backend": {"kind": self.backend_kind,
                                                 "url": self.backend_url},
            "prediction_id": self.prediction_id, "status": self.status, "error": self.error,
            "inputs": self.inputs, "output": self.output, "logs": self.logs,
            "metrics": self.metrics, "cost_usd": self.cost_usd, "started_at": self.started_at,
            "finished_at": self.finished_at,
            "files": [{"role": f.role, "key": f.key, "name": f.name, "size": f.size}
                      for f in self.files],
        }


def resolve_files(value: Any, folder: Path) -> Any:
    """`value` with every `{"$file": name}` turned into the file's Path under `folder`."""
    if isinstance(value, dict):
        if set(value) == {FILE_KEY} and isinstance(value[FILE_KEY], str):
            return folder / value[FILE_KEY]
        return {k: resolve_files(v, folder) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve_files(v, folder) for v in value]
    return value
