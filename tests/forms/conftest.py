"""Schemas for the form tests: the recorded/seed real ones, and the local engine's over HTTP."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

FIXTURES = Path(__file__).parent.parent / "fixtures"


def seed_schemas() -> dict[str, dict[str, Any]]:
    """{ref: openapi_schema} rebuilt from tests/fixtures/seed-model-schemas.json."""
    seeds = json.loads((FIXTURES / "seed-model-schemas.json").read_text())
    return {ref: {"components": {"schemas": {"Input": seed["input"], "Output": seed["output"],
                                             **seed["components"]}}}
            for ref, seed in seeds.items()}


@pytest.fixture(scope="session")
def engine_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real local engine (its models listed, none loaded: forms need only schemas)."""
    from playground.engine.models import registry
    from playground.engine.server import EngineThread

    engine = EngineThread(registry(), tmp_path_factory.mktemp("forms-engine"))
    engine.start()
    try:
        yield engine.url
    finally:
        engine.stop()


@pytest.fixture(scope="session")
def local_schemas(engine_url: str) -> dict[str, Any]:
    """Every model of the real local engine, its latest version's schema fetched over HTTP."""
    listed = httpx.get(f"{engine_url}/v1/models", timeout=30).json()["results"]
    schemas = {}
    for model in listed:
        ref = f"{model['owner']}/{model['name']}"
        got = httpx.get(f"{engine_url}/v1/models/{ref}", timeout=30).json()
        schemas[ref] = got["latest_version"]["openapi_schema"]
    return schemas
