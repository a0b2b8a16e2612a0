"""Real HTTP servers on loopback for tests: any ASGI app in a thread, and a cassette replayer.

    with serve(app) as url: ...                       # any Starlette/ASGI app
    with ReplayServer(["predictions-get"]) as srv:    # tests/fixtures/cassettes/*.yaml
        client = AsyncClient(base_url=srv.url)
        ...
        assert srv.requests[0].method == "GET"

The replayer matches requests by method + path (+ query when recorded with one), answers with
the recorded exchanges for that route in recorded order (repeating the last one when they run
out), and rewrites `https://api.replicate.com` in bodies to its own URL.
"""

from __future__ import annotations

import functools
import gzip
import socket
import threading
import time
from collections import defaultdict, deque
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import uvicorn
import yaml
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

CASSETTES = Path(__file__).parent / "fixtures" / "cassettes"
RECORDED_ORIGIN = "https://api.replicate.com"
# Hop-by-hop or encoding headers that no longer describe the body we send.
_DROP_HEADERS = {"content-encoding", "content-length", "transfer-encoding", "connection", "date",
                 "server"}


class ServerThread:
    """Run an ASGI app with uvicorn on 127.0.0.1 (a free port) in a daemon thread."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.url = ""
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> str:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # no 40 ms delayed-ACK stalls
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        config = uvicorn.Config(self.app, log_level="warning", lifespan="off", interface="asgi3",
                                timeout_graceful_shutdown=1)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]},
                                        daemon=True, name=f"test-server-{port}")
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("test server did not start")
            time.sleep(0.01)
        self.url = f"http://127.0.0.1:{port}"
        return self.url

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> ServerThread:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


@contextmanager
def serve(app: ASGIApp) -> Iterator[str]:
    """`with serve(app) as url:` the app listens on loopback for the duration."""
    with ServerThread(app) as server:
        yield server.url


@dataclass
class Exchange:
    """One recorded request/response pair."""

    method: str
    uri: str
    request_body: bytes
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    cassette: str = ""

    @property
    def host(self) -> str:
        return urlsplit(self.uri).netloc

    @property
    def path(self) -> str:
        return urlsplit(self.uri).path

    @property
    def query(self) -> str:
        return urlsplit(self.uri).query

    @property
    def content_type(self) -> str:
        return next((v for k, v in self.headers if k.lower() == "content-type"), "")


def _bytes(value: Any) -> bytes:
    if value is None:
        return b""
    if isinstance(value, dict):  # vcrpy: {"string": ...}
        value = value.get("string", b"")
    data = value if isinstance(value, bytes) else str(value).encode()
    if data[:2] == b"\x1f\x8b":  # vcrpy keeps gzip bodies compressed
        data = gzip.decompress(data)
    return data


_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C loader is ~10x faster


@functools.lru_cache(maxsize=64)
def load_cassette(name: str, directory: Path = CASSETTES) -> tuple[Exchange, ...]:
    """Both recorder formats in the fixtures: respx-style (`content`, `status_code`) and
    vcrpy-style (`body.string`, `status.code`). An empty cassette gives no exchanges."""
    path = Path(name) if Path(name).suffix == ".yaml" and Path(name).exists() else (
        directory / (name if name.endswith(".yaml") else f"{name}.yaml"))
    data = yaml.load(path.read_text(), Loader=_Loader) or {}
    exchanges = []
    for item in data.get("interactions") or []:
        request, response = item["request"], item["response"]
        status = response.get("status_code") or (response.get("status") or {}).get("code", 200)
        body = response["content"] if "content" in response else response.get("body")
        headers = [(k, str(v)) for k, values in (response.get("headers") or {}).items()
                   for v in (values if isinstance(values, list) else [values])
                   if k.lower() not in _DROP_HEADERS]
        exchanges.append(Exchange(
            method=request["method"].upper(), uri=request["uri"],
            request_body=_bytes(request.get("body")), status=int(status), headers=headers,
            body=_bytes(body), cassette=path.stem,
        ))
    return tuple(exchanges)


def cassette_names(directory: Path = CASSETTES) -> list[str]:
    return sorted(p.stem for p in directory.glob("*.yaml"))


@dataclass
class ReceivedRequest:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes


@dataclass
class ReplayServer:
    """Serve recorded exchanges over real HTTP. Use as a context manager; see the module doc."""

    cassettes: Iterable[str]
    directory: Path = CASSETTES
    requests: list[ReceivedRequest] = field(default_factory=list)
    url: str = ""

    def __post_init__(self) -> None:
        self._routes: dict[str, deque[Exchange]] = defaultdict(deque)
        self._last: dict[str, Exchange] = {}
        self._lock = threading.Lock()
        for name in self.cassettes:
            for exchange in load_cassette(name, self.directory):
                self._routes[_key(exchange.method, exchange.path, exchange.query)].append(
                    exchange)
        self._server = ServerThread(self._app)

    def __enter__(self) -> ReplayServer:
        self.url = self._server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.stop()

    def count(self, method: str, path: str) -> int:
        return sum(1 for r in self.requests if r.method == method and r.path == path)

    def _next(self, method: str, path: str, query: str) -> Exchange | None:
        with self._lock:
            for key in (_key(method, path, query), _key(method, path, "")):
                queue = self._routes.get(key)
                if queue:
                    self._last[key] = queue.popleft()
                    return self._last[key]
                if key in self._last:
                    return self._last[key]
        return None

    async def _app(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        request = Request(scope, receive)
        body = await request.body()
        self.requests.append(ReceivedRequest(request.method, request.url.path,
                                             request.url.query, dict(request.headers), body))
        exchange = self._next(request.method, request.url.path, request.url.query)
        if exchange is None:
            response: Response = JSONResponse(
                {"title": "Not recorded", "status": 404,
                 "detail": f"no recorded exchange for {request.method} {request.url.path}"},
                status_code=404, media_type="application/problem+json")
        else:
            content = exchange.body.replace(RECORDED_ORIGIN.encode(), self.url.encode())
            response = Response(content, status_code=exchange.status)
            for name, value in exchange.headers:
                response.headers.append(name, value)
        await response(scope, receive, send)


def _key(method: str, path: str, query: str) -> str:
    return f"{method} {path}?{query}" if query else f"{method} {path}"
