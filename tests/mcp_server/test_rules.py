"""The page's rules hold for the MCP tools: a Replicate token per request (the MCP request's
`Authorization: Bearer` header), a history for the MCP client, nothing without `--mcp`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from ui.conftest import start_app
from ui.test_token import ENGINE_TOKEN, _files_text, _guarded_service

from .conftest import MCP_PATH, call, data_uri, reply, session

pytestmark = pytest.mark.models

UI_SECRET = b"ui-tests-browser-secret"  # the key ui/conftest's start_app gives the page


@pytest.fixture(scope="module")
def guarded_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Any, Path]]:
    """The MCP tools on an engine that, like Replicate, wants the right token (the app has
    none of its own), with a history: (url, store, data dir)."""
    from playground.engine.models import registry
    from playground.engine.server import EngineThread
    from playground.history import RunStore
    from playground.service import RunHistory

    engine = EngineThread(registry(), tmp_path_factory.mktemp("guarded-engine"),
                          token=ENGINE_TOKEN).start()
    data = tmp_path_factory.mktemp("guarded-mcp")
    store = RunStore(data)
    from playground.service import Service

    # the engine's models as the presets' pinned ones (tests/ui/test_token.py), and a history
    presets = _guarded_service(engine.url, data).presets
    service = Service(engine.url, data_dir=data, presets=presets, backend="custom",
                      history=RunHistory(store))
    demo, url = start_app(service, data, mcp=True)
    yield url, store, data
    demo.close()
    store.close()
    engine.stop()


async def test_the_token_travels_per_request(guarded_app: tuple[str, Any, Path]) -> None:
    url, _, _ = guarded_app
    error, text = await call(url, "search_models", {"query": "whisper"})
    assert error and "token" in text.lower() and "Traceback" not in text, text
    wrong = {"Authorization": "Bearer r8_notTheRightTokenAtAll000000000"}
    error, text = await call(url, "search_models", {"query": "whisper"}, wrong)
    assert error and "not accepted" in text, text
    right = {"Authorization": f"Bearer {ENGINE_TOKEN}"}
    found = await reply(url, "search_models", {"query": "whisper"}, right)
    assert "local/whisper-tiny-en" in [m["model"] for m in found["models"]]


async def test_tool_runs_are_kept_for_the_mcp_client(guarded_app: tuple[str, Any, Path],
                                                     media: dict[str, Path]) -> None:
    from playground.history import Scope
    from playground.service import BrowserKeys

    url, store, data = guarded_app
    headers = {"Authorization": f"Bearer {ENGINE_TOKEN}"}
    answer = await reply(url, "upscale", {"image": data_uri(media["small"], "image/png"),
                                          "scale": 2}, headers)
    keys = BrowserKeys(UI_SECRET)
    owner = keys.client_owner(ENGINE_TOKEN)
    runs = store.page(Scope.of(owner)).runs
    assert [(r.tab, r.model, r.status) for r in runs] == [
        ("upscale", "local/real-esrgan", "succeeded")]
    assert not store.page(Scope.of(keys.client_owner(None))).runs  # another client's
    assert owner == BrowserKeys(UI_SECRET).client_owner(ENGINE_TOKEN)  # stable
    assert answer["files"][0]["width"] == 192
    # the token is nowhere the app keeps or serves anything
    assert ENGINE_TOKEN not in _files_text(data)
    assert ENGINE_TOKEN not in httpx.get(url + MCP_PATH + "schema", timeout=30).text


async def test_without_mcp_no_tools_are_served(engine: Any, tmp_path: Path) -> None:
    from playground.service import Service

    service = Service(engine.url, data_dir=tmp_path / "app", backend="local")
    demo, url = start_app(service, tmp_path / "app", tabs=["upscale"])
    try:
        schema = httpx.get(url + MCP_PATH + "schema", timeout=30)
        assert schema.status_code == 404 or "upscale" not in schema.text
        posted = httpx.post(url + MCP_PATH, json={
            "jsonrpc": "2.0", "id": 1, "method": "tools/list"}, timeout=30,
            headers={"accept": "application/json, text/event-stream"})
        assert posted.status_code >= 400 and "tools" not in posted.text
        with pytest.raises(Exception):  # noqa: B017  (the client's own error, whatever it is)
            async with session(url):
                pass
    finally:
        demo.close()


async def test_demo_limits_count_tool_runs(engine: Any, tmp_path: Path,
                                           media: dict[str, Path]) -> None:
    from playground.demo import Limits
    from playground.service import Gate, Service

    service = Service(engine.url, data_dir=tmp_path / "app", backend="local")
    service.gate = Gate(Limits(runs_per_visitor_per_hour=1))
    demo, url = start_app(service, tmp_path / "app", tabs=["upscale"], mcp=True)
    image = {"image": data_uri(media["small"], "image/png"), "scale": 1}
    try:
        assert (await reply(url, "upscale", image))["files"]
        error, text = await call(url, "upscale", image)  # the same client: its one run is used
        assert error and "Traceback" not in text, text
        assert "hour" in text.lower() or "wait" in text.lower(), text
        # another client (another token) has its own
        other = {"Authorization": "Bearer r8_anotherAgentsToken0123456789abcd"}
        assert (await reply(url, "upscale", image, other))["files"]
    finally:
        demo.close()
