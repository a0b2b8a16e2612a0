"""Model cover images: fetched by the app, kept as small thumbnails, served as its own files.

The visitor's browser never loads a cover URL itself (the backend names it: it could point
anywhere, and a presenter's laptop may have no internet at all). The app fetches it through
`netguard` (public addresses only, or the backend's own origin), takes at most MAX_BYTES, no
redirect, and keeps it only if Pillow reads it as a PNG, JPEG, WebP or GIF of sane size; what
is stored is a re-encoded thumbnail (`covers/<sha256 of the URL>.webp`), never the fetched
bytes. A cover that fails is no cover (the list shows none, never a broken image), and is not
asked for again for a while.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import re
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

import httpx
from PIL import Image

from playground.files.netguard import guarded_client, origin
from playground.files.outputs import write_atomic

MAX_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 40_000_000  # a decompression bomb is refused before it is decoded
SIZE = (320, 320)
TIMEOUT = httpx.Timeout(6.0, connect=4.0)
RETRY_AFTER = 600.0  # seconds before a failed cover is tried again
PARALLEL = 6
_FORMATS = {"PNG", "JPEG", "WEBP", "GIF"}
_BAD_CHARS = re.compile(r"[\x00-\x20\x7f\\]")


class CoverImages:
    """`await covers.thumbnails([url or None, ...])` -> a local path or None for each."""

    def __init__(self, dest: Path, *, trusted: Iterable[str] = ()) -> None:
        self.dest = dest
        self._trusted_urls = list(trusted)
        self._trusted = {origin(u) for u in self._trusted_urls}
        self._failed: dict[str, float] = {}
        self._busy: dict[str, asyncio.Lock] = {}
        self.fetched = 0  # downloads attempted (tests check the cache and the refusals)

    def allowed(self, url: str) -> bool:
        """An https URL (or any URL of a trusted origin) with a host and nothing odd in it."""
        if not isinstance(url, str) or len(url) > 2048 or _BAD_CHARS.search(url):
            return False
        parts = httpx.URL(url) if url.startswith(("http://", "https://")) else None
        if parts is None or not parts.host or parts.userinfo:
            return False
        return parts.scheme == "https" or origin(url) in self._trusted

    def path_for(self, url: str) -> Path:
        return self.dest / f"{hashlib.sha256(url.encode()).hexdigest()[:32]}.webp"

    async def thumbnails(self, urls: Sequence[str | None]) -> list[Path | None]:
        limit = asyncio.Semaphore(PARALLEL)
        async with guarded_client(self._trusted_urls, timeout=TIMEOUT,
                                  follow_redirects=False) as http:
            async def one(url: str | None) -> Path | None:
                if not url:
                    return None
                async with limit:
                    return await self._thumbnail(http, url)

            return list(await asyncio.gather(*(one(u) for u in urls)))

    async def _thumbnail(self, http: httpx.AsyncClient, url: str) -> Path | None:
        if not self.allowed(url):
            return None
        path = self.path_for(url)
        lock = self._busy.setdefault(url, asyncio.Lock())
        async with lock:
            if path.is_file():
                return path
            if time.monotonic() - self._failed.get(url, -RETRY_AFTER) < RETRY_AFTER:
                return None
            self.fetched += 1
            data = await self._download(http, url)
            made = data is not None and await asyncio.to_thread(_store_thumbnail, data, path)
            if not made:
                self._failed[url] = time.monotonic()
            return path if made else None

    async def _download(self, http: httpx.AsyncClient, url: str) -> bytes | None:
        try:
            async with asyncio.timeout(15), http.stream("GET", url) as response:
                if response.status_code != 200:
                    return None
                if int(response.headers.get("content-length") or 0) > MAX_BYTES:
                    return None
                chunks, size = [], 0
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > MAX_BYTES:
                        return None
                    chunks.append(chunk)
                return b"".join(chunks)
        except (httpx.HTTPError, TimeoutError, OSError):
            return None


def _store_thumbnail(data: bytes, path: Path) -> bool:
    """A re-encoded thumbnail of `data` at `path`; False when it is not a sane image."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format not in _FORMATS or image.width * image.height > MAX_PIXELS:
                return False
            image.draft("RGB", SIZE)  # JPEG: decode at a fraction of the size
            image.seek(0)
            thumb = image.convert("RGBA")
            thumb.thumbnail(SIZE)
    except (OSError, ValueError, Image.DecompressionBombError, EOFError):
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    out = io.BytesIO()
    thumb.save(out, "WEBP", quality=80)
    write_atomic(path, out.getvalue())
    return True
