"""The service's side of the run history: a run as the history sees it before it is sent."""

from __future__ import annotations

import asyncio
from typing import Any

from playground.files import FileProblem
from playground.files.uploads import read_source
from playground.history import InputFile
from playground.history.recorder import PendingRun, Recorder
from playground.history.redact import secret_properties

from .request import RunRequest
from .schema import InputSchema


async def pending_run(recorder: Recorder, request: RunRequest,
                      schema: InputSchema | None) -> PendingRun:
    """`request` as the history sees it, for its caller. An identical run is found by the
    files as the user gave them (and the side they would be shrunk to): no image decoded,
    nothing sent. Secret inputs are the caller's own (e.g. the Models tab's form) and, when
    the version's schema was looked up, its `x-cog-secret` ones."""
    secrets = secret_properties(schema.properties) if schema else frozenset()
    secrets |= request.options.secret_inputs
    sent, uploads = dict(request.inputs), request.uploads

    def pending(inputs: dict[str, Any], key_inputs: dict[str, Any] | None = None,
                keyable: bool = True) -> PendingRun:
        return recorder.pending(request.task, request.ref, inputs,
                                deterministic=request.deterministic,
                                caller=request.options.caller, secret_inputs=secrets,
                                snippet=request.snippet, key_inputs=key_inputs, keyable=keyable)

    def keyed() -> PendingRun:
        given: dict[str, Any] = {}
        try:
            for name, value in uploads.items():
                given[name] = InputFile(read_source(value)[1])
        except FileProblem:  # the upload itself will say what is wrong with it
            return pending(sent, keyable=False)
        key_inputs = {**sent, **given, "$max_image_side": request.max_image_side} \
            if given else None
        return pending({**sent, **given}, key_inputs)

    # reading and hashing a large upload: off the event loop
    return await asyncio.to_thread(keyed) if uploads else keyed()
