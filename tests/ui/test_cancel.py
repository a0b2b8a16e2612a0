"""Cancel and Stop reach the backend: the engine's prediction ends up `canceled`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from gradio_client import Client, handle_file

from .conftest import RunningApp
from .helpers import wait_for

pytestmark = pytest.mark.models


def _latest(engine_url: str, model: str) -> dict[str, Any] | None:
    results = httpx.get(f"{engine_url}/v1/predictions", timeout=10).json()["results"]
    found = [p for p in results if p.get("model") == model]
    return max(found, key=lambda p: p.get("created_at") or "") if found else None


def _running_status(job: Any) -> bool:
    return any(isinstance(o, tuple | list) and len(o) > 2 and isinstance(o[2], str)
               and ("Starting" in o[2] or "Processing" in o[2]) for o in job.outputs())


def test_cancel_button_cancels_on_the_backend(app: RunningApp, client: Client,
                                              media: dict[str, Path]) -> None:
    # 512 px at 4x: long enough on the CPU to cancel midway.
    job = client.submit(handle_file(media["portrait"]), 4, False, "real-esrgan-4x", "full",
                        None, api_name="/upscale")
    wait_for(lambda: _running_status(job), timeout=60)
    status = client.predict(None, api_name="/upscale_cancel")
    assert "Canceled" in status
    prediction = wait_for(
        lambda: (p := _latest(app.engine_url, "local/real-esrgan")) and p["status"] in
        ("canceled", "succeeded", "failed") and p, timeout=60)
    assert prediction["status"] == "canceled"


def test_chat_stop_cancels_on_the_backend(app: RunningApp, client: Client) -> None:
    job = client.submit("Write a very long story about a dragon who learns to cook.",
                        "You are a storyteller.", 1024, 0.7, 0.9, "llama-3.1-405b", None,
                        api_name="/chat")
    wait_for(lambda: any(isinstance(o, tuple | list) and len(o[0]) > 20 for o in job.outputs()),
             timeout=60)
    job.cancel()
    prediction = wait_for(
        lambda: (p := _latest(app.engine_url, "local/smollm2-135m-instruct"))
        and p["status"] in ("canceled", "succeeded", "failed") and p, timeout=60)
    assert prediction["status"] == "canceled"
