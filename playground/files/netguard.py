"""Connecting only to public addresses: for URLs that a server hands us and we fetch unasked.

A model's output files and cover image are URLs in the backend's answer, and anyone can publish
a model whose output is `http://169.254.169.254/...` or a machine on the app's own network
(SSRF). `public_only_transport` resolves the host once, refuses it unless every address is
public (`playground.addresses`, the engine's rule too), and connects to that checked address (the
URL's host still gives the Host header and TLS SNI), so a DNS answer that changes between the
check and the connect (DNS rebinding) cannot reach a private address. `trusted` origins (the
backend the operator chose, which the app talks to anyway) skip the check. A transport sees
every request a client sends, each redirect hop included, so a redirect from a trusted origin
to a private address is refused too. `guarded_client` is the one way the app fetches such URLs.
"""

from __future__ import annotations

import asyncio
import socket
import urllib.parse
from collections.abc import Iterable
from typing import Any

import httpcore
import httpx

from playground.addresses import is_public

__all__ = ["PrivateAddress", "Unresolvable", "guarded_client", "is_public", "origin",
           "public_only_transport", "resolve_public"]


class PrivateAddress(httpx.ConnectError):
    """The host resolves to a private, loopback, link-local or otherwise special address."""


class Unresolvable(httpx.ConnectError):
    """The host does not resolve (nothing was connected to)."""


async def resolve_public(host: str, port: int) -> str:
    """One address of `host` to connect to; PrivateAddress if any of them is not public (a
    mixed answer is refused: it is the rebinding pattern)."""
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port,
                                                             proto=socket.IPPROTO_TCP)
    except OSError as exc:
        raise Unresolvable(f"cannot resolve {host}") from exc
    addresses = [str(info[4][0]) for info in infos]
    if not addresses or not all(is_public(a) for a in addresses):
        raise PrivateAddress(f"{host} is not a public address")
    return addresses[0]


def origin(url: str | httpx.URL) -> tuple[str, str, int | None]:
    parts = urllib.parse.urlsplit(str(url))
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    return parts.scheme, (parts.hostname or "").lower(), port


class _PublicOnlyBackend(httpcore.AsyncNetworkBackend):
    def __init__(self) -> None:
        self._backend = httpcore.AnyIOBackend()

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                          local_address: str | None = None,
                          socket_options: Iterable[Any] | None = None
                          ) -> httpcore.AsyncNetworkStream:
        address = await resolve_public(host, port)
        return await self._backend.connect_tcp(address, port, timeout, local_address,
                                               socket_options)

    async def connect_unix_socket(self, path: str, timeout: float | None = None,
                                  socket_options: Iterable[Any] | None = None
                                  ) -> httpcore.AsyncNetworkStream:
        raise PrivateAddress("no unix sockets")

    async def sleep(self, seconds: float) -> None:
        await self._backend.sleep(seconds)


class _GuardedTransport(httpx.AsyncBaseTransport):
    def __init__(self, trusted: Iterable[str]) -> None:
        self._trusted = {origin(u) for u in trusted}
        # no proxy: a proxy would resolve names itself, unchecked
        self._public = httpx.AsyncHTTPTransport(trust_env=False)
        self._public._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(), network_backend=_PublicOnlyBackend())
        self._plain = httpx.AsyncHTTPTransport(trust_env=False)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if origin(request.url) in self._trusted:
            return await self._plain.handle_async_request(request)
        return await self._public.handle_async_request(request)

    async def aclose(self) -> None:
        await self._public.aclose()
        await self._plain.aclose()


def public_only_transport(trusted: Iterable[str] = ()) -> httpx.AsyncBaseTransport:
    """A transport that connects only to public addresses, except for `trusted` origins."""
    return _GuardedTransport(trusted)


def guarded_client(trusted: Iterable[str] = (), **options: Any) -> httpx.AsyncClient:
    """An httpx client that reaches only public addresses and the `trusted` origins, on every
    request and redirect hop. Its transport is its own (closing a client closes its transport,
    so a shared one would cut another download short), and no proxy is taken from the
    environment: a proxy would resolve the names itself, unchecked."""
    return httpx.AsyncClient(transport=public_only_transport(trusted), trust_env=False,
                             **options)
