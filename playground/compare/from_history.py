"""A run from the history as a Compare entry: the comparison it fits, its model pinned to the
version it ran on, its own settings as the entry's overrides, and the inputs every entry shares
(the prompt, the image or recording, the seed).

No gradio and no history types: the History tab hands over the run's task, model, version and
inputs (files as local Paths) and gets back a `RunEntry`, or `NoComparison` saying why not.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playground.tasks import TABLE, TaskTable

from .forms import FILE_INPUTS, PROMPT_TASKS
from .session import Entry

# a tab's task -> the comparison it belongs to, from the task table ("model": any model,
# judged by its inputs)
TASK_OF = {r.id: r.compare for r in TABLE.rows if r.compare}
_AUDIO = frozenset({".wav", ".mp3", ".ogg", ".flac", ".m4a", ".aac", ".opus", ".webm"})
_IMAGE = frozenset({".png", ".jpg", ".jpeg", ".webp", ".gif", ".bmp", ".tif", ".tiff"})


class NoComparison(ValueError):
    """The run fits no comparison; the message says why, in plain words."""


@dataclass(frozen=True)
class RunEntry:
    task: str  # a key of forms.TASKS
    ref: str  # owner/name:version, the version it ran on
    overrides: dict[str, Any] = field(default_factory=dict)  # its own settings (JSON values)
    prompt: str | None = None
    file: Path | None = None  # the image or recording every entry gets
    seed: int | None = None
    left_out: tuple[str, ...] = ()  # inputs a comparison cannot carry (other files, secrets)

    @property
    def entry(self) -> Entry:
        return Entry(ref=self.ref, overrides=self.overrides)


def entry_from_run(task: str, model: str, version: str | None, inputs: dict[str, Any], *,
                   text_output: bool = False, tasks: TaskTable = TABLE) -> RunEntry:
    """The run as an entry. `text_output`: it answered in text (tells a chat model from an
    image model when the run came from the Models tab or Compare). `tasks`: the task table
    that says which comparison a task's runs join."""
    files = {k: v for k, v in inputs.items() if isinstance(v, Path) and v.is_file()}
    kind = tasks.group_of(task) or _task_by_inputs(inputs, files, text_output)
    if kind is None:
        raise NoComparison("Compare takes image generation, image-to-image, chat and "
                           "transcription runs; this run has no prompt, image or recording "
                           "that every entry could share.")
    ref = f"{model}:{version}" if version and version != "hidden" else model
    try:
        Entry(ref=ref)
    except ValueError:
        raise NoComparison(f"{model!r} is not a model Compare can run (owner/name).") from None
    shared_file = _shared_file(kind, files)
    if kind in FILE_INPUTS and shared_file is None:
        what = "image" if FILE_INPUTS[kind] == "image" else "recording"
        raise NoComparison(f"This run's {what} is not in the history any more, so Compare "
                           "has nothing to give every entry.")
    prompt = inputs.get("prompt") if kind in PROMPT_TASKS else None
    if kind in PROMPT_TASKS and not (isinstance(prompt, str) and prompt.strip()):
        raise NoComparison("This run has no prompt, and every entry of that comparison needs "
                           "the same one.")
    seed = inputs.get("seed")
    seed = seed if isinstance(seed, int) and not isinstance(seed, bool) else None
    shared = {"prompt"} if kind in PROMPT_TASKS else set()
    shared |= {"seed"} if seed is not None else set()
    shared |= {k for k, v in files.items() if v == shared_file}
    overrides: dict[str, Any] = {}
    left_out: list[str] = []
    for name, value in inputs.items():
        if value is None or name in shared:
            continue
        if _json_value(value):
            overrides[name] = value
        else:
            left_out.append(name)
    return RunEntry(kind, ref, overrides, prompt if isinstance(prompt, str) else None,
                    shared_file, seed, tuple(left_out))


def _task_by_inputs(inputs: dict[str, Any], files: dict[str, Path],
                    text_output: bool) -> str | None:
    suffixes = {p.suffix.lower() for p in files.values()}
    if suffixes & _AUDIO:
        return "transcription"
    if suffixes & _IMAGE:
        return "image-to-image"
    if isinstance(inputs.get("prompt"), str):
        return "chat" if text_output else "image"
    return None


def _shared_file(kind: str, files: dict[str, Path]) -> Path | None:
    """The run's file every entry gets: the input of the comparison's own name, else its only
    file of the right kind (a model may call its image `img`)."""
    name = FILE_INPUTS.get(kind)
    if name is None:
        return None
    if name in files:
        return files[name]
    fitting = [p for p in files.values()
               if p.suffix.lower() in (_IMAGE if name == "image" else _AUDIO)]
    return fitting[0] if len(fitting) == 1 else None


def _json_value(value: Any) -> bool:
    """A value an entry's overrides can keep (a session is saved as JSON): no files, no
    secrets (the history keeps `{"$secret": ...}` in their place)."""
    if isinstance(value, dict) and ("$secret" in value or "$file" in value):
        return False
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError):
        return False
    return True
