"""Fetching file inputs given as http(s) URLs, with the limits a server needs.

Refuses private, loopback and link-local addresses unless allowed (the engine's own URLs are
resolved locally before this is reached), caps the size at 100 MiB and the time at 30 s, and
re-checks every redirect hop.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx

MAX_BYTES = 100 * 1024 * 1024
TIMEOUT = 30.0
MAX_REDIRECTS = 5


class FetchError(Exception):
    """A file input URL could not be fetched; the message is shown as the prediction's error."""


def _is_public(addr: str) -> bool:
    ip = ipaddress.ip_address(addr.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def check_url(url: str, allow_private: bool) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError(f"unsupported file URL: {url[:100]}")
    if allow_private:
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)
    except OSError as exc:
        raise FetchError(f"cannot resolve {parts.hostname}: {exc}") from exc
    for info in infos:
        if not _is_public(str(info[4][0])):
            raise FetchError(
                f"refusing to fetch {parts.hostname}: it resolves to a private or loopback "
                "address (upload the file or pass it as a data URI instead)"
            )


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
    with httpx.Client(follow_redirects=False, timeout=timeout) as client:
        for _ in range(MAX_REDIRECTS + 1):
            check_url(url, allow_private)
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
