"""Retries: idempotent requests on 429/5xx/network errors; creates only on 429."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from client_helpers import Seen, prediction_json
from replay_server import serve
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from playground.replicate import (
    AsyncClient,
    ConnectionFailed,
    RateLimited,
    Retries,
    RetryNotice,
    ServerError,
    retry_listener,
)
from playground.replicate._retry import parse_retry_after

VERSION = "5c7d5dc6dd8bf75c1acaa8565735e7986bc5b66206b55cca93cb72c9bf15ccaa"
PROBLEM = "application/problem+json"


def _throttled(retry_after: str = "1") -> JSONResponse:
    return JSONResponse({"title": "Too Many Requests", "status": 429,
                         "detail": "Request was throttled. Your rate limit resets in ~1s."},
                        status_code=429, headers={"Retry-After": retry_after}, media_type=PROBLEM)


def _app(seen: Seen, get_statuses: list[int], create_statuses: list[int],
         retry_after: str = "1") -> Starlette:
    """Answers with the listed statuses in turn (then 200/201)."""

    async def get(request: Request) -> JSONResponse:
        await seen.note(request)
        status = get_statuses.pop(0) if get_statuses else 200
        if status == 429:
            return _throttled(retry_after)
        if status >= 500:
            return JSONResponse({"title": "Bad Gateway", "status": status, "detail": "upstream"},
                                status_code=status, media_type=PROBLEM)
        return JSONResponse(prediction_json(request, request.path_params["pid"], "succeeded"))

    async def create(request: Request) -> JSONResponse:
        await seen.note(request)
        status = create_statuses.pop(0) if create_statuses else 201
        if status == 429:
            return _throttled(retry_after)
        if status >= 500:
            return JSONResponse({"title": "Service Unavailable", "status": status,
                                 "detail": "try later"}, status_code=status, media_type=PROBLEM)
        return JSONResponse(prediction_json(request, "p1"), status_code=201)

    return Starlette(routes=[Route("/v1/predictions/{pid}", get),
                             Route("/v1/predictions", create, methods=["POST"])])


async def test_get_429_is_retried_after_retry_after(
    make_client: Callable[..., AsyncClient], sleeps: list[float]
) -> None:
    seen = Seen()
    with serve(_app(seen, [429], [])) as url:
        prediction = await make_client(url).predictions.get("p1")
    assert prediction.status == "succeeded"
    assert seen.counts["GET /v1/predictions/p1"] == 2
    assert sleeps == [1.0]


async def test_create_429_is_retried_once(
    make_client: Callable[..., AsyncClient], sleeps: list[float]
) -> None:
    seen = Seen()
    with serve(_app(seen, [], [429])) as url:
        prediction = await make_client(url).predictions.create(VERSION, {"prompt": "x"})
    assert prediction.id == "p1"
    assert seen.counts["POST /v1/predictions"] == 2
    assert seen.bodies[0] == seen.bodies[1]
    assert sleeps == [1.0]


async def test_retry_listener_hears_each_wait_in_its_own_context(
    make_client: Callable[..., AsyncClient], sleeps: list[float]
) -> None:
    seen = Seen()
    heard: list[RetryNotice] = []
    with serve(_app(seen, [503], [429])) as url:
        client = make_client(url)
        with retry_listener(heard.append):
            await client.predictions.create(VERSION, {"prompt": "x"})
        await client.predictions.get("p1")  # outside the block: nobody is told
    assert [(n.method, n.status, n.wait, n.attempt) for n in heard] == [("POST", 429, 1.0, 1)]
    assert len(sleeps) == 2


async def test_create_503_is_not_retried(
    make_client: Callable[..., AsyncClient], sleeps: list[float]
) -> None:
    seen = Seen()
    with serve(_app(seen, [], [503])) as url:
        with pytest.raises(ServerError) as info:
            await make_client(url).predictions.create(VERSION, {"prompt": "x"})
    assert info.value.status == 503
    assert seen.counts["POST /v1/predictions"] == 1
    assert sleeps == []


async def test_get_5xx_is_retried_then_raises_server_error(
    make_client: Callable[..., AsyncClient], sleeps: list[float]
) -> None:
    seen = Seen()
    with serve(_app(seen, [502, 503, 504, 502, 502], [])) as url:
        with pytest.raises(ServerError) as info:
            await make_client(url).predictions.get("p1")
    assert info.value.status == 502 and "upstream" in str(info.value)
    assert seen.counts["GET /v1/predictions/p1"] == 4  # one try and three retries
    assert len(sleeps) == 3 and all(0 < s <= 20 for s in sleeps)


async def test_retry_after_beyond_the_cap_is_not_waited_for(
    make_client: Callable[..., AsyncClient], sleeps: list[float]
) -> None:
    seen = Seen()
    with serve(_app(seen, [429], [], retry_after="3600")) as url:
        with pytest.raises(RateLimited) as info:
            await make_client(url).predictions.get("p1")
    assert info.value.retry_after == 3600 and "throttled" in str(info.value)
    assert sleeps == [] and seen.counts["GET /v1/predictions/p1"] == 1


def test_retry_after_as_seconds_or_http_date() -> None:
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:05 GMT", now=1445412480.0) == 5.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:05 GMT", now=1445412490.0) == 0.0
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None


def test_backoff_grows_and_is_capped() -> None:
    policy = Retries(backoff=1.0, max_wait=4.0)
    assert 0.5 <= policy.delay(0, None) <= 1.0
    assert 2.0 <= policy.delay(2, None) <= 4.0
    assert 2.0 <= policy.delay(10, None) <= 4.0
    assert policy.delay(0, 30.0) == 4.0


async def test_connection_refused_names_the_url_not_the_token(
    make_client: Callable[..., AsyncClient], sleeps: list[float]
) -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    client = make_client(f"http://127.0.0.1:{port}")
    with pytest.raises(ConnectionFailed) as info:
        await client.account.get()
    message = str(info.value)
    assert f"http://127.0.0.1:{port}/v1/account" in message
    assert "SECRET" not in message and "r8_" not in message
    assert len(sleeps) == 3  # a GET is retried on connection errors


@contextmanager
def _hang_up_server() -> Iterator[tuple[str, list[bytes]]]:
    """A server that reads each request and closes the connection without answering."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(0.05)  # so the loop notices `stop`
    received: list[bytes] = []
    stop = threading.Event()

    def run() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with conn:
                conn.settimeout(5)
                data = b""
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    data += chunk
                received.append(data)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}", received
    finally:
        stop.set()
        thread.join(timeout=5)
        listener.close()


async def test_create_dropped_after_sending_is_never_resent(
    make_client: Callable[..., AsyncClient], sleeps: list[float]
) -> None:
    with _hang_up_server() as (url, received):
        with pytest.raises(ConnectionFailed):
            await make_client(url).predictions.create(VERSION, {"prompt": "x"})
    assert len(received) == 1 and received[0].startswith(b"POST /v1/predictions ")
    assert sleeps == []


async def test_get_dropped_is_retried(
    make_client: Callable[..., AsyncClient], sleeps: list[float]
) -> None:
    with _hang_up_server() as (url, received):
        with pytest.raises(ConnectionFailed):
            await make_client(url).predictions.get("p1")
    assert len(received) == 4 and len(sleeps) == 3
