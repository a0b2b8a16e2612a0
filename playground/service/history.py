"""The service's side of the run history: a run as the history sees it before it is sent."""

from __future__ import annotations

import asyncio
from typing import Any

from playground.files import FileProblem
from playground.files.uploads import read_source
from playground.history import InputFile
from playground.history.recorder import PendingRun, Recorder
from playground.history.redact import secret_properties

from . import secrets as secret_inputs
from .schema import InputSchema


async def pending_run(recorder: Recorder, schema: InputSchema | None, task: str, ref: str,
                      sent: dict[str, Any], uploads: dict[str, Any], max_side: int | None,
                      deterministic: bool, snippet: str | None = None) -> PendingRun:
    """An identical run is found by the files as the user gave them (and the side they would
    be shrunk to): no image decoded, nothing sent. Secret inputs come from the version's
    schema when it was looked up (`x-cog-secret`)."""
    secrets = secret_properties(schema.properties) if schema else frozenset()
    secrets |= secret_inputs.current()  # the caller's own (e.g. the Models tab's form)

    def keyed() -> PendingRun:
        given: dict[str, Any] = {}
        try:
            for name, value in uploads.items():
                given[name] = InputFile(read_source(value)[1])
        except FileProblem:  # the upload itself will say what is wrong with it
            return recorder.pending(task, ref, sent, deterministic=deterministic,
                                    secret_inputs=secrets, snippet=snippet, keyable=False)
        key_inputs = {**sent, **given, "$max_image_side": max_side} if given else None
        return recorder.pending(task, ref, {**sent, **given}, deterministic=deterministic,
                                secret_inputs=secrets, snippet=snippet, key_inputs=key_inputs)

    # reading and hashing a large upload: off the event loop
    return await asyncio.to_thread(keyed) if uploads else keyed()
