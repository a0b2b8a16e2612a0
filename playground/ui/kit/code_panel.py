"""The Code box under every run: the last run as Python, JavaScript, cURL and this project's
Python, so a person can take what they just did into their own code."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import gradio as gr

from playground.run_code import LANGUAGES, RunCall, snippets

_LANGUAGE_OF = {"Python": "python", "JavaScript": "javascript", "cURL": "shell",
                "Python (playground)": "python"}
_ID = re.compile(r"[^a-z0-9]+")



@dataclass
class CodePanel:
    """A collapsed "Code" box: the last run as Python, JavaScript, cURL and this project.

    Runs set `state` (the four snippets); the boxes follow it. A state, so the snippets never
    clutter the results of the app's own API endpoints (Gradio leaves states out of those)."""

    box: gr.Accordion
    blocks: dict[str, gr.Code]
    state: gr.State

    @property
    def components(self) -> list[gr.components.Component]:
        return [self.state]

    def show(self, call: RunCall | None) -> dict[Any, Any]:
        return {self.state: code_values(call)}


def code_values(call: RunCall | None) -> list[str]:
    """The four snippets in LANGUAGES order ("" each when there is no run)."""
    if call is None:
        return [""] * len(LANGUAGES)
    code = snippets(call)
    return [code[name] for name in LANGUAGES]


def code_panel(prefix: str, *, render: bool = True) -> CodePanel:
    """A collapsed box with one tab per language (`render=False`: placed later, as Chat
    does, with `.box.render()`)."""
    with gr.Accordion("Code: this run from Python, JavaScript or cURL", open=False,
                      elem_id=f"{prefix}-code-box", elem_classes=["code-panel"],
                      render=render) as box:
        gr.Markdown("The exact request of the last run; uploaded files appear as their file "
                    "name. A token, where one is needed, is read from "
                    "`REPLICATE_API_TOKEN`.",
                    elem_classes=["run-details"])
        blocks: dict[str, gr.Code] = {}
        with gr.Tabs():
            for name in LANGUAGES:
                with gr.Tab(name, id=f"{prefix}-code-{_slug(name)}"):
                    blocks[name] = gr.Code(
                        value="", language=_LANGUAGE_OF[name], interactive=False,  # type: ignore[arg-type]
                        show_label=False, lines=8, buttons=["copy"],
                        elem_id=f"{prefix}-code-{_slug(name)}")
    state = gr.State([""] * len(LANGUAGES))
    # One progress target: why in tests/ui/test_progress_targets.py.
    state.change(_shown, inputs=[state], outputs=[blocks[name] for name in LANGUAGES],
                 api_visibility="private", show_progress="hidden", queue=False,
                 show_progress_on=[blocks[LANGUAGES[0]]])
    return CodePanel(box, blocks, state)


def _shown(values: list[str] | None) -> list[str]:
    return list(values or [""] * len(LANGUAGES))


def _slug(name: str) -> str:
    return _ID.sub("-", name.lower()).strip("-")
