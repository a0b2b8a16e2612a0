"""Presets: which model each task runs, with which inputs, on Replicate and on the local engine.

One TOML file per task in `presets/` (`image.toml`, `chat.toml`, `transcribe.toml`,
`upscale.toml`, `rembg.toml`, `faces.toml`), each holding one or more presets; the first preset
of a file is the task's default. A file's `task` is a task of the task table
(`playground/tasks.py`: `TABLE.ids`, or the table `load_presets(tasks=...)` is given). The
format:

```toml
task = "upscale"                 # image | chat | transcribe | upscale | rembg | faces

[[preset]]
id = "real-esrgan-4x"            # unique across all files: [a-z0-9.-]
title = "Real-ESRGAN 4x"         # shown in the UI
description = "Upscales photos and drawings 4x."   # optional
model = "nightmareai/real-esrgan:42fed1c4974146d4d2414e2be2c5277c7fcf05fcc3a73abf41610695738c1d7b"
                                 # pinned "owner/name:<64-hex version>", or "owner/name" for an
                                 # official model (always its latest version)
local_model = "local/real-esrgan"  # the local engine model that stands in for it (optional)
file_input = "image"             # the input that takes the uploaded file (file tasks)
max_image_side = 2048            # larger uploaded images are shrunk to this (0: never)
local_max_image_side = 1024      # the same on the local engine (CPU: keep it small)
local_omit = ["model"]           # default inputs the local stand-in does not take

[preset.defaults]                # inputs sent on every run; names, types and ranges are
scale = 4                        # those of the pinned version's schema (a test checks this)
face_enhance = false

[preset.local_defaults]          # merged over `defaults` on the local engine
scale = 2

[preset.chat]                    # chat presets only: how the conversation becomes inputs
format = "llama3"                # llama3 | llama2 | chatml | plain (see playground.chat_prompt)
prompt_template = "..."          # optional: sent as the `prompt_template` input
context_tokens = 4096            # optional: the context window; older turns are trimmed to fit
[preset.local_chat]              # the same for the local stand-in (default: like `chat`)
format = "chatml"

[preset.ui]                      # hints for the tab, all optional
show = ["scale", "face_enhance"] # inputs shown as controls, in this order (others hidden)
advanced = []                    # inputs shown in an "Advanced" accordion
labels = { scale = "Scale" }     # control labels (default: the schema's title)
aspect_ratios = { "1:1" = [1024, 1024], "16:9" = [1344, 768] }  # image: width, height
local_aspect_ratios = { "1:1" = [512, 512] }  # the same on the local engine
examples = ["an astronaut riding a horse"]   # example prompts / messages
```

`load_presets()` reads and validates every file at start; a bad file raises `PresetError`
naming the file and the field ("presets/image.toml: preset[0].defaults: ...").
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from playground.chat_prompt import ChatFormat
from playground.tasks import TABLE, TaskTable

# A task id of the task table ("rembg"); files are checked against the table they are loaded with.
Task = str
BackendKind = Literal["replicate", "local", "custom"]
TASKS: tuple[str, ...] = TABLE.ids
PRESETS_DIR = Path(__file__).resolve().parent.parent / "presets"

_REF = re.compile(r"^[a-z0-9][a-z0-9_.-]*/[a-z0-9][a-z0-9_.-]*(:[0-9a-f]{64})?$")
_LOCAL = re.compile(r"^local/[a-z0-9][a-z0-9_.-]*$")
InputValue = str | int | float | bool | list[str] | list[int] | list[float]


class PresetError(ValueError):
    """A preset file that cannot be used; the message names the file and the field."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ChatSettings(_Strict):
    format: ChatFormat
    prompt_template: str | None = None
    # the model's context window in tokens: older turns are left out to fit it (None: unknown)
    context_tokens: int | None = Field(default=None, ge=256)


class UIHints(_Strict):
    show: list[str] = []
    advanced: list[str] = []
    labels: dict[str, str] = {}
    aspect_ratios: dict[str, tuple[int, int]] = {}
    local_aspect_ratios: dict[str, tuple[int, int]] = {}
    examples: list[str] = []


