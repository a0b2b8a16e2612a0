"""`playground --mcp` and `PLAYGROUND_MCP=1` as a user starts them (real processes)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from integration.processes import PLAYGROUND, Playground, free_port

from .conftest import session

TOOLS = {"generate_image", "chat", "transcribe", "upscale", "remove_background",
         "restore_faces", "search_models", "describe_model", "run_model", "compare"}


async def test_playground_mcp_env_serves_the_tools(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLAYGROUND_MCP", "1")  # Playground passes the environment on
    app = Playground(["--backend", "local", "--tab", "upscale"], tmp_path / "data",
                     tmp_path / "app.log")
    try:
        async with session(app.url + "/") as opened:
            names = {t.name for t in (await opened.list_tools()).tools}
        assert names == TOOLS
        assert "/gradio_api/mcp/" in (tmp_path / "app.log").read_text()
    finally:
        app.kill()


def test_mcp_with_auth_is_refused_in_a_sentence(tmp_path: Path) -> None:
    env = {**os.environ, "PLAYGROUND_DATA_DIR": str(tmp_path)}
    proc = subprocess.run([str(PLAYGROUND), "--mcp", "--auth", "ann:secret", "--backend",
                           "local", "--port", str(free_port())], capture_output=True,
                          text=True, timeout=120, env=env)
    assert proc.returncode == 2
    assert "--mcp cannot be used with --auth" in proc.stderr
    assert "--visitors-bring-token" in proc.stderr and "Traceback" not in proc.stderr
