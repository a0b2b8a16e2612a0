"""`playground --cog DIR` with a Replicate token, as a user starts it (a real process): the app
runs on "Replicate" (the replay server of recorded Replicate exchanges) and the author's Cog
predictor on the embedded engine beside it; the MCP `compare` tool runs one of each with the
same seed. Needs the `cog` extra (`scripts/setup.sh --test` installs it)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from engine.cog_predictors import SEEDED, write_predictor
from integration.processes import Playground
from replay_server import ReplayServer

from .conftest import reply

pytestmark = pytest.mark.timeout(300)

TOKEN = "r8_cogBesideCliTestToken0123456789abcdefgh"
PINNED = "stability-ai/sdxl:39ed52f2a78e934b3ba6e2a89f5b1c712de7dfea535525255b1aa35c5565e08b"


async def test_cog_with_a_token_compares_mine_with_the_published_model(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = write_predictor(tmp_path / "mine", SEEDED)
    with ReplayServer(["run", "models-get"]) as replay:
        # 127.1 is 127.0.0.1, but not a name the app takes for its own engine: it stands for
        # Replicate here (the token is for it)
        monkeypatch.setenv("REPLICATE_BASE_URL", replay.url.replace("127.0.0.1", "127.1"))
        monkeypatch.setenv("REPLICATE_API_TOKEN", TOKEN)
        app = Playground(["--cog", str(folder), "--mcp", "--tab", "models"],
                         tmp_path / "data", tmp_path / "app.log")
        try:
            answer = await reply(app.url + "/", "compare", {
                "models": ["local/mine", PINNED], "input": {"prompt": "a fox", "seed": 7}})
        finally:
            app.kill()
    mine, theirs = answer["results"]
    assert (mine["model"], mine["status"]) == ("local/mine", "succeeded"), mine
    assert theirs["status"] == "succeeded", theirs
    assert mine["files"] and mine["files"][0]["content_type"] == "image/png"
    # the published model ran on "Replicate", with the token and the same seed
    created = [r for r in replay.requests if r.method == "POST"]
    assert [r.path for r in created] == ["/v1/predictions"]
    assert created[0].headers["authorization"] == f"Bearer {TOKEN}"
    assert json.loads(created[0].body)["input"]["seed"] == 7
    assert not any("local" in r.path for r in replay.requests)
    log = (tmp_path / "app.log").read_text()
    assert "local/mine" in log and TOKEN not in log
