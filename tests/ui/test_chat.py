"""The chat tab over gradio_client: live status, logs and retry notices, like the other tabs."""

from __future__ import annotations

from pathlib import Path

import pytest
from gradio_client import Client
from replay_server import serve

from .conftest import RunningApp, start_app
from .helpers import call
from .test_rate_limit import throttling_proxy

pytestmark = pytest.mark.models


def test_chat_status_follows_the_prediction_and_shows_logs(client: Client) -> None:
    out = call(client, "/chat", "Name three colors.", "You are brief.", 32, 0, 0.9,
               "llama-3.1-405b-precise")
    assert out.error is None, out.error
    statuses = [p[1] for p in out.partials if isinstance(p, tuple | list) and len(p) == 4]
    assert any("Sending" in s for s in statuses)
    assert any("Starting" in s or "Processing" in s for s in statuses), statuses
    assert "Done" in out.final[1]
    assert out.final[3].strip(), "the model's logs reach the Logs box"


def test_rate_limited_chat_says_so_then_answers(app: RunningApp, tmp_path: Path) -> None:
    from playground.service import Service

    proxy, seen = throttling_proxy(app.engine_url, throttled_creates=1)
    with serve(proxy) as url:
        service = Service(url, data_dir=tmp_path / "app", backend="local")
        demo, ui_url = start_app(service, tmp_path / "app", tabs=["chat"])
        try:
            chat = Client(ui_url, verbose=False, download_files=str(tmp_path / "dl"))
            out = call(chat, "/chat", "Say hi.", "You are brief.", 16, 0, 0.9,
                       "llama-3.1-405b-precise")
        finally:
            demo.close()
    assert out.error is None, out.error
    assert "Rate limited (429): retrying in 1 s" in out.texts()
    assert "Done" in out.final[1]
    creates = [s for s in seen if s.startswith("POST") and s.endswith("/predictions")]
    assert len(creates) == 2


def test_a_message_too_long_for_the_model_is_refused_plainly(client: Client) -> None:
    out = call(client, "/chat", "word " * 6000, "You are brief.", 32, 0, 0.9,
               "llama-3.1-405b-precise")
    assert out.error is not None and "Shorten the message" in out.error
    assert "Message too long for this model" in out.texts() and "Done" not in out.texts()
    again = call(client, "/chat", "Say hi.", "You are brief.", 16, 0, 0.9,
                 "llama-3.1-405b-precise")
    assert again.error is None and "Done" in again.final[1]
