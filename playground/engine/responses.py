"""The engine's JSON response: Starlette's, with the body written by `jsonsafe.sendable`."""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse

from . import jsonsafe


class JSON(JSONResponse):
    def render(self, content: Any) -> bytes:
        return jsonsafe.sendable(content)
