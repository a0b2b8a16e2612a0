"""`playground --backend auto|replicate|local|URL`: which server the app talks to."""

from __future__ import annotations

import pytest

from playground.cli import open_service


def test_auto_prefers_a_configured_server(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REPLICATE_BASE_URL", "https://replicate.example.test")
    monkeypatch.setenv("REPLICATE_API_TOKEN", "r8_server_default_token")
    service, engine = open_service("auto")
    assert engine is None
    assert service.server.kind == "custom"
    assert service.server.url == "https://replicate.example.test"


def test_auto_uses_the_cloud_with_a_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REPLICATE_API_TOKEN", "r8_server_default_token")
    service, engine = open_service("auto")
    assert engine is None
    assert service.server.kind == "replicate"
    assert service.server.url == "https://api.replicate.com"


def test_auto_without_a_token_starts_the_engine_in_its_own_folder(isolated_env) -> None:
    service, engine = open_service("auto")
    try:
        assert service.server.kind == "local"
        assert service.server.url == engine.url and engine.url.startswith("http://127.0.0.1:")
        assert (isolated_env / "engine").is_dir()
    finally:
        engine.stop()


def test_the_engine_keeps_its_usual_port_and_moves_on_when_taken(isolated_env) -> None:
    """The code a run shows names the engine's address: on 8008 it is the same after a
    restart; a second playground (8008 taken) still starts, on another port."""
    from playground.cli import port_free
    from playground.engine.server import ENGINE_PORT

    if not port_free("127.0.0.1", ENGINE_PORT):
        pytest.skip(f"port {ENGINE_PORT} is used by something else here")
    first, engine = open_service("local")
    try:
        assert engine is not None and engine.port == ENGINE_PORT
        second, other = open_service("local")  # the first holds 8008
        try:
            assert other is not None and other.port not in (ENGINE_PORT, 0)
        finally:
            other.stop()
    finally:
        engine.stop()


def test_a_loopback_url_is_taken_for_a_local_engine() -> None:
    service, engine = open_service("http://127.0.0.1:8008/")
    assert engine is None
    assert service.server.kind == "local" and service.server.url == "http://127.0.0.1:8008"
