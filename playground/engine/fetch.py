"""Fetching file inputs given as http(s) URLs, with the limits a server needs.

Refuses private, loopback and link-local addresses unless allowed (the engine's own URLs are
resolved locally before this is reached), caps the size at 100 MiB and the time at 30 s, and
re-checks every redirect hop. The check happens where the socket is opened: the host is resolved
once, every address is checked, and the connection goes to that checked address (the URL's host
still gives the Host header and TLS SNI), so a DNS answer that changes between a check and the
connect (DNS rebinding) cannot reach a private address.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx

from playground.addresses import is_public as _is_public  # one rule for engine and app

MAX_BYTES = 100 * 1024 * 1024
TIMEOUT = 30.0
MAX_REDIRECTS = 5


class FetchError(Exception):
    """A file input URL could not be fetched; the message is shown as the prediction's error."""


def _refused(host: str) -> FetchError:
    return FetchError(
        f"refusing to fetch {host}: it resolves to a private or loopback "
        "address (upload the file or pass it as a data URI instead)"
    )


def resolve_public(host: str, port: int) -> str:
    """Resolve `host` once; return an address to connect to, or raise FetchError if any of
    its addresses is not public (a mixed answer is refused: it is a rebinding pattern)."""
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except OSError as exc:
        raise FetchError(f"cannot resolve {host}: {exc}") from exc
    addrs = [str(info[4][0]) for info in infos]
    if not addrs or not all(_is_public(a) for a in addrs):
        raise _refused(host)
    return addrs[0]


class _PublicOnlyBackend(httpcore.SyncBackend):
    """Opens TCP connections only to the public address it resolved and checked itself."""

    def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                    local_address: str | None = None,
                    socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
        return super().connect_tcp(resolve_public(host, port), port, timeout, local_address,
                                   socket_options)


class _PublicOnlyTransport(httpx.HTTPTransport):
    def __init__(self) -> None:
        super().__init__(trust_env=False)
        # the same pool httpx builds (no proxy: a proxy would resolve names itself, unchecked)
        self._pool = httpcore.ConnectionPool(ssl_context=httpx.create_ssl_context(),
                                             network_backend=_PublicOnlyBackend())


def public_only_transport() -> httpx.HTTPTransport:
    """A transport that connects only to public addresses (see the module docstring)."""
    return _PublicOnlyTransport()


def check_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError(f"unsupported file URL: {url[:100]}")


def download(
    url: str,
    dest: Path,
    *,
    allow_private: bool = False,
    max_bytes: int = MAX_BYTES,
    timeout: float = TIMEOUT,
) -> Path:
    """Stream `url` into `dest`; raise FetchError with a readable reason."""
    deadline = time.monotonic() + timeout
    transport = None if allow_private else public_only_transport()
    with httpx.Client(follow_redirects=False, timeout=timeout, transport=transport,
                      trust_env=allow_private) as client:
        for _ in range(MAX_REDIRECTS + 1):
            check_url(url)  # each hop's host is checked when its connection opens
            try:
                with client.stream("GET", url) as resp:
                    if resp.is_redirect and "location" in resp.headers:
                        url = urljoin(url, resp.headers["location"])
                        continue
                    if resp.status_code != 200:
                        raise FetchError(f"fetching {url[:100]} failed: HTTP {resp.status_code}")
                    declared = int(resp.headers.get("content-length") or 0)
                    if declared > max_bytes:
                        raise FetchError(f"file at {url[:100]} is larger than {max_bytes} bytes")
                    size = 0
                    with dest.open("wb") as out:
                        for chunk in resp.iter_bytes():
                            size += len(chunk)
                            if size > max_bytes:
                                raise FetchError(
                                    f"file at {url[:100]} is larger than {max_bytes} bytes"
                                )
                            if time.monotonic() > deadline:
                                raise FetchError(f"fetching {url[:100]} took over {timeout:.0f} s")
                            out.write(chunk)
                    return dest
            except httpx.HTTPError as exc:
                raise FetchError(f"fetching {url[:100]} failed: {exc}") from exc
    raise FetchError(f"too many redirects fetching {url[:100]}")
