"""client.predictions (and the create used by deployments)."""

from __future__ import annotations

import asyncio
import inspect
import math
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypedDict, Unpack

import httpx

from . import errors
from ._http import DEFAULT_TIMEOUT, Requester
from ._refs import parse_ref
from ._resource import Resource, page_path
from .types import Page, Prediction

OnUpdate = Callable[[Prediction], Awaitable[None] | None]

POLL_FIRST = 0.25
POLL_MAX = 2.0
_sleep = asyncio.sleep  # the poll pause; a module attribute so tests can record it
_CANCEL_AFTER = re.compile(r"^(\d+h)?(\d+m)?(\d+(\.\d+)?s)?$|^\d+$")


def _id(prediction: Prediction | str) -> str:
    return prediction.id if isinstance(prediction, Prediction) else prediction


def prefer_header(wait: bool | int | None) -> tuple[dict[str, str], float | None]:
    """`Prefer: wait[=N]` and how long the server may hold the request (for the read timeout)."""
    if wait is None or wait is False:
        return {}, None
    if wait is True:
        return {"Prefer": "wait"}, 60.0
    seconds = max(1, min(60, int(wait)))
    return {"Prefer": f"wait={seconds}"}, float(seconds)


def cancel_after_header(cancel_after: float | str | None) -> dict[str, str]:
    if cancel_after is None:
        return {}
    if isinstance(cancel_after, int | float):
        return {"Cancel-After": f"{cancel_after:g}s"}
    value = cancel_after.strip()
    if not value or not _CANCEL_AFTER.match(value):
        raise ValueError(f"cancel_after must be seconds or like '30s', '5m', '1h30m': {value!r}")
    return {"Cancel-After": value}


class CreateOptions(TypedDict, total=False):
    """Keyword options of every prediction create (`predictions.create`, deployments)."""

    webhook: str | None
    webhook_events_filter: list[str] | None
    wait: bool | int | None
    cancel_after: float | str | None
    stream: bool | None
    token: str | None


class RunOptions(CreateOptions, total=False):
    """`run()`'s options: a create's, how long to wait in all, and a status listener."""

    timeout: float | None
    on_update: OnUpdate | None


def _check_options(options: Mapping[str, Any], allowed: Any) -> None:
    # TypedDict kwargs are not checked at run time: keep a misspelt option an error
    unknown = sorted(set(options) - allowed.__required_keys__ - allowed.__optional_keys__)
    if unknown:
        raise TypeError(f"unexpected keyword argument(s): {', '.join(unknown)}")


def _check_sendable(value: Any, field: str) -> None:
    """Refuses, as the server would (422), what JSON cannot carry: NaN and infinities, and text
    with lone surrogates. Sent anyway, they would fail inside the HTTP layer instead."""
    problem = None
    if isinstance(value, float) and not math.isfinite(value):
        problem = f"{value} is not a number that can be sent"
    elif isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            problem = "the text holds a broken character (a lone surrogate)"
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_sendable(item, f"{field}.{key}")
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            _check_sendable(item, f"{field}.{i}")
    if problem:
        raise errors.InvalidInput(
            422, "Input cannot be sent", f"{field}: {problem}",
            invalid_fields=[{"field": field, "description": problem}])


async def create_prediction(
    requester: Requester, path: str, body: dict[str, Any], **options: Unpack[CreateOptions]
) -> Prediction:
    _check_options(options, CreateOptions)
    _check_sendable(body.get("input"), "input")
    webhook = options.get("webhook")
    webhook_events_filter = options.get("webhook_events_filter")
    stream = options.get("stream")
    if webhook is not None:
        body["webhook"] = webhook
    if webhook_events_filter is not None:
        body["webhook_events_filter"] = list(webhook_events_filter)
    if stream is not None:
        body["stream"] = bool(stream)
    headers, hold = prefer_header(options.get("wait"))
    headers.update(cancel_after_header(options.get("cancel_after")))
    timeout = None
    if hold is not None:
        # The server may hold the request for `hold` seconds before answering.
        read = max(DEFAULT_TIMEOUT.read or 0.0, hold + 5.0)
        timeout = httpx.Timeout(DEFAULT_TIMEOUT.connect, read=read, write=read, pool=read)
    response = await requester.request(
        "POST", path, retry="create", token=options.get("token"), headers=headers, json=body,
        timeout=timeout,
    )
    return Prediction.model_validate(response.json())


