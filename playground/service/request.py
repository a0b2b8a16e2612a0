"""One call of a `Service` run method as it goes down, explicitly: nothing rides in the task's
context.

`RunOptions` is how the call runs and for whom (its token, `on_update`, the `Caller` whose run
it is, the secret input names): built once from the public method's keywords. `RunRequest` is
what it runs (the task, the model, the inputs, the files to upload, the image limit, whether an
identical saved run may answer) with those options: built once the preset or the model is
known, and handed to `Runs.pending` / `run` / `stream` / `finished` and the history's
`pending_run` in place of long positional lists. Both are frozen: a step that changes the
inputs (the uploads) makes a new request (`RunRequest.sending`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from playground.files import Source
from playground.files.uploads import Expect
from playground.history import Caller

from .reporting import OnUpdate

# A file a task takes (the `file` of `run_task`, `upscale`'s image, `transcribe`'s audio...):
# a path (str or Path), its bytes, or a PIL image, read and checked before it is sent; a string
# that is already a URL or a `data:` URI is sent as it is.
FileInput = Source


@dataclass(frozen=True)
class RunOptions:
    """How one call runs, and for whom."""

    token: str | None = None  # this call's token (None: the service's own)
    on_update: OnUpdate | None = None  # every RunUpdate of the run
    # whose run, from which tab: the history records it for them, and `reuse`/`seed_chosen`
    # decide whether an identical saved run may answer. None: a script's run, kept for nobody
    caller: Caller | None = None
    secret_inputs: frozenset[str] = frozenset()  # sent, and blanked in all the run leaves

    @classmethod
    def of(cls, token: str | None = None, on_update: OnUpdate | None = None,
           caller: Caller | None = None, secret_inputs: Iterable[str] = ()) -> RunOptions:
        return cls(token or None, on_update, caller, frozenset(secret_inputs))


@dataclass(frozen=True)
class RunRequest:
    """What one call runs, with its options."""

    task: str  # the task table's id, or "model" (run_model, stream_model)
    ref: str  # "owner/name" or "owner/name:version"
    inputs: Mapping[str, Any]  # as they will be sent; the `files` still as given
    options: RunOptions = field(default_factory=RunOptions)
    # the inputs to read, check and upload before sending, and what each must be
    files: Mapping[str, Expect] = field(default_factory=dict)
    max_image_side: int | None = None  # a larger uploaded picture is reduced first
    deterministic: bool = False  # the model gives the same output for the same inputs
    snippet: str | None = None  # what the history lists (a chat's message, not its prompt)
    notes: tuple[str, ...] = ()  # said in the result (a chat's turns left out)
    upload_notes: tuple[str, ...] = ()  # one per file sent (set by `sending`)

    @property
    def uploads(self) -> dict[str, Any]:
        """The files to upload, as given."""
        return {name: self.inputs[name] for name in self.files}

    def sending(self, inputs: Mapping[str, Any], upload_notes: Iterable[str]) -> RunRequest:
        """This request with its files uploaded: `inputs` are now exactly what is sent."""
        return dataclasses.replace(self, inputs=dict(inputs), files={},
                                   upload_notes=tuple(upload_notes))
