"""Real HTTP servers on loopback for tests: any ASGI app in a thread, and a cassette replayer.

    with serve(app) as url: ...                       # any Starlette/ASGI app
    with ReplayServer(["predictions-get"]) as srv:    # tests/fixtures/cassettes/*.yaml
        client = AsyncClient(base_url=srv.url)
        ...
        assert srv.requests[0].method == "GET"

The replayer matches requests by method + path (+ query when recorded with one), answers with
the recorded exchanges for that route in recorded order (repeating the last one when they run
out), and rewrites `https://api.replicate.com` in bodies to its own URL.

When the cassettes mention `https://replicate.delivery` (output files; its subdomains, cover
images, too), a second loopback server stands in for it (`srv.delivery_url`, requests in
`srv.delivery_requests`): bodies point there instead, and it serves the recorded downloads. A
separate origin, like the real one, so a test can check the API token is not sent along with
downloads.
"""

from __future__ import annotations

import functools
import gzip
import re
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
DELIVERY_ORIGIN = "https://replicate.delivery"
DELIVERY_HOST = "replicate.delivery"
# Its subdomains too (cover images are on tjzk.replicate.delivery): nothing reaches the internet.
_DELIVERY_ORIGINS = re.compile(rb"https://(?:[a-z0-9-]+\.)?replicate\.delivery(?=[/\"])")
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
    delivery_requests: list[ReceivedRequest] = field(default_factory=list)
    delivery_url: str = ""

    def __post_init__(self) -> None:
        self._routes: dict[str, deque[Exchange]] = defaultdict(deque)
        self._last: dict[str, Exchange] = {}
        self._lock = threading.Lock()
        self._downloads: dict[str, Exchange] = {}
        mentions_delivery = False
        for name in self.cassettes:
            for exchange in load_cassette(name, self.directory):
                self._routes[_key(exchange.method, exchange.path, exchange.query)].append(
                    exchange)
                if exchange.host == DELIVERY_HOST and exchange.method == "GET":
                    self._downloads.setdefault(exchange.path, exchange)
                mentions_delivery = mentions_delivery or DELIVERY_ORIGIN.encode() in exchange.body
        self._server = ServerThread(self._app)
        self._delivery = (ServerThread(self._delivery_app)
                          if self._downloads or mentions_delivery else None)

    def __enter__(self) -> ReplayServer:
        if self._delivery is not None:  # first: API bodies point at it
            self.delivery_url = self._delivery.start()
        self.url = self._server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.stop()
        if self._delivery is not None:
            self._delivery.stop()

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
            if self.delivery_url:
                content = _DELIVERY_ORIGINS.sub(self.delivery_url.encode(), content)
            response = _recorded(exchange, content)
        await response(scope, receive, send)

    async def _delivery_app(self, scope: Scope, receive: Receive, send: Send) -> None:
        """replicate.delivery: any GET gets the recorded file at that path or, failing that, the
        first recorded download. The cassettes hold a run's output URLs but not those files'
        bytes (e.g. run.yaml's out-0.png); file-prediction.yaml's PNG stands in for them."""
        if scope["type"] != "http":
            return
        request = Request(scope, receive)
        body = await request.body()
        self.delivery_requests.append(ReceivedRequest(
            request.method, request.url.path, request.url.query, dict(request.headers), body))
        exchange = self._downloads.get(request.url.path) or next(
            iter(self._downloads.values()), None)
        if request.method not in ("GET", "HEAD") or exchange is None:
            response: Response = Response(b"Not Found", status_code=404,
                                          media_type="text/plain")
        else:
            response = _recorded(exchange, exchange.body)
        await response(scope, receive, send)


def _recorded(exchange: Exchange, content: bytes) -> Response:
    response = Response(content, status_code=exchange.status)
    for name, value in exchange.headers:
        response.headers.append(name, value)
    return response


def _key(method: str, path: str, query: str) -> str:
    return f"{method} {path}?{query}" if query else f"{method} {path}"
