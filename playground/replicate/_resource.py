"""Base of the resource namespaces (client.predictions, client.models, ...)."""

from __future__ import annotations

from typing import Any, TypeVar
from urllib.parse import urlencode

from pydantic import BaseModel

from ._http import Requester

M = TypeVar("M", bound=BaseModel)


class Resource:
    def __init__(self, requester: Requester) -> None:
        self._requester = requester

    async def _get(self, cls: type[M], path: str, *, token: str | None = None,
                   **kwargs: Any) -> M:
        response = await self._requester.request("GET", path, token=token, **kwargs)
        return cls.model_validate(response.json())


def page_path(path: str, cursor: str | None) -> str:
    """The first page, or the page a cursor points at (an absolute `next`/`previous` URL)."""
    if not cursor:
        return path
    if cursor.startswith(("http://", "https://", "/")):
        return cursor
    return f"{path}?{urlencode({'cursor': cursor})}"
