"""Every user-visible action is a named API endpoint, named after its tab."""

from __future__ import annotations

import pytest
from gradio_client import Client

from playground.tasks import TABLE

pytestmark = pytest.mark.models

TABS = tuple(r.tab for r in TABLE.rows)  # the task tabs, from the task table
# The token box: the Save endpoint is deliberately undocumented (it carries the token).
SHELL = {"/forget_token", "/token_status"}


def test_every_tab_action_has_a_meaningful_api_name(client: Client) -> None:
    info = client.view_api(return_format="dict", print_info=False)
    named = set(info["named_endpoints"])
    assert not info["unnamed_endpoints"], info["unnamed_endpoints"]
    for tab in TABS:
        assert f"/{tab}" in named, tab  # the tab's main action
        assert f"/{tab}_preset" in named, tab
        assert (f"/{tab}_stop" if tab == "chat" else f"/{tab}_cancel") in named, tab
    assert "/image_aspect" in named
    # No endpoint named after a Python function (Gradio's default): each names its tab.
    prefixes = (*TABS, "compare", "models")
    stray = {n for n in named - SHELL if not n.lstrip("/").startswith(prefixes)}
    assert not stray, stray


def test_parameters_have_real_names_and_the_token_is_optional(client: Client) -> None:
    info = client.view_api(return_format="dict", print_info=False)["named_endpoints"]
    for name, endpoint in info.items():
        for p in endpoint["parameters"]:
            assert not p["label"].startswith("parameter_"), (name, p["label"])
            assert not p["parameter_name"].startswith("param_"), (name, p["parameter_name"])
            if p["parameter_name"] == "token":
                assert p["parameter_has_default"] and p["parameter_default"] is None, name
    chat = [p["parameter_name"] for p in info["/chat"]["parameters"]]
    assert chat[0] == "message" and chat[-1] == "token"


def test_chat_from_code_needs_only_the_message(client: Client) -> None:
    answer, status, _details, _logs = client.predict("What is the capital of France?",
                                                     api_name="/chat")
    assert "Done" in status and answer.strip()