class Preset(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9.-]*$")
    title: str = Field(min_length=1)
    task: Task
    description: str = ""
    model: str
    local_model: str | None = None
    file_input: str | None = None
    max_image_side: int = Field(default=2048, ge=0)
    local_max_image_side: int | None = Field(default=None, ge=0)
    defaults: dict[str, InputValue] = {}
    local_defaults: dict[str, InputValue] = {}
    local_omit: list[str] = []
    # the same inputs always give the same output (no sampling): an identical run may be
    # answered from the history without a seed
    deterministic: bool = False
    chat: ChatSettings | None = None
    local_chat: ChatSettings | None = None
    ui: UIHints = UIHints()

    @field_validator("model")
    @classmethod
    def _model_ref(cls, value: str) -> str:
        if not _REF.match(value):
            raise ValueError("expected 'owner/name:<64-hex version>' or 'owner/name'")
        return value

    @field_validator("local_model")
    @classmethod
    def _local_ref(cls, value: str | None) -> str | None:
        if value is not None and not _LOCAL.match(value):
            raise ValueError("expected 'local/<name>', e.g. 'local/real-esrgan'")
        return value

    @field_validator("task")
    @classmethod
    def _known_task(cls, value: str, info: ValidationInfo) -> str:
        return _check_task(value, info)

    @model_validator(mode="after")
    def _task_needs(self, info: ValidationInfo) -> Preset:
        if self.task == "chat" and self.chat is None:
            raise ValueError("a chat preset needs a [preset.chat] table with a format")
        if _table(info).by_id(self.task).file_kind and not self.file_input:
            raise ValueError(f"a {self.task} preset needs file_input (the input taking the file)")
        return self

    def ref_for(self, backend: BackendKind) -> str:
        """The local stand-in on the local engine; the pinned model anywhere else."""
        if backend == "local":
            if not self.local_model:
                raise PresetError(f"preset {self.id!r} has no local stand-in (local_model)")
            return self.local_model
        return self.model

    def inputs_for(self, backend: BackendKind) -> dict[str, Any]:
        """The default inputs for a backend (a fresh dict, safe to update)."""
        if backend != "local":
            return dict(self.defaults)
        merged = {k: v for k, v in self.defaults.items() if k not in self.local_omit}
        merged.update(self.local_defaults)
        return merged

    def chat_for(self, backend: BackendKind) -> ChatSettings | None:
        return (self.local_chat or self.chat) if backend == "local" else self.chat

    def image_side_for(self, backend: BackendKind) -> int | None:
        side = self.local_max_image_side if backend == "local" else None
        side = self.max_image_side if side is None else side
        return side or None

    def aspect_ratios_for(self, backend: BackendKind) -> dict[str, tuple[int, int]]:
        if backend == "local" and self.ui.local_aspect_ratios:
            return dict(self.ui.local_aspect_ratios)
        return dict(self.ui.aspect_ratios)


class PresetFile(_Strict):
    task: Task
    preset: list[dict[str, Any]] = Field(min_length=1)

    @field_validator("task")
    @classmethod
    def _known_task(cls, value: str, info: ValidationInfo) -> str:
        return _check_task(value, info)


def _table(info: ValidationInfo) -> TaskTable:
    """The task table a file is checked against (`load_file(tasks=...)`; default TABLE)."""
    given = info.context.get("tasks") if isinstance(info.context, dict) else None
    return given if isinstance(given, TaskTable) else TABLE


def _check_task(value: str, info: ValidationInfo) -> str:
    ids = _table(info).ids
    if value not in ids:
        named = [repr(t) for t in ids]
        expected = (", ".join(named[:-1]) + " or " + named[-1]) if len(named) > 1 else named[0]
        raise PydanticCustomError("literal_error", "Input should be {expected}",
                                  {"expected": expected})
    return value


def _where(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(file)"


def _error(path: Path, exc: ValidationError, prefix: str = "") -> PresetError:
    lines = []
    for err in exc.errors():
        where = _where((*(() if not prefix else (prefix,)), *err["loc"]))
        lines.append(f"{path}: {where}: {err['msg']}")
    return PresetError("\n".join(lines))


def load_file(path: Path, tasks: TaskTable = TABLE) -> list[Preset]:
    """The presets of one file, its `task` one of `tasks`; raises PresetError naming the file
    and the field."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise PresetError(f"{path}: not valid TOML: {exc}") from None
    try:
        parsed = PresetFile.model_validate(raw, context={"tasks": tasks})
    except ValidationError as exc:
        raise _error(path, exc) from None
    presets = []
    for i, entry in enumerate(parsed.preset):
        if entry.get("task", parsed.task) != parsed.task:
            raise PresetError(f"{path}: preset[{i}].task: {entry['task']!r} in a file for "
                              f"task {parsed.task!r}")
        try:
            presets.append(Preset.model_validate({**entry, "task": parsed.task},
                                                 context={"tasks": tasks}))
        except ValidationError as exc:
            raise _error(path, exc, f"preset[{i}]") from None
    return presets


def load_presets(directory: Path | None = None, tasks: TaskTable = TABLE) -> dict[str, Preset]:
    """Every preset in `directory` (default: the project's presets/), by id, files in the
    order of `tasks` (the task table)."""
    directory = directory or PRESETS_DIR
    ids = tasks.ids
    files = sorted(directory.glob("*.toml"),
                   key=lambda p: (ids.index(p.stem) if p.stem in ids else len(ids), p.name))
    if not files:
        raise PresetError(f"{directory}: no preset files (*.toml)")
    presets: dict[str, Preset] = {}
    origin: dict[str, Path] = {}
    for path in files:
        for preset in load_file(path, tasks):
            if preset.id in presets:
                raise PresetError(
                    f"{path}: preset id {preset.id!r} is already used in {origin[preset.id]}")
            presets[preset.id] = preset
            origin[preset.id] = path
    return presets


def for_task(presets: dict[str, Preset], task: Task) -> list[Preset]:
    """A task's presets, its default first."""
    return [p for p in presets.values() if p.task == task]

