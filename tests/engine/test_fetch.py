"""URL inputs connect only to the address that was checked: DNS rebinding (a name that answers
public to the check and loopback to the connect) cannot reach a private server."""

from __future__ import annotations

import errno
import ipaddress
import socket
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from playground.engine import fetch

from .conftest import AppThread

PUBLIC = "93.184.216.34"  # a global address; connecting to it is refused below (no network)


def _host_app(hits: list[str]) -> Starlette:
    async def img(request: Request) -> Response:
        hits.append(request.headers["host"])
        return Response(b"secret", media_type="application/octet-stream")

    return Starlette(routes=[Route("/f", img)])


def _fake_dns(monkeypatch: pytest.MonkeyPatch, answers: dict[str, list[list[str]]]) -> None:
    """`answers[host]` is a list of successive DNS answers (the last one repeats)."""
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> list[Any]:
        if host not in answers:
            return real(host, port, *args, **kwargs)
        seq = answers[host]
        addrs = seq.pop(0) if len(seq) > 1 else seq[0]
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, int(port or 0))) for a in addrs]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def _no_internet(monkeypatch: pytest.MonkeyPatch, attempts: list[Any]) -> None:
    real = socket.create_connection

    def create_connection(address: tuple[str, int], *args: Any, **kwargs: Any) -> socket.socket:
        attempts.append(address[0])
        try:
            if ipaddress.ip_address(address[0]).is_global:
                raise OSError(errno.ENETUNREACH, "unreachable (test)")
        except ValueError:
            pass  # a host name: the real function resolves it
        return real(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", create_connection)


def test_dns_rebinding_cannot_reach_loopback(monkeypatch: pytest.MonkeyPatch,
                                             tmp_path: Path) -> None:
    hits: list[str] = []
    attempts: list[Any] = []
    with AppThread(_host_app(hits)) as host:
        port = host.url.rsplit(":", 1)[1]
        _fake_dns(monkeypatch, {"rebind.test": [[PUBLIC], ["127.0.0.1"]]})
        _no_internet(monkeypatch, attempts)
        with pytest.raises(fetch.FetchError):
            fetch.download(f"http://rebind.test:{port}/f", tmp_path / "out")
    assert hits == []  # the loopback server never saw a request
    assert attempts == [PUBLIC]  # the socket went to the checked address, not the name


def test_mixed_public_and_private_answer_refused(monkeypatch: pytest.MonkeyPatch,
                                                 tmp_path: Path) -> None:
    _fake_dns(monkeypatch, {"mixed.test": [[PUBLIC, "10.0.0.1"]]})
    with pytest.raises(fetch.FetchError, match="private or loopback"):
        fetch.download("http://mixed.test/f", tmp_path / "out")


def test_connects_to_resolved_address_with_original_host_header(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    hits: list[str] = []
    attempts: list[Any] = []
    with AppThread(_host_app(hits)) as host:
        port = host.url.rsplit(":", 1)[1]
        _fake_dns(monkeypatch, {"files.test": [["127.0.0.1"]]})
        _no_internet(monkeypatch, attempts)
        # count loopback as public here, to see where the checked connection goes
        monkeypatch.setattr(fetch, "_is_public", lambda addr: True)
        out = fetch.download(f"http://files.test:{port}/f", tmp_path / "out")
    assert out.read_bytes() == b"secret"
    assert attempts == ["127.0.0.1"]
    assert hits == [f"files.test:{port}"]
