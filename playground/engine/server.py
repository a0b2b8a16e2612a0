"""The engine's app: a Replicate-compatible `/v1` API over a set of local models.

`create_app` builds the Starlette app; `EngineThread` runs it in-process (the playground app
does); `serve` runs it in the foreground (`playground engine`).
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import sys
import threading
from collections.abc import AsyncIterator, Iterable
from pathlib import Path
from types import TracebackType
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware

from . import routes_files, routes_models, routes_not_implemented, routes_predictions
from .auth import TokenAuth
from .bodies import MAX_LARGE
from .fetch import MAX_BYTES
from .kept import KEEP_FOR
from .kept import MAX_BYTES as KEPT_MAX
from .models.base import EngineModel
from .problems import Problem, handle_http_exception, handle_problem
from .runner import UNLOAD_AFTER
from .state import Engine

ENGINE_PORT = 8008  # `playground engine`'s, and the embedded engine's when it is free
TOKEN_ENV = "PLAYGROUND_ENGINE_TOKEN"
PRIVATE_URLS_ENV = "PLAYGROUND_ENGINE_ALLOW_PRIVATE_URLS"
KEPT_ENV = "PLAYGROUND_ENGINE_KEPT_INPUTS_MB"
UNLOAD_ENV = "PLAYGROUND_ENGINE_UNLOAD_AFTER"


def create_app(
    models: Iterable[EngineModel],
    data_dir: Path,
    token: str | None = None,
    public_url: str | None = None,
    allow_private_urls: bool = False,
    *,
    keepalive: float = 15.0,
    max_file_size: int = MAX_BYTES,
    max_large_bodies: int = MAX_LARGE,
    max_kept_inputs: int | None = None,
    keep_inputs_for: float = KEEP_FOR,
    unload_after: float | None = None,
) -> Starlette:
    """`keepalive` (SSE comment interval), `max_file_size`, `max_large_bodies` (requests over
    1 MiB read at once) and `keep_inputs_for` (seconds a kept input lasts after its
    prediction) exist for tests. `max_kept_inputs` (bytes of kept inputs in all) defaults to
    $PLAYGROUND_ENGINE_KEPT_INPUTS_MB MiB, else 2 GiB. `unload_after` (seconds a model sits
    unused before it is unloaded; 0: never) defaults to $PLAYGROUND_ENGINE_UNLOAD_AFTER, else
    10 minutes."""
    if unload_after is None:
        unload_after = unload_after_from_env()
    if max_kept_inputs is None:
        mib = os.environ.get(KEPT_ENV, "").strip()
        try:
            max_kept_inputs = int(float(mib) * 2**20) if mib else KEPT_MAX
        except ValueError:
            raise SystemExit(f"{KEPT_ENV} must be a number of MiB, not {mib[:40]!r}") from None
    engine = Engine(models, Path(data_dir), token=token, public_url=public_url,
                    allow_private_urls=allow_private_urls, keepalive=keepalive,
                    max_large_bodies=max_large_bodies, max_kept=max_kept_inputs,
                    keep_for=keep_inputs_for, unload_after=unload_after)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        engine.close()

    app = Starlette(
        routes=(routes_predictions.routes + routes_models.routes + routes_files.routes
                + routes_not_implemented.routes),
        middleware=[Middleware(TokenAuth, token=token)],
        exception_handlers={Problem: handle_problem, HTTPException: handle_http_exception},
        lifespan=lifespan,
    )
    app.state.engine = engine
    app.state.max_file_size = max_file_size
    return app


def unload_after_from_env() -> float:
    """$PLAYGROUND_ENGINE_UNLOAD_AFTER in seconds (0: never unload), else 10 minutes."""
    value = os.environ.get(UNLOAD_ENV, "").strip()
    if not value:
        return UNLOAD_AFTER
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not seconds >= 0 or seconds == float("inf"):  # NaN, negative, infinite
        raise SystemExit(f"{UNLOAD_ENV} must be a number of seconds (0: never unload), "
                         f"not {value[:40]!r}")
    return seconds


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class EngineThread:
    """uvicorn in a background thread; `start()` returns once it listens."""

    def __init__(self, models: Iterable[EngineModel], data_dir: Path, host: str = "127.0.0.1",
                 port: int = 0, token: str | None = None, **app_options: Any) -> None:
        self.app = create_app(models, Path(data_dir), token=token, **app_options)
        config = uvicorn.Config(self.app, host=host, port=port, log_level="warning",
                                lifespan="on", timeout_graceful_shutdown=2,
                                proxy_headers=False)  # see serve()
        self.server = uvicorn.Server(config)
        self.host = host
        self.port = port
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self) -> EngineThread:
        self._thread = threading.Thread(target=self.server.run, daemon=True, name="engine")
        self._thread.start()
        while not self.server.started:
            if not self._thread.is_alive():
                raise RuntimeError(f"the engine could not start on {self.host}:{self.port}")
            self._thread.join(0.02)
        self.port = self.server.servers[0].sockets[0].getsockname()[1]
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        if self._thread is not None:
            self._thread.join(10)
            self._thread = None

    def __enter__(self) -> EngineThread:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


def serve(models: Iterable[EngineModel], host: str = "127.0.0.1", port: int = ENGINE_PORT,
          token: str | None = None, data_dir: Path | None = None,
          allow_private_urls: bool | None = None, access_log: bool = False,
          unload_after: float | None = None) -> None:
    """Run the engine in the foreground. A non-loopback address needs a token.

    `access_log` prints a line per HTTP request (off by default: formatting it costs more
    than the rest of a no-op prediction's handling in Python).

    `token` defaults to $PLAYGROUND_ENGINE_TOKEN. URL inputs and webhooks on private, loopback
    or link-local addresses are refused (the engine must not become a way into the local
    network) unless `allow_private_urls` is true; when it is None,
    $PLAYGROUND_ENGINE_ALLOW_PRIVATE_URLS=1 turns it on (`playground engine
    --allow-private-urls` passes True). `unload_after`: seconds a model sits unused before it
    is unloaded (0: never; default $PLAYGROUND_ENGINE_UNLOAD_AFTER, else 10 minutes).
    """
    token = token or os.environ.get(TOKEN_ENV) or None
    if allow_private_urls is None:
        allow_private_urls = os.environ.get(PRIVATE_URLS_ENV, "").strip() == "1"
    if not _is_loopback(host) and not token:
        raise SystemExit(
            f"refusing to listen on {host} without a token: anyone on the network could use "
            f"the engine. Pass --token or set {TOKEN_ENV} (or listen on 127.0.0.1)."
        )
    if data_dir is None:
        from playground.config import data_dir as default_data_dir

        data_dir = default_data_dir() / "engine"
    app = create_app(models, data_dir, token=token, allow_private_urls=allow_private_urls,
                     unload_after=unload_after)
    print(f"engine listening on http://{host}:{port} (data in {data_dir})", file=sys.stderr)
    if allow_private_urls:
        print("engine: URL inputs on private and loopback addresses are fetched, and webhooks "
              "to them delivered", file=sys.stderr)
    # No X-Forwarded-* rewriting: nothing here reads the client's address or scheme (URLs
    # come from the socket or the configured address), and it is a middleware per request.
    uvicorn.run(app, host=host, port=port, log_level="info", access_log=access_log,
                proxy_headers=False)
