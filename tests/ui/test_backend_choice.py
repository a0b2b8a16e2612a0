"""`playground --backend auto|replicate|local|URL`: which server the app talks to."""

from __future__ import annotations

import pytest

from playground.ui.app import open_context


def test_auto_prefers_a_configured_server(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REPLICATE_BASE_URL", "https://replicate.example.test")
    monkeypatch.setenv("REPLICATE_API_TOKEN", "r8_server_default_token")
    ctx, engine = open_context("auto")
    assert engine is None
    assert ctx.backend.kind == "custom"
    assert ctx.backend.url == "https://replicate.example.test"


def test_auto_uses_the_cloud_with_a_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REPLICATE_API_TOKEN", "r8_server_default_token")
    ctx, engine = open_context("auto")
    assert engine is None
    assert ctx.backend.kind == "replicate"
    assert ctx.backend.url == "https://api.replicate.com"


def test_auto_without_a_token_starts_the_engine_in_its_own_folder(isolated_env) -> None:
    ctx, engine = open_context("auto")
    try:
        assert ctx.backend.kind == "local"
        assert ctx.backend.url == engine.url and engine.url.startswith("http://127.0.0.1:")
        assert (isolated_env / "engine").is_dir()
    finally:
        engine.stop()


def test_a_loopback_url_is_taken_for_a_local_engine() -> None:
    ctx, engine = open_context("http://127.0.0.1:8008/")
    assert engine is None
    assert ctx.backend.kind == "local" and ctx.backend.url == "http://127.0.0.1:8008"
