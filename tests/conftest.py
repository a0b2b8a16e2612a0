"""Isolation for every test: no real token, no internet, a private data and cache directory."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Set before gradio or any model runtime is imported anywhere in the test session.
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test gets its own data dir and sees no Replicate settings from the shell."""
    for name in ("REPLICATE_API_TOKEN", "REPLICATE_BASE_URL", "PLAYGROUND_ENGINE_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    data = tmp_path / "data"
    monkeypatch.setenv("PLAYGROUND_DATA_DIR", str(data))
    return data


@pytest.fixture
def fixtures_dir() -> Path:
    return FIXTURES
