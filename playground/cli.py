"""The `playground` command.

    playground [--host 127.0.0.1] [--port 7860] [--backend auto|replicate|local|URL]
               [--tab TAB ...]
    playground engine [--host 127.0.0.1] [--port 8008] [--token T]
    playground models pull [NAME]
    playground models list
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playground.engine.server import EngineThread
    from playground.service import Service

# Before any native runtime loads: llama.cpp collapses on a busy 2-core machine without it, and
# nothing in the playground may phone home.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")


log = logging.getLogger("playground")


def open_service(backend: str = "auto") -> tuple[Service, EngineThread | None]:
    """The one place the backend is decided: a Service for `backend` (auto, replicate, local or
    a URL) and the embedded engine it started (None when it talks to another server)."""
    from playground.config import REPLICATE_CLOUD, data_dir
    from playground.service import Service

    token = os.environ.get("REPLICATE_API_TOKEN") or None
    if backend == "auto":  # a configured server first, then the cloud with a token, else offline
        backend = os.environ.get("REPLICATE_BASE_URL") or ("replicate" if token else "local")
    engine = None
    if backend == "local":
        from playground.engine.models import registry
        from playground.engine.server import EngineThread

        # Its own folder: the engine's database and files stay apart from the app's outputs.
        engine = EngineThread(registry(), data_dir() / "engine").start()
        service = Service(engine.url, data_dir=data_dir(), backend="local")  # no token needed
    elif backend == "replicate":
        service = Service(REPLICATE_CLOUD, token=token, data_dir=data_dir(), backend="replicate")
    else:  # a URL: a loopback one is taken for a local engine, any other for a custom server
        service = Service(backend.rstrip("/"), token=token, data_dir=data_dir())
    return service, engine


def launch(host: str = "127.0.0.1", port: int = 7860, backend: str = "auto",
           tabs: list[str] | None = None) -> None:
    """Start the app (and the local engine when asked) and serve until interrupted."""
    from playground.ui.app import build_app, serve
    from playground.ui.context import make_context

    service, engine = open_service(backend)
    ctx = make_context(service)
    log.info("backend: %s (%s)", ctx.backend.label, ctx.backend.url)
    try:
        serve(build_app(ctx, tabs=tabs), ctx, host=host, port=port, block=True)
    finally:
        if engine is not None:
            engine.stop()


def _app(argv: list[str]) -> int:
    from playground.ui.app import TAB_IDS

    parser = argparse.ArgumentParser(prog="playground", description="Replicate Playground")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=7860)
    parser.add_argument(
        "--backend",
        default="auto",
        help="auto (Replicate when REPLICATE_API_TOKEN is set, else the embedded engine), "
        "replicate, local, or the URL of a Replicate-compatible server",
    )
    parser.add_argument("--tab", action="append", choices=TAB_IDS, dest="tabs",
                        help="show only this tab (repeat for more)")
    args = parser.parse_args(argv)
    launch(host=args.host, port=args.port, backend=args.backend, tabs=args.tabs)
    return 0


def _engine(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="playground engine", description="Serve the local Replicate-compatible /v1 API"
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8008)
    parser.add_argument(
        "--token",
        default=None,
        help="require this bearer token (default: $PLAYGROUND_ENGINE_TOKEN); "
        "needed to bind a non-loopback host",
    )
    parser.add_argument(
        "--allow-private-urls",
        action="store_true",
        default=None,
        help="fetch URL inputs on private and loopback addresses (refused by default; "
        "also $PLAYGROUND_ENGINE_ALLOW_PRIVATE_URLS=1)",
    )
    args = parser.parse_args(argv)
    from playground.engine.models import registry
    from playground.engine.server import serve

    token = args.token or os.environ.get("PLAYGROUND_ENGINE_TOKEN") or None
    try:
        serve(registry(), host=args.host, port=args.port, token=token,
              allow_private_urls=args.allow_private_urls)
    except ValueError as exc:  # e.g. a public host without a token
        print(f"playground engine: {exc}", file=sys.stderr)
        return 2
    return 0


def _models(argv: list[str]) -> int:
    from playground.engine import model_store

    if not argv or argv[0] in {"-h", "--help"}:
        print("usage: playground models pull [NAME] | playground models list")
        return 0 if argv else 2
    if argv[0] == "pull":
        return model_store.models_pull(argv[1:]) or 0
    if argv[0] == "list":
        return model_store.models_list() or 0
    print(f"playground models: unknown command {argv[0]!r}", file=sys.stderr)
    return 2


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "engine":
        return _engine(argv[1:])
    if argv and argv[0] == "models":
        return _models(argv[1:])
    return _app(argv)


if __name__ == "__main__":
    raise SystemExit(main())
