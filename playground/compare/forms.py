"""From the Compare tab's form values to a session, and the per-task starting points.

No gradio here: the tab hands over plain values (strings, numbers, file paths) and gets back a
`CompareSession`, or a `FormProblem` whose message it shows as is.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from playground.config import data_dir
from playground.forms import InputForm, InputProblem, coerce_inputs
from playground.presets import Preset
from playground.tasks import TABLE

from .grid import MODEL_AXIS, Axis
from .session import MAX_ENTRIES, CompareSession, Entry, Task, relative_name
from .strict import problem

# Compare's tasks are the task table's Compare groups (playground/tasks.py): group -> label,
# the tasks whose presets are its entry choices, the file every entry shares.
TASKS: dict[str, str] = TABLE.compare_labels()
PRESET_TASKS: dict[str, tuple[str, ...]] = {
    group: tuple(r.id for r in TABLE.in_group(group)) for group in TASKS}
FILE_INPUTS: dict[str, str] = {group: kind for group in TASKS
                               if (kind := TABLE.group_file(group)) is not None}
# What the tab starts with on the local engine: a comparison that runs offline as it is (each
# model one of the group's local models: `local_models`).
LOCAL_STARTERS: dict[str, list[tuple[str, dict[str, Any]]]] = {
    "image-to-image": [("local/rembg", {"model": "modnet"}), ("local/rembg", {"model": "u2netp"}),
                       ("local/real-esrgan", {"scale": 2})],
    "chat": [("local/smollm2-135m-instruct", {"temperature": 0}),
             ("local/smollm2-135m-instruct", {"temperature": 0.9})],
    "transcription": [("local/whisper-tiny-en", {}), ("local/whisper-tiny-en",
                                                       {"temperature": 0.8})],
    "image": [("local/sd-turbo", {}), ("local/sd-turbo", {"num_inference_steps": 4})],
}
PROMPT_TASKS = frozenset({"image", "chat"})


def local_models(presets: Iterable[Preset]) -> tuple[str, ...]:
    """The local models of these presets (a group's tasks'), each once, in their order: what
    the presets name as their stand-ins is what an offline comparison can run."""
    return tuple(dict.fromkeys(p.local_model for p in presets if p.local_model))


def entry_title(ref: str, overrides: dict[str, Any]) -> str:
    """What an entry is called before it runs, as its runs will be (`Entry.title`): the model
    and what its settings change, so two entries of one model can be told apart."""
    try:
        return Entry(ref=ref, overrides=overrides).title
    except ValidationError:  # not a model name yet (being typed): it is called what it says
        return ref


MODEL_AXIS_LABEL = "The model itself (values: model names)"


def axis_choices(form: InputForm | None) -> list[tuple[str, str]]:
    """The settings an X/Y grid can vary, as (what a person reads, the input's name): the
    model itself (`grid.MODEL_AXIS`), then the model's inputs by their labels. The grid's
    shared prompt and file stay fixed; files and secrets cannot be a row of values."""
    found = [(MODEL_AXIS_LABEL, MODEL_AXIS)]
    for f in form or ():
        if not (f.is_file or f.secret or f.name == "prompt"):
            found.append((f.label, f.name))
    return found


def grid_axis(form: InputForm | None, name: str, values: list[Any]) -> Axis:
    """A grid's axis titled as its dropdown offers it (`axis_choices`), for the picture's
    caption; a name typed in that the list lacks is its own title."""
    labels = {value: label for label, value in axis_choices(form)}
    return Axis(name, values, labels.get(name, ""))


class FormProblem(ValueError):
    """Something in the form cannot be used; the message says what and how to fix it."""


# Inputs every entry gets from the shared part of the tab, so an entry's own form leaves them out.
SHARED_NAMES = frozenset({"prompt", "seed"})


def entry_form(form: InputForm, task: str) -> InputForm:
    """The fields an entry's own form shows: the model's inputs minus the shared ones (the
    task's prompt and file, the seed). Its own files and secrets are in it: a file is kept
    with the session (in the data dir), a secret is sent and never kept."""
    shared = set(SHARED_NAMES)
    if task in FILE_INPUTS:
        shared.add(FILE_INPUTS[task])
        shared |= {f.name for f in form if f.file_kind == FILE_INPUTS[task] and f.is_file
                   and f.required}  # the model's own name for the shared file (`img`)
    return InputForm(tuple(f for f in form if f.name not in shared))


def entry_overrides(form: InputForm, values: dict[str, Any], entry: int, *,
                    file_roots: list[Path] | None = None) -> dict[str, Any]:
    """The values set in an entry's form (by a person, or moved there from its JSON box),
    checked: what it sends on top of the shared inputs (files as Paths, only from
    `file_roots` when given). Fields left alone are not in `values`, so the model's own
    defaults apply to them."""
    try:
        checked = coerce_inputs(form, {k: v for k, v in values.items() if k in form},
                                file_roots=file_roots)
    except InputProblem as exc:
        raise FormProblem(f"Entry {entry + 1}: {exc}") from None
    except ValueError as exc:
        raise FormProblem(f"Entry {entry + 1}: {exc}") from None
    return checked


def parse_json_object(text: str | None, what: str) -> dict[str, Any]:
    text = (text or "").strip()
    if not text:
        return {}
    try:
        value = json.loads(text, parse_constant=_not_a_number(what))
    except json.JSONDecodeError as exc:
        raise FormProblem(f"{what} has a typo: {exc.msg.lower()} at character {exc.pos + 1}. "
                          'Write it like {"scale": 2}, or empty the box.') from None
    except RecursionError:
        raise FormProblem(f"{what} is nested too deeply to be read.") from None
    if not isinstance(value, dict):
        raise FormProblem(f'{what} must be names and values in braces, like {{"scale": 2}}.')
    return value


def _not_a_number(what: str) -> Any:
    def refuse(name: str) -> Any:  # NaN, Infinity: Python reads them, no JSON request carries them
        raise FormProblem(f"{what}: {name} is not a number that can be sent; write a number "
                          "such as 0.5.")
    return refuse


PLAIN_SUFFIX = re.compile(r"\.[a-z0-9]{1,10}")


def store_input_file(path: str | Path, base: Path | None = None) -> str:
    """Copy an uploaded file into the data dir by content hash; its name relative to it.

    Gradio's temporary uploads vanish; a session (and its export) needs a file that stays."""
    source = Path(path)
    digest = hashlib.sha256(source.read_bytes()).hexdigest()[:20]
    folder = (base or data_dir()) / "compare" / "inputs"
    folder.mkdir(parents=True, exist_ok=True)
    # The name is the app's: the hash, and the upload's extension only when it is a plain one
    # (the browser names the upload; anything else in a served file's name is its choice).
    suffix = source.suffix.lower()
    target = folder / f"{digest}{suffix if PLAIN_SUFFIX.fullmatch(suffix) else ''}"
    if not target.exists():
        shutil.copyfile(source, target)
    return relative_name(target, base)


def build_session(task: str, refs: list[str | None], overrides: list[str | None], *,
                  prompt: str | None = None, seed: float | int | None = None,
                  shared_json: str | None = None, file_path: str | None = None,
                  previous: CompareSession | None = None,
                  base: Path | None = None,
                  form_overrides: list[dict[str, Any]] | None = None,
                  form_secrets: list[frozenset[str]] | None = None,
                  file_per_round: bool = False) -> CompareSession:
    """A session from the form; the previous one continues (keeping its rounds and votes)
    when the task and the entries are unchanged. An entry's overrides are its own form's
    values (`form_overrides`, from `entry_overrides`) with its JSON box on top; its files
    (Paths) are copied into the data dir and named in the entry, its secrets
    (`form_secrets`: their names) go to the session's memory only, never into the file.
    With `file_per_round` (a prompt set giving every input its own file) no shared file is
    needed."""
    if task not in TASKS:
        raise FormProblem(f"Choose a task first (one of {', '.join(TASKS)}).")
    entries: list[Entry] = []
    secrets: list[dict[str, str]] = []
    hidden_by_entry: list[frozenset[str]] = []
    for i, ref in enumerate(refs[:MAX_ENTRIES]):
        if not ref or not str(ref).strip():
            continue
        given = dict(form_overrides[i]) if form_overrides and i < len(form_overrides) else {}
        hidden = form_secrets[i] if form_secrets and i < len(form_secrets) else frozenset()
        secret = {k: str(v) for k, v in given.items() if k in hidden}
        files = {k: store_input_file(v, base) for k, v in given.items()
                 if isinstance(v, Path) and k not in secret}
        extra = {k: v for k, v in given.items() if k not in secret and k not in files}
        boxed = parse_json_object(overrides[i] if i < len(overrides) else None,
                                  f"Entry {i + 1}'s Advanced box")
        # A key typed into the Advanced box instead of its password field is still a secret.
        secret.update({k: str(v) for k, v in boxed.items() if k in hidden})
        extra.update({k: v for k, v in boxed.items() if k not in hidden})
        try:
            entries.append(Entry(ref=str(ref), overrides=extra, files=files))
        except ValidationError as exc:
            if any(e["loc"][:1] == ("ref",) for e in exc.errors()):
                raise FormProblem(f"Entry {i + 1}: {str(ref)[:80]!r} is not a model name. Pick "
                                  "one from the list, or type a Replicate model's name such as "
                                  "nightmareai/real-esrgan.") from None
            raise FormProblem(f"Entry {i + 1}'s settings cannot be kept in a comparison: "
                              f"{problem(exc)}.") from None
        secrets.append(secret)
        hidden_by_entry.append(hidden)
    if len(entries) < 2:
        raise FormProblem("Choose at least two entries to compare.")
    inputs = parse_json_object(shared_json, "The Advanced box for every entry")
    for secret, hidden in zip(secrets, hidden_by_entry, strict=True):
        secret.update({k: str(v) for k, v in inputs.items() if k in hidden and k not in secret})
    inputs = {k: v for k, v in inputs.items() if not any(k in h for h in hidden_by_entry)}
    if task in PROMPT_TASKS:
        if not (prompt or "").strip():
            raise FormProblem("Write a prompt first: every entry gets the same one.")
        inputs["prompt"] = prompt
    files: dict[str, str] = {}
    if task in FILE_INPUTS:
        if not file_path and not file_per_round:
            kind = "an image" if FILE_INPUTS[task] == "image" else "a recording"
            raise FormProblem(f"Upload {kind} first: every entry gets the same one.")
        if file_path:
            files[FILE_INPUTS[task]] = store_input_file(file_path, base)
    pinned = None if seed is None or seed == "" else int(seed)
    task_value: Task = task  # type: ignore[assignment]
    try:  # every value checked as a loaded session's would be (see compare/strict.py)
        session = CompareSession(task=task_value, entries=entries, inputs=inputs,
                                 input_files=files, seed=pinned)
    except ValidationError as exc:
        raise FormProblem(f"The inputs cannot be kept in a comparison: {problem(exc)}.") from None
    if previous is not None and previous.task == task and previous.entries == entries:
        session = previous.model_copy(update={"inputs": session.inputs,
                                              "input_files": session.input_files,
                                              "seed": session.seed})
    session.keep_secrets(secrets)
    return session
