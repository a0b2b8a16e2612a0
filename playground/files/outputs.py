"""Saving outputs as local files: Replicate deletes API outputs an hour after the prediction.

Every file-like value in an output (an `http(s)://` URL or a `data:` URI, at any depth of lists
and dicts, e.g. Whisper's `{"txt_file": url, "segments": [...]}`) is stored once under
`data_dir()/outputs/` as `<sha256 prefix><ext>`; the extension comes from the content (magic
bytes), then the URL, then the Content-Type.

An output URL is named by whoever published the model, so it is fetched only from the backend's
own origin or a public address (`netguard`, on every redirect hop): a URL inside this server's
network stays in the output as text, with a note saying why it was not downloaded.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import tempfile
import urllib.parse
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from playground.files import datauri
from playground.files import sniff as types
from playground.files.datauri import human_size
from playground.files.errors import DownloadFailed, FileProblem
from playground.files.netguard import PrivateAddress, guarded_client, origin

MAX_OUTPUT_BYTES = 500_000_000
TIMEOUT = httpx.Timeout(60.0, connect=10.0)  # per network operation
MAX_SECONDS = 600.0  # a whole download: a server trickling bytes must not hold a run forever
_KNOWN_EXTS = {".txt", ".srt", ".vtt", ".json", ".csv", ".md", ".obj", ".glb", ".ply"}


@dataclass
class SavedOutput:
    value: Any  # the output's structure, with each file value replaced by its local Path
    files: list[Path] = field(default_factory=list)  # in order of appearance, no repeats
    problems: list[str] = field(default_factory=list)  # downloads that failed (value kept)


def is_file_value(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    if value.startswith("data:"):
        return "," in value
    return value.startswith(("http://", "https://")) and not any(c.isspace() for c in value)


def extension(data: bytes, *, url: str | None = None, content_type: str | None = None) -> str:
    found = types.sniff(data)
    if found:
        return found.ext
    if url:
        suffix = Path(urllib.parse.urlparse(url).path).suffix.lower()
        if suffix in _KNOWN_EXTS:
            return suffix
    declared = types.from_mime(content_type)
    if declared and declared not in (types.TEXT, types.JSON):
        return declared.ext
    found = types.sniff_text(data)
    return found.ext if found else (declared.ext if declared else ".bin")


def store(data: bytes, ext: str, dest: Path) -> Path:
    """Writes `data` as dest/<sha256[:16]><ext> (atomically; an existing copy is reused).

    A reused copy gets a fresh modification time: the history keeps a file saved again after
    the run it deletes was recorded (another run, still finishing, is about to use it)."""
    dest.mkdir(parents=True, exist_ok=True)
    path = dest / f"{hashlib.sha256(data).hexdigest()[:16]}{ext}"
    try:
        os.utime(path)
    except FileNotFoundError:
        write_atomic(path, data)
    return path


def write_atomic(path: Path, data: bytes) -> None:
    """`path` holds `data` whole or not at all (a reader never sees half a file)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".part-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class OutputSaver:
    """Downloads with its own guarded httpx client: the token goes only to the API's own origin
    (the local engine may guard its files), never to a CDN or any other host; only the API's
    origin (and `trusted`: a test's stand-in for Replicate's CDN) may be a private address."""

    def __init__(self, dest: Path, *, api_base: str | None = None, trusted: Iterable[str] = (),
                 max_bytes: int = MAX_OUTPUT_BYTES, timeout: httpx.Timeout = TIMEOUT,
                 max_seconds: float = MAX_SECONDS) -> None:
        self.dest = dest
        self._api_origin = origin(api_base) if api_base else None
        self._trusted = [*([api_base] if api_base else []), *trusted]
        self.max_bytes = max_bytes
        self.timeout = timeout
        self.max_seconds = max_seconds

    async def save(self, output: Any, *, token: str | None = None) -> SavedOutput:
        values: list[str] = []
        _collect(output, values)
        unique = list(dict.fromkeys(values))
        saved: dict[str, Path] = {}
        problems: list[str] = []
        if unique:
            async with guarded_client(self._trusted, timeout=self.timeout,
                                      follow_redirects=True, max_redirects=5) as http:
                results = await asyncio.gather(
                    *(self._one(http, v, token) for v in unique), return_exceptions=True)
            for value, result in zip(unique, results, strict=True):
                if isinstance(result, FileProblem):
                    problems.append(str(result))
                elif isinstance(result, BaseException):
                    raise result
                else:
                    saved[value] = result
        files = list(dict.fromkeys(saved[v] for v in values if v in saved))
        return SavedOutput(_replace(output, saved), files, problems)

    async def _one(self, http: httpx.AsyncClient, value: str, token: str | None) -> Path:
        # decoding, hashing and writing up to max_bytes run in a thread, off the event loop
        if value.startswith("data:"):
            return await asyncio.to_thread(self._store_data_uri, value)
        data, content_type = await self._download(http, value, token)
        ext = extension(data, url=value, content_type=content_type)
        return await asyncio.to_thread(store, data, ext, self.dest)

    def _store_data_uri(self, value: str) -> Path:
        try:
            data, mime = datauri.decode(value)
        except FileProblem as exc:
            raise DownloadFailed(str(exc)) from None
        return store(data, extension(data, content_type=mime), self.dest)

    async def _download(self, http: httpx.AsyncClient, url: str,
                        token: str | None) -> tuple[bytes, str | None]:
        headers = {}
        if token and self._api_origin and origin(url) == self._api_origin:
            headers["Authorization"] = f"Bearer {token}"
        shown = _short_url(url)
        try:
            async with asyncio.timeout(self.max_seconds):
                return await self._fetch(http, url, headers, shown)
        except TimeoutError:
            raise DownloadFailed(f"downloading the output {shown} took over "
                                 f"{self.max_seconds:g} s; not saved") from None

    async def _fetch(self, http: httpx.AsyncClient, url: str, headers: dict[str, str],
                     shown: str) -> tuple[bytes, str | None]:
        try:
            async with http.stream("GET", url, headers=headers) as response:
                if response.status_code >= 400:
                    gone = " (Replicate deletes outputs after an hour)" if response.status_code in (
                        403, 404, 410) else ""
                    raise DownloadFailed(f"could not download the output {shown}: HTTP "
                                         f"{response.status_code}{gone}")
                declared = int(response.headers.get("content-length") or 0)
                if declared > self.max_bytes:
                    raise self._too_large(shown)
                chunks: list[bytes] = []
                received = 0
                async for chunk in response.aiter_bytes():
                    received += len(chunk)
                    if received > self.max_bytes:
                        raise self._too_large(shown)
                    chunks.append(chunk)
                return b"".join(chunks), response.headers.get("content-type")
        except PrivateAddress:
            # said plainly: the person who ran the model reads it under the run's Details
            raise DownloadFailed(f"the output {shown} was not downloaded: it points inside "
                                 "this server's network") from None
        except httpx.TimeoutException:
            raise DownloadFailed(f"downloading the output {shown} timed out") from None
        except httpx.HTTPError as exc:
            raise DownloadFailed(f"could not download the output {shown}: "
                                 f"{type(exc).__name__}: {exc}") from None

    def _too_large(self, shown: str) -> DownloadFailed:
        return DownloadFailed(f"the output {shown} is larger than {human_size(self.max_bytes)}; "
                              "not saved")


def _short_url(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"  # no query: may carry a signature


def _collect(value: Any, into: list[str]) -> None:
    if is_file_value(value):
        into.append(value)
    elif isinstance(value, dict):
        for v in value.values():
            _collect(v, into)
    elif isinstance(value, list | tuple):
        for v in value:
            _collect(v, into)


def _replace(value: Any, saved: dict[str, Path]) -> Any:
    if isinstance(value, str):
        return saved.get(value, value)
    if isinstance(value, dict):
        return {k: _replace(v, saved) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_replace(v, saved) for v in value]
    return value
