"""client.files: the Files API (uploads too large for a data URI)."""

from __future__ import annotations

import json
import mimetypes
import os
from pathlib import Path
from typing import IO, Any

from ._resource import Resource, page_path
from .types import File, Page

FileContent = bytes | str | os.PathLike[str] | IO[bytes]


def _read(content: FileContent, filename: str | None) -> tuple[bytes, str]:
    """Bytes and a file name. Read fully so a throttled upload can be sent again."""
    if isinstance(content, bytes | bytearray | memoryview):
        return bytes(content), filename or "file"
    if isinstance(content, str | os.PathLike):
        path = Path(content)
        return path.read_bytes(), filename or path.name
    data = content.read()
    name = getattr(content, "name", None)
    default = Path(name).name if isinstance(name, str) else "file"
    return data, filename or default


class Files(Resource):
    async def create(
        self,
        content: FileContent,
        filename: str | None = None,
        content_type: str | None = None,
        metadata: dict[str, Any] | None = None,
        *,
        token: str | None = None,
    ) -> File:
        """Upload bytes, a path or a binary file object; `urls.get` can go into an input."""
        data, name = _read(content, filename)
        ctype = content_type or mimetypes.guess_type(name)[0] or "application/octet-stream"
        fields = {"filename": name, "type": ctype}
        if metadata is not None:
            fields["metadata"] = json.dumps(metadata)
        response = await self._requester.request(
            "POST", "/v1/files", retry="create", token=token,
            files={"content": (name, data, ctype)}, data=fields,
        )
        return File.model_validate(response.json())

    async def get(self, id: str, *, token: str | None = None) -> File:
        return await self._get(File, f"/v1/files/{id}", token=token)

    async def delete(self, id: str, *, token: str | None = None) -> None:
        await self._requester.request("DELETE", f"/v1/files/{id}", token=token)

    async def list(self, cursor: str | None = None, *, token: str | None = None) -> Page[File]:
        return await self._get(Page[File], page_path("/v1/files", cursor), token=token)
