"""Predictions: create, Prefer: wait, polling, timeouts, run(), tokens."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from client_helpers import TOKEN, Seen, prediction_json
from replay_server import serve
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from playground.replicate import (
    AsyncClient,
    Prediction,
    PredictionCanceled,
    PredictionFailed,
    PredictionTimedOut,
    _predictions,
    redact,
)


class FakeAPI:
    """Create answers `create_status`; each GET walks through `polls`, then stays on the last."""

    def __init__(self, create_status: str = "starting", polls: list[dict[str, Any]] | None = None,
                 ) -> None:
        self.seen = Seen()
        self.create_status = create_status
        self.polls = polls or [{"status": "succeeded", "output": "done"}]
        self.canceled = False
        self.app = Starlette(routes=[
            Route("/v1/predictions", self.create, methods=["POST"]),
            Route("/v1/models/{owner}/{name}/predictions", self.create, methods=["POST"]),
            Route("/v1/deployments/{owner}/{name}/predictions", self.create, methods=["POST"]),
            Route("/v1/predictions/{pid}", self.get),
            Route("/v1/predictions/{pid}/cancel", self.cancel, methods=["POST"]),
            Route("/v1/account", self.account),
        ])

    async def create(self, request: Request) -> JSONResponse:
        await self.seen.note(request)
        return JSONResponse(prediction_json(request, "p1", self.create_status), status_code=201)

    async def get(self, request: Request) -> JSONResponse:
        await self.seen.note(request)
        if self.canceled:
            return JSONResponse(prediction_json(request, "p1", "canceled"))
        state = self.polls.pop(0) if len(self.polls) > 1 else self.polls[0]
        return JSONResponse(prediction_json(request, "p1", **state))

    async def cancel(self, request: Request) -> JSONResponse:
        await self.seen.note(request)
        self.canceled = True
        return JSONResponse(prediction_json(request, "p1", "canceled"))

    async def account(self, request: Request) -> JSONResponse:
        await self.seen.note(request)
        return JSONResponse({"type": "user", "username": "tester", "name": "Tester"})


async def test_prefer_wait_starting_means_keep_polling(
    make_client: Callable[..., AsyncClient],
) -> None:
    api = FakeAPI("starting", [{"status": "processing"}, {"status": "starting"},
                               {"status": "succeeded", "output": ["a", "b"]}])
    updates: list[str] = []
    with serve(api.app) as url:
        output = await make_client(url).run(
            "acme/model", {"prompt": "hi"}, on_update=lambda p: updates.append(p.status))
    assert output == ["a", "b"]
    assert api.seen.headers[0]["prefer"] == "wait"
    assert api.seen.counts["GET /v1/predictions/p1"] == 3
    assert updates == ["starting", "processing", "starting", "succeeded"]


async def test_wait_backoff_grows_to_the_2s_cap(
    make_client: Callable[..., AsyncClient], monkeypatch: pytest.MonkeyPatch,
) -> None:
    pauses: list[float] = []

    async def record(seconds: float) -> None:
        pauses.append(seconds)

    monkeypatch.setattr(_predictions, "_sleep", record)
    api = FakeAPI("starting", [{"status": "processing"}] * 11 + [{"status": "succeeded"}])
    with serve(api.app) as url:
        client = make_client(url)
        done = await client.predictions.wait(await client.predictions.create(
            "acme/model", {"prompt": "hi"}))
    assert done.status == "succeeded" and len(pauses) == 12
    assert pauses[0] == pytest.approx(0.25)
    assert all(b >= a for a, b in zip(pauses, pauses[1:], strict=False))  # never shrinks
    assert pauses[1] > pauses[0] and max(pauses) == pytest.approx(2.0)  # grows, then capped
    assert pauses[-3:] == [pytest.approx(2.0)] * 3


async def test_create_options_become_headers_and_body(
    make_client: Callable[..., AsyncClient],
) -> None:
    api = FakeAPI()
    with serve(api.app) as url:
        client = make_client(url)
        await client.predictions.create(
            "acme/model:" + "c" * 64, {"x": 1}, webhook="https://example.com/hook",
            webhook_events_filter=["completed"], wait=5, cancel_after="5m", stream=True)
        await client.predictions.create("acme/model", {}, cancel_after=90)
        await client.deployments.predictions.create("acme/deploy", {"y": 2}, wait=True)
    first, second, third = (json.loads(b) for b in api.seen.bodies)
    assert first == {"input": {"x": 1}, "version": "c" * 64, "stream": True,
                     "webhook": "https://example.com/hook", "webhook_events_filter": ["completed"]}
    assert api.seen.headers[0]["prefer"] == "wait=5"
    assert api.seen.headers[0]["cancel-after"] == "5m"
    assert second == {"input": {}} and api.seen.headers[1]["cancel-after"] == "90s"
    assert "prefer" not in api.seen.headers[1]
    assert third == {"input": {"y": 2}} and api.seen.headers[2]["prefer"] == "wait"
    assert list(api.seen.counts) == ["POST /v1/predictions",
                                     "POST /v1/models/acme/model/predictions",
                                     "POST /v1/deployments/acme/deploy/predictions"]


async def test_wait_timeout_cancels_the_prediction(
    make_client: Callable[..., AsyncClient],
) -> None:
    api = FakeAPI("starting", [{"status": "processing"}])
    with serve(api.app) as url:
        client = make_client(url)
        prediction = await client.predictions.create("acme/model", {})
        with pytest.raises(PredictionTimedOut) as info:
            await client.predictions.wait(prediction, timeout=0.6)
    assert api.seen.counts["POST /v1/predictions/p1/cancel"] == 1
    assert info.value.prediction.status == "canceled"
    assert "did not finish within 0.6 s" in str(info.value)


async def test_run_raises_prediction_failed_with_error_and_logs(
    make_client: Callable[..., AsyncClient],
) -> None:
    api = FakeAPI("processing", [{"status": "failed", "error": "CUDA out of memory",
                                  "logs": "loading\nstep 1\nboom"}])
    with serve(api.app) as url:
        with pytest.raises(PredictionFailed) as info:
            await make_client(url).run("acme/model", {})
    assert info.value.error == "CUDA out of memory" and "step 1" in info.value.logs
    assert "CUDA out of memory" in str(info.value) and "boom" in str(info.value)


async def test_run_raises_prediction_canceled(make_client: Callable[..., AsyncClient]) -> None:
    api = FakeAPI("starting", [{"status": "canceled"}])
    with serve(api.app) as url:
        with pytest.raises(PredictionCanceled):
            await make_client(url).run("acme/model", {}, wait=False)
    assert "prefer" not in api.seen.headers[0]


async def test_run_returns_at_once_when_prefer_wait_finished_it(
    make_client: Callable[..., AsyncClient],
) -> None:
    api = FakeAPI("succeeded")
    with serve(api.app) as url:
        await make_client(url).run("acme/model", {}, timeout=10)
    assert api.seen.headers[0]["prefer"] == "wait=10"  # never held past our own timeout
    assert api.seen.counts["GET /v1/predictions/p1"] == 0


async def test_per_call_token_overrides_the_client_token(
    make_client: Callable[..., AsyncClient],
) -> None:
    api = FakeAPI()
    with serve(api.app) as url:
        await make_client(url).account.get()
        await make_client(url).account.get(token="r8_userToken000000000001")
        await make_client(url).predictions.get("p1", token="r8_userToken000000000002")
        await make_client(url, token=None).account.get()
    auth = [h.get("authorization") for h in api.seen.headers]
    assert auth == [f"Bearer {TOKEN}", "Bearer r8_userToken000000000001",
                    "Bearer r8_userToken000000000002", None]


async def test_env_is_read_once_at_construction(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    api = FakeAPI()
    with serve(api.app) as url:
        monkeypatch.setenv("REPLICATE_API_TOKEN", "r8_fromEnvironment00000001")
        monkeypatch.setenv("REPLICATE_BASE_URL", url + "/v1/")
        async with AsyncClient() as client:
            monkeypatch.setenv("REPLICATE_API_TOKEN", "r8_changedLater0000000002")
            monkeypatch.setenv("REPLICATE_BASE_URL", "http://127.0.0.1:9")
            account = await client.account.get()
    assert account.username == "tester"
    assert api.seen.headers[0]["authorization"] == "Bearer r8_fromEnvironment00000001"
    assert client.base_url == url


def test_token_is_redacted_in_repr() -> None:
    client = AsyncClient(token=TOKEN, base_url="http://127.0.0.1:9")
    assert TOKEN not in repr(client) and "r8_****1234" in repr(client)
    assert redact("short") == "****" and redact(None) == "None"
    assert redact("abcdefghijklmnop") == "****mnop"


def test_prediction_keeps_unknown_fields() -> None:
    p = Prediction.model_validate({"id": "x", "status": "aborted", "deadline": "soon",
                                   "output": ["a", None, "b"]})
    assert p.done and p.output_text() == "ab" and p.model_extra == {"deadline": "soon"}
