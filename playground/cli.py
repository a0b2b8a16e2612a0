"""The `playground` command.

    playground [--host 127.0.0.1] [--port 7860] [--backend auto|replicate|local|URL]
               [--auth USER:PASS] [--visitors-bring-token]
    playground engine [--host 127.0.0.1] [--port 8008] [--token T]
    playground models pull [NAME]
    playground models list
"""

from __future__ import annotations

import argparse
import ipaddress
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
    parser.add_argument(
        "--auth", default=None, metavar="USER:PASS",
        help="ask every visitor for this login (also $PLAYGROUND_AUTH)",
    )
    parser.add_argument(
        "--visitors-bring-token", action="store_true",
        help="never use REPLICATE_API_TOKEN for visitors: each pastes their own in the page",
    )
    args = parser.parse_args(argv)
    try:
        auth = parse_auth(args.auth or os.environ.get("PLAYGROUND_AUTH") or None)
    except ValueError as exc:
        print(f"playground: {exc}", file=sys.stderr)
        return 2
    server_token = bool(os.environ.get("REPLICATE_API_TOKEN")) and args.backend != "local"
    problem = exposure_problem(args.host, server_token=server_token, auth=auth is not None,
                               visitors_bring_token=args.visitors_bring_token)
    if problem:
        print(problem, file=sys.stderr)
        return 2
    from playground.ui.app import launch

    launch(host=args.host, port=args.port, backend=args.backend, auth=auth,
           visitors_bring_token=args.visitors_bring_token)
    return 0


def parse_auth(value: str | None) -> tuple[str, str] | None:
    """`USER:PASS` as a pair (the password may hold colons); None when not given."""
    if value is None:
        return None
    user, sep, password = value.partition(":")
    if not sep or not user.strip() or not password:
        raise ValueError("--auth (or PLAYGROUND_AUTH) must look like USER:PASS, "
                         "with a user name and a password")
    return user.strip(), password


def is_loopback(host: str) -> bool:
    if host.strip("[]").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may well resolve to a public address


def exposure_problem(host: str, *, server_token: bool, auth: bool,
                     visitors_bring_token: bool) -> str | None:
    """Why the app must not start (one paragraph), or None.

    Serving beyond this computer with the owner's token would let anyone who reaches the page
    spend the owner's Replicate account."""
    if is_loopback(host) or not server_token or auth or visitors_bring_token:
        return None
    return (f"playground: refusing to listen on {host} while REPLICATE_API_TOKEN is set: "
            "anyone who can reach this address could run models on your Replicate account. "
            "Choose one: --auth USER:PASS (or PLAYGROUND_AUTH=USER:PASS) to ask every visitor "
            "for a login; or --visitors-bring-token, so that your token is never used for "
            "visitors and each of them pastes their own in the page; or keep the default "
            "--host 127.0.0.1 (this computer only).")


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
