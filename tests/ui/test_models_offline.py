"""Offline, the Models tab on a Replicate model the engine does not have (issue 20, item 5): it
says the model needs Replicate (no token is in play), names the local stand-in that can run here
and offers it, and its own example is a model that runs here. On the real engine."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from playground.service import Service
from playground.ui.context import make_context
from playground.ui.tabs.model_notes import not_here
from playground.ui.tabs.models import LOCAL_EXAMPLE, PICK_HINT_LOCAL


@pytest.fixture
def ctx(engine: Any, tmp_path: Path) -> Any:
    return make_context(Service(engine.url, data_dir=tmp_path, backend="local"),
                        browser_secret="models-offline-secret-0123")


def test_a_replicate_model_names_the_stand_in_that_runs_here(ctx: Any) -> None:
    for typed in ("nightmareai/real-esrgan", "https://replicate.com/nightmareai/real-esrgan"):
        found = not_here(ctx, typed)
        assert found is not None
        message, stand_in = found
        assert message.title == "Needs Replicate" and message.kind == "warning"
        assert "runs on Replicate" in message.text and "local/real-esrgan" in message.text
        assert "token cannot see it" not in message.text and "private" not in message.text
        assert stand_in is not None and stand_in.ref == "local/real-esrgan"


def test_sdxl_needs_replicate_and_its_stand_in_is_not_offered(ctx: Any) -> None:
    found = not_here(ctx, "stability-ai/sdxl")
    assert found is not None
    message, stand_in = found
    assert "runs on Replicate" in message.text and "cannot run on this computer" in message.text
    assert stand_in is None  # listed, but it cannot run here: nothing to open


def test_the_engine_models_and_the_example_are_left_to_open(ctx: Any) -> None:
    assert LOCAL_EXAMPLE in PICK_HINT_LOCAL and "stability-ai" not in PICK_HINT_LOCAL
    assert LOCAL_EXAMPLE in ctx.service.local_models()
    assert not_here(ctx, LOCAL_EXAMPLE) is None
    assert not_here(ctx, "not a model") is None  # find_model words that one
    message, stand_in = not_here(ctx, "local/nope") or (None, None)
    assert message is not None and "no model local/nope on this computer" in message.text
    assert stand_in is None


def test_on_replicate_nothing_is_said_before_asking(tmp_path: Path) -> None:
    service = Service("https://api.replicate.com", data_dir=tmp_path, backend="replicate")
    assert not_here(make_context(service, browser_secret="models-offline-secret-0123"),
                    "stability-ai/sdxl") is None
