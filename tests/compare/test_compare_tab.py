"""The Compare tab through its API with gradio_client, on the embedded engine: a comparison of
three local runs, a vote, export, loading the export and running it again."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from gradio_client import Client, handle_file

pytestmark = [pytest.mark.models, pytest.mark.timeout(600)]


def form(portrait: Path) -> list[object]:
    return ["image-to-image", "local/rembg", "local/rembg", "local/real-esrgan", None,
            '{"model": "modnet"}', '{"model": "u2netp"}', '{"scale": 2}', "",
            "", handle_file(str(portrait)), None, 42, ""]


def test_compare_vote_export_load_replay(compare_app: str, portrait: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    client = Client(compare_app, verbose=False)
    out = client.predict(*form(portrait), None, api_name="/compare")
    status, summary, heads, images = out[0], out[1], out[2:6], out[6:10]
    assert status == "Round 1: 3 of 3 succeeded."
    assert all("succeeded" in h and "(estimate)" in h for h in heads[:3])
    assert heads[3].endswith("empty") and images[3] is None
    assert all(Path(p).is_file() for p in images[:3])
    assert "local/real-esrgan (scale=2)" in summary

    summary = client.predict("better", api_name="/compare_vote_1")
    assert "| local/rembg (model=u2netp) | 1 | 1 | 1 | 0 | 0 |" in summary

    json_path, html_path = client.predict(api_name="/compare_export")
    saved = json.loads(Path(json_path).read_text())
    assert saved["seed"] == 42 and saved["votes"] == [{"round": 1, "entry": 1,
                                                       "verdict": "better"}]
    assert [r["status"] for r in saved["runs"]] == ["succeeded"] * 3
    assert all(r["version"] and r["files"] for r in saved["runs"])
    assert Path(html_path).read_text().count("data:image/png;base64,") == 4  # input + 3 outputs

    # A fresh browser session loads the file and sees the saved outputs...
    other = Client(compare_app, verbose=False)
    loaded = other.predict(handle_file(json_path), api_name="/compare_load")
    assert loaded[0].startswith(f"Loaded session {saved['id']}") and "not on this" not in loaded[0]
    assert "| 1 | 1 | 1 | 0 | 0 |" in loaded[1]  # the vote came back with it
    # ...and runs the same inputs again on the pinned versions
    again = other.predict(None, api_name="/compare_again")
    assert again[0] == "Round 2: 3 of 3 succeeded."
    assert "| local/rembg (model=u2netp) | 2 | 2 | 1 | 0 | 0 |" in again[1]