class Predictions(Resource):
    async def create(self, ref: str, input: dict[str, Any] | None = None,
                     **options: Unpack[CreateOptions]) -> Prediction:
        """Start a prediction. `ref`: a version id, `owner/name:version` or `owner/name`."""
        parsed = parse_ref(ref)
        body: dict[str, Any] = {"input": dict(input or {})}
        if parsed.version is not None:
            path = "/v1/predictions"
            body["version"] = parsed.version
        else:
            path = f"/v1/models/{parsed.owner}/{parsed.name}/predictions"
        return await create_prediction(self._requester, path, body, **options)

    async def get(self, id: Prediction | str, *, token: str | None = None) -> Prediction:
        return await self._get(Prediction, f"/v1/predictions/{_id(id)}", token=token)

    async def list(self, cursor: str | None = None, *,
                   token: str | None = None) -> Page[Prediction]:
        """Newest first; pass `page.next` as `cursor` for the next page."""
        return await self._get(Page[Prediction], page_path("/v1/predictions", cursor), token=token)

    async def cancel(self, id: Prediction | str, *, token: str | None = None) -> Prediction:
        # Canceling twice is harmless, so it may be retried like a GET.
        response = await self._requester.request(
            "POST", f"/v1/predictions/{_id(id)}/cancel", retry="idempotent", token=token
        )
        return Prediction.model_validate(response.json())

    async def wait(
        self,
        prediction: Prediction | str,
        timeout: float | None = None,
        on_update: OnUpdate | None = None,
        *,
        token: str | None = None,
    ) -> Prediction:
        """Poll (0.25 s, growing to 2 s) until the status is terminal; returns it either way.

        On `timeout` (seconds overall) the prediction is canceled and PredictionTimedOut raised.
        `on_update` (sync or async) gets every polled state. `starting`/`processing` answers
        to `Prefer: wait` just mean "not finished yet".
        """
        current = prediction if isinstance(prediction, Prediction) else await self.get(
            prediction, token=token)
        deadline = None if timeout is None else time.monotonic() + timeout
        interval = POLL_FIRST
        while not current.done:
            if deadline is not None:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise errors.PredictionTimedOut(await self._cancel_quietly(current, token),
                                                    timeout or 0.0)
                await _sleep(min(interval, remaining))
            else:
                await _sleep(interval)
            interval = min(interval * 1.5, POLL_MAX)
            current = await self.get(current.id, token=token)
            if on_update is not None:
                result = on_update(current)
                if inspect.isawaitable(result):
                    await result
        return current

    async def run(self, ref: str, input: dict[str, Any] | None = None,
                  **options: Unpack[RunOptions]) -> Prediction:
        """Create, wait until terminal, raise unless it succeeded; returns the Prediction.
        `wait` defaults to True (`Prefer: wait`)."""
        _check_options(options, RunOptions)
        started = time.monotonic()
        timeout = options.pop("timeout", None)
        on_update = options.pop("on_update", None)
        token = options.pop("token", None)
        wait = options.pop("wait", True)
        if wait is True and timeout is not None:
            wait = max(1, min(60, int(timeout)))  # don't let the server hold us past the timeout
        current = await self.create(ref, input, wait=wait or None, token=token, **options)
        if on_update is not None:
            result = on_update(current)
            if inspect.isawaitable(result):
                await result
        remaining = None if timeout is None else max(timeout - (time.monotonic() - started), 0.0)
        current = await self.wait(current, timeout=remaining, on_update=on_update, token=token)
        return raise_for_status(current)

    async def _cancel_quietly(self, prediction: Prediction, token: str | None) -> Prediction:
        try:
            return await self.cancel(prediction.id, token=token)
        except errors.ReplicateError:
            return prediction


def raise_for_status(prediction: Prediction) -> Prediction:
    """Raise PredictionFailed / PredictionCanceled for those terminal states."""
    if prediction.status == "failed":
        raise errors.PredictionFailed(prediction)
    if prediction.status in ("canceled", "aborted"):
        raise errors.PredictionCanceled(prediction)
    return prediction
