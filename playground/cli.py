"""The `playground` command.

    playground [--host 127.0.0.1] [--port 7860] [--backend auto|replicate|local|URL]
    playground engine [--host 127.0.0.1] [--port 8008] [--token T]
    playground models pull [NAME]
    playground models list
"""

from __future__ import annotations

import argparse
import os
import sys

# Before any native runtime loads: llama.cpp collapses on a busy 2-core machine without it, and
# nothing in the playground may phone home.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def _app(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="playground", description="Replicate Playground")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=7860)
    parser.add_argument(
        "--backend",
        default="auto",
        help="auto (Replicate when REPLICATE_API_TOKEN is set, else the embedded engine), "
        "replicate, local, or the URL of a Replicate-compatible server",
    )
    args = parser.parse_args(argv)
    from playground.ui.app import launch

    launch(host=args.host, port=args.port, backend=args.backend)
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
    parser.add_argument("--access-log", action="store_true",
                        help="print a line for every HTTP request")
    args = parser.parse_args(argv)
    from playground.engine.models import registry
    from playground.engine.server import serve

    token = args.token or os.environ.get("PLAYGROUND_ENGINE_TOKEN") or None
    try:
        serve(registry(), host=args.host, port=args.port, token=token,
              allow_private_urls=args.allow_private_urls, access_log=args.access_log)
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
