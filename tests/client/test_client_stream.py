"""client.stream(): server-sent events, and the polling fallback when the stream breaks."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from client_helpers import Seen, prediction_json
from replay_server import serve
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, StreamingResponse
from starlette.routing import Route

from playground.replicate import AsyncClient, PredictionFailed, ServerSentEvent

FULL = ["Hello", " a", " wor", "ld", "\nbye"]  # the model's complete output, as pieces

GOOD_STREAM = [
    b": keep-alive\n\n",
    b"event: output\nid: 1\ndata: Hello\n\n",
    b"event: output\nid: 2\ndata:  a\n\n",  # the token " a": one space is the separator
    b"event: logs\nid: 3\ndata: step 1/3\n\n",
    b": keep-alive\n\n",
    b"event: output\nid: 4\ndata:  wor\n\n",
    b"event: output\nid: 5\ndata: ld\ndata: bye\n\n",  # multi-line data: "ld\nbye"
    b"event: done\nid: 6\ndata: {}\n\n",
]


class StreamAPI:
    """Creates one streaming prediction; the stream sends `chunks`, then maybe breaks."""

    def __init__(self, chunks: list[bytes], *, then: str = "end",
                 final: dict[str, Any] | None = None, stream_base: str | None = None) -> None:
        self.chunks = chunks
        self.then = then  # "end" (close cleanly) or "break" (drop the connection)
        self.final = final or {"status": "succeeded", "output": FULL}
        self.stream_base = stream_base
        self.seen = Seen()
        self.app = Starlette(routes=[
            Route("/v1/models/{owner}/{name}/predictions", self.create, methods=["POST"]),
            Route("/v1/predictions/{pid}", self.get),
            Route("/stream/{pid}", self.stream),
        ])

    async def create(self, request: Request) -> JSONResponse:
        await self.seen.note(request)
        base = self.stream_base or str(request.base_url).rstrip("/")
        return JSONResponse(prediction_json(request, "p1", "starting",
                                            stream_url=f"{base}/stream/p1"), status_code=201)

    async def get(self, request: Request) -> JSONResponse:
        await self.seen.note(request)
        return JSONResponse(prediction_json(request, "p1", **self.final))

    async def stream(self, request: Request) -> StreamingResponse:
        await self.seen.note(request)

        async def body() -> AsyncIterator[bytes]:
            for chunk in self.chunks:
                yield chunk
            if self.then == "break":
                raise ConnectionResetError("simulated drop in the middle of the stream")

        return StreamingResponse(body(), media_type="text/event-stream")


async def _collect(client: AsyncClient) -> list[ServerSentEvent]:
    return [event async for event in client.stream("acme/llm", {"prompt": "hi"})]


async def test_stream_yields_typed_events(make_client: Callable[..., AsyncClient]) -> None:
    api = StreamAPI(GOOD_STREAM)
    with serve(api.app) as url:
        client = make_client(url)
        stream = client.stream("acme/llm", {"prompt": "hi"})
        events = [event async for event in stream]
    assert [e.event for e in events] == ["output", "output", "logs", "output", "output", "done"]
    assert [e.id for e in events] == ["1", "2", "3", "4", "5", "6"]
    assert all(e.prediction_id == "p1" for e in events)
    text = "".join(e.data for e in events if e.event == "output")
    assert text == "".join(FULL) == "Hello a world\nbye"
    stream_request = api.seen.headers[1]
    assert stream_request["accept"] == "text/event-stream"
    assert stream_request["authorization"].startswith("Bearer r8_")  # same host: sent
    assert stream.prediction is not None and stream.prediction.status == "succeeded"
    assert api.seen.bodies[0] == b'{"input":{"prompt":"hi"},"stream":true}'


@pytest.mark.parametrize("then", ["break", "end"])
async def test_broken_stream_falls_back_to_polling_without_loss_or_repeat(
    then: str, make_client: Callable[..., AsyncClient]
) -> None:
    api = StreamAPI(GOOD_STREAM[:4], then=then)  # "Hello", " a", a log line, then trouble
    with serve(api.app) as url:
        events = await _collect(make_client(url))
    outputs = [e.data for e in events if e.event == "output"]
    assert outputs == ["Hello", " a", " world\nbye"]
    assert "".join(outputs) == "".join(FULL)
    assert events[-1].event == "done"
    assert api.seen.counts["GET /v1/predictions/p1"] >= 1
    assert api.seen.counts["POST /v1/models/acme/llm/predictions"] == 1


async def test_stream_that_fails_to_open_is_polled(
    make_client: Callable[..., AsyncClient],
) -> None:
    api = StreamAPI(GOOD_STREAM, stream_base="http://127.0.0.1:9")  # nothing listens there
    with serve(api.app) as url:
        events = await _collect(make_client(url))
    assert "".join(e.data for e in events if e.event == "output") == "".join(FULL)


async def test_error_event_raises_prediction_failed(
    make_client: Callable[..., AsyncClient],
) -> None:
    chunks = [GOOD_STREAM[1], b'event: error\nid: 2\ndata: {"detail": "ran out of memory"}\n\n']
    api = StreamAPI(chunks, final={"status": "failed", "error": None, "logs": "oom at step 2"})
    got: list[ServerSentEvent] = []
    with serve(api.app) as url:
        with pytest.raises(PredictionFailed) as info:
            async for event in make_client(url).stream("acme/llm", {}):
                got.append(event)
    assert [e.data for e in got] == ["Hello"]
    assert info.value.error == "ran out of memory" and info.value.logs == "oom at step 2"


async def test_failed_prediction_after_broken_stream_raises(
    make_client: Callable[..., AsyncClient],
) -> None:
    api = StreamAPI(GOOD_STREAM[:2], then="break",
                    final={"status": "failed", "error": "killed", "output": ["Hello"]})
    with serve(api.app) as url:
        with pytest.raises(PredictionFailed, match="killed"):
            await _collect(make_client(url))


async def test_no_token_to_a_stream_on_another_host(
    make_client: Callable[..., AsyncClient],
) -> None:
    streamer = StreamAPI(GOOD_STREAM)
    with serve(streamer.app) as stream_url:
        api = StreamAPI([], stream_base=stream_url)
        with serve(api.app) as url:
            events = await _collect(make_client(url))
    assert "".join(e.data for e in events if e.event == "output") == "".join(FULL)
    assert "authorization" in api.seen.headers[0]
    assert "authorization" not in streamer.seen.headers[0]
