"""The Compare tab's form follows the task, through its API with gradio_client: the grid and
the placeholders reset on a task change, and a new round empties the Export box."""

from __future__ import annotations

from pathlib import Path

import pytest
from gradio_client import Client

pytestmark = [pytest.mark.models, pytest.mark.timeout(600)]

CHAT = "local/smollm2-135m-instruct"


def _placeholders(out: list[object]) -> list[str]:
    return [v["placeholder"] for v in out if isinstance(v, dict) and "placeholder" in v]


def test_task_switch_resets_grid_and_placeholders(compare_app: str) -> None:
    client = Client(compare_app, verbose=False)
    out = client.predict("chat", api_name="/compare_task")
    grid_ref, x_name, x_vals, y_name, y_vals, grid_image = out[-6:]
    assert grid_ref["value"] == CHAT
    assert (x_name, x_vals, y_name, y_vals, grid_image) == ("", "", "", "", None)
    hints = _placeholders(out)
    assert hints == ['{"temperature": 0.9}'] * 4 + ['{"max_tokens": 64}'], hints

    out = client.predict("image-to-image", api_name="/compare_task")
    assert list(out[-5:]) == ["model", "modnet, u2netp", "", "", None]  # X alone
    assert _placeholders(out) == ['{"scale": 2}'] * 5

    out = client.predict("image", api_name="/compare_task")
    assert list(out[-5:-3]) == ["num_inference_steps", "1, 4"]
    assert "width" in _placeholders(out)[-1]


def test_a_new_round_empties_the_export_box(compare_app: str) -> None:
    client = Client(compare_app, verbose=False)
    # Before any run: one plain line in the status, no error (which would badge both files).
    json_path, html_path, said = client.predict(api_name="/compare_export")
    assert not isinstance(json_path, str) and not isinstance(html_path, str)  # left as they were
    assert "Nothing to save yet: run a comparison first." in said
    form = ["chat", CHAT, CHAT, None, None, '{"max_tokens": 2}', '{"max_tokens": 3}', "", "",
            "Hi", None, None, 3, "", None]
    first = client.predict(*form, api_name="/compare")
    assert first[0] == "Round 1: 2 of 2 succeeded.", first[0]
    json_path, html_path, said = client.predict(api_name="/compare_export")
    assert said.startswith("Saved")
    assert Path(json_path).is_file() and Path(html_path).is_file()
    again = client.predict(None, api_name="/compare_again")
    assert again[0] == "Round 2: 2 of 2 succeeded.", again[0]
    # the (JSON, HTML) export files go with the new round
    assert list(again[-2:]) == [None, None], again[-2:]
