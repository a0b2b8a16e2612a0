"""Where the app listens and who may reach it: the port (the one asked for, else the first free
one from 7860), `--auth` logins, the refusal to serve the owner's token beyond this computer,
and the address phones in a room reach it at. No project imports: `cli.py` decides with these."""

from __future__ import annotations

import ipaddress
import os
import socket

DEFAULT_PORT = 7860
PORTS_TRIED = 20


def choose_port(host: str, given: int | None) -> int | str:
    """The port to serve on, or a sentence saying why there is none.

    A port asked for (`--port`, `$PORT`, `$GRADIO_SERVER_PORT`) is used or refused; the default
    moves on to the next free one, since a second playground (or anything else) may hold it."""
    env = os.environ.get("PORT") or os.environ.get("GRADIO_SERVER_PORT")
    if given is None and env:
        try:
            given = int(env)
        except ValueError:
            return f"the port in $PORT / $GRADIO_SERVER_PORT is not a number: {env[:20]!r}"
    if given is not None:
        if not 0 < given < 65536:
            return f"port {given} is not a port number (1 to 65535)"
        if not port_free(host, given):
            return (f"port {given} is already in use on {host}. Stop what uses it, or choose "
                    f"another: playground --port {given + 1} (make start PORT={given + 1})")
        return given
    for port in range(DEFAULT_PORT, DEFAULT_PORT + PORTS_TRIED):
        if port_free(host, port):
            return port
    return (f"ports {DEFAULT_PORT} to {DEFAULT_PORT + PORTS_TRIED - 1} are all in use on {host}; "
            "choose one: playground --port N (make start PORT=N)")


def port_free(host: str, port: int) -> bool:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        # as uvicorn binds: SO_REUSEADDR, so a port in TIME_WAIT counts as free
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


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


def reachable_address(host: str) -> str:
    """How a phone in the room reaches a server listening on `host`: its address on the local
    network for 0.0.0.0 (found by routing, no packet sent), else `host` itself."""
    if host not in ("0.0.0.0", "::", ""):
        return f"[{host}]" if ":" in host else host
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: a route is looked up, nothing sent
            return str(probe.getsockname()[0])
        except OSError:
            return "127.0.0.1"
