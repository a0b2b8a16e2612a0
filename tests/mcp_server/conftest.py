"""The app with `--mcp` on the embedded engine, reached by the official `mcp` client over
streamable HTTP (the same engine, media and app start as the gradio_client tests: tests/ui)."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from mcp import ClientSession
from mcp.client.streamable_http import streamablehttp_client
from ui.conftest import (  # noqa: F401  (fixtures)
    MAX_UPLOAD,
    RunningApp,
    engine,
    media,
    start_app,
    ui_data,
)

MCP_PATH = "gradio_api/mcp/"


@pytest.fixture(scope="session")
def mcp_app(engine: Any, ui_data: Path) -> Iterator[RunningApp]:  # noqa: F811
    """The whole page with its MCP tools, on the session's engine, with a history."""
    from playground.history import RunStore
    from playground.service import RunHistory, Service

    data = ui_data / "mcp-app"
    store = RunStore(data)
    service = Service(engine.url, data_dir=data, history=RunHistory(store), backend="local")
    demo, url = start_app(service, data, mcp=True, max_upload_bytes=MAX_UPLOAD)
    yield RunningApp(url, engine.url, demo, data)
    demo.close()
    store.close()


@asynccontextmanager
async def session(url: str, headers: dict[str, str] | None = None
                  ) -> AsyncIterator[ClientSession]:
    """An initialized MCP session with the app at `url` (its page's address)."""
    async with streamablehttp_client(url + MCP_PATH, headers=headers, timeout=60,
                                     sse_read_timeout=600) as (read, write, _):
        async with ClientSession(read, write) as opened:
            await opened.initialize()
            yield opened


async def call(url: str, tool: str, arguments: dict[str, Any],
               headers: dict[str, str] | None = None) -> tuple[bool, str]:
    """(isError, the text the tool answered) of one tool call."""
    async with session(url, headers) as opened:
        result = await opened.call_tool(tool, arguments)
    text = "\n".join(getattr(c, "text", "") for c in result.content)
    return bool(result.isError), text


async def reply(url: str, tool: str, arguments: dict[str, Any],
                headers: dict[str, str] | None = None) -> dict[str, Any]:
    """A tool's JSON answer; the test fails on a tool error, with its message."""
    error, text = await call(url, tool, arguments, headers)
    assert not error, text
    return json.loads(text)


def data_uri(path: Path, mime: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"
