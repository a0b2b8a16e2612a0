"""Turning uploads into input values: a data URI when small, else the Files API's URL."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING

from playground.files import datauri
from playground.files.datauri import human_size
from playground.files.errors import FileTooLarge
from playground.files.sniff import BINARY
from playground.files.uploads import Expect, LocalFile, Source, prepare

if TYPE_CHECKING:
    from playground.replicate import AsyncClient

INLINE_LIMIT = 256_000  # Replicate's advice: data URIs only up to 256 kB
DATA_URI_CAP = 10_000_000  # without a Files API, refuse to build a request bigger than this
FILES_API_LIMIT = 100 * 1024 * 1024  # POST /v1/files answers 413 above 100 MiB


@dataclass
class Upload:
    value: str  # what goes into the prediction's input
    note: str  # "photo.jpg: Files API, 4032x3024 3.1 MB -> 2048x1536 410 kB"
    file: LocalFile


class Uploader:
    """Remembers, per backend, whether it has a Files API (the local engine may not)."""

    def __init__(self, client: AsyncClient | None = None, *, inline_limit: int = INLINE_LIMIT,
                 data_uri_cap: int = DATA_URI_CAP, files_api: bool | None = None) -> None:
        self._client = client
        self.inline_limit = inline_limit
        self.data_uri_cap = data_uri_cap
        # None: not known yet (the first large upload finds out); False: never try it.
        self.files_api: bool | None = files_api if client is not None else False

    async def upload(self, source: Source, expect: Expect = None, *, name: str | None = None,
                     max_side: int | None = 2048, token: str | None = None) -> Upload:
        """A checked (and maybe shrunk) upload as an input value. URLs pass through untouched."""
        if isinstance(source, str) and source.startswith(("http://", "https://", "data:")):
            # already an input value; show it short
            note = f"{datauri.shorten(source) if source.startswith('data:') else source}: as given"
            empty = LocalFile(name or "url", b"", BINARY, "as given")
            return Upload(source, note, empty)
        return await self.send(await self.prepare(source, expect, name=name,
                                                  max_side=max_side), token=token)

    async def prepare(self, source: Source, expect: Expect = None, *, name: str | None = None,
                      max_side: int | None = 2048) -> LocalFile:
        """Read, check and maybe shrink an upload: no request to the backend yet (the history
        keys an identical run by these bytes before anything is sent)."""
        # decoding, shrinking and re-encoding a photo takes a while: not on the event loop
        return await asyncio.to_thread(prepare, source, expect, name=name, max_side=max_side)

    async def send(self, local: LocalFile, *, token: str | None = None) -> Upload:
        """A prepared upload as an input value: inline when small, else the Files API."""
        size = len(local.data)
        if size <= self.inline_limit:
            return self._inline(local)  # small: encoding it inline is cheap
        if self.files_api is not False:
            url = await self._files_create(local, token)
            if url is not None:
                return Upload(url, f"{local.name}: Files API, {local.note}", local)
        if size > self.data_uri_cap:
            raise FileTooLarge(
                f"{local.name} is {human_size(size)}; the limit without the Files API is "
                f"{human_size(self.data_uri_cap)}: resize or compress it, or use a backend with "
                "a Files API (Replicate's cloud)", filename=local.name)
        return await asyncio.to_thread(self._inline, local)  # up to data_uri_cap of base64

    def _inline(self, local: LocalFile) -> Upload:
        return Upload(datauri.encode(local.data, local.type.mime),
                      f"{local.name}: data URI, {local.note}", local)

    async def _files_create(self, local: LocalFile, token: str | None) -> str | None:
        """The file's `urls.get`, or None when this backend has no Files API (404/405/501)."""
        from playground.replicate import errors

        assert self._client is not None
        if len(local.data) > FILES_API_LIMIT:
            raise FileTooLarge(f"{local.name} is {human_size(len(local.data))}; the Files API "
                               f"takes up to {human_size(FILES_API_LIMIT)}", filename=local.name)
        try:
            created = await self._client.files.create(
                local.data, filename=local.name, content_type=local.type.mime, token=token)
        except errors.PayloadTooLarge as exc:
            raise FileTooLarge(f"{local.name} ({human_size(len(local.data))}) is too large for "
                               f"the backend's Files API ({exc.detail or exc})",
                               filename=local.name) from None
        except errors.APIError as exc:
            if exc.status in (404, 405, 501):
                self.files_api = False
                return None
            raise
        self.files_api = True
        url = created.urls.get if created.urls else None
        if not url:  # a server that stores but gives no URL is no use as an input
            self.files_api = False
            return None
        return url

