"""The chat tab's send steps before the answer run in the page (ui/chat_send.py): from Enter,
no request leaves before the answer's own queue join. A Gradio upgrade that changes
ChatInterface's chain fails here, not silently in the page."""

from __future__ import annotations

from typing import Any

import gradio as gr

from playground.ui.chat_send import REFUSAL, SHOW_MESSAGE, SHOW_STOP, TAKE_MESSAGE, PageSideChat


def _echo(message: str, history: list[Any]) -> Any:
    yield message


def _chain(config: dict[str, Any], start: dict[str, Any]) -> list[dict[str, Any]]:
    """`start` and the steps that follow it, in the order the page runs them."""
    steps, current = [start], start
    while True:
        nxt = [d for d in config["dependencies"] if d["trigger_after"] == current["id"]
               and not d["trigger_only_on_success"] and not d["trigger_only_on_failure"]]
        if not nxt:
            return steps
        current = nxt[0]
        steps.append(current)


def test_enter_runs_in_the_page_until_the_answer() -> None:
    with gr.Blocks() as demo:
        box = gr.Textbox(elem_id="box", submit_btn=True, stop_btn=True, render=False)
        chat = PageSideChat(_echo, textbox=box)
    config = demo.get_config_file()
    by_id = {d["id"]: d for d in config["dependencies"]}
    enter = [d for d in config["dependencies"]
             if [tuple(t) for t in d["targets"]] == [(box._id, "submit")]]
    assert len(enter) == 1
    take, show, answer = _chain(config, enter[0])[:3]
    assert (take["backend_fn"], take["js"]) == (False, TAKE_MESSAGE)
    assert (show["backend_fn"], show["js"]) == (False, SHOW_MESSAGE)
    assert answer["backend_fn"] and answer["queue"]
    # The message reaches the answer through a component the page holds (not a server State).
    sent = chat.saved_input
    assert isinstance(sent, gr.Textbox)
    assert take["outputs"] == [box._id, sent._id] and answer["inputs"][0] == sent._id
    assert show["inputs"] == [sent._id, chat.chatbot._id]
    stop = [d for d in by_id.values() if d["trigger_after"] == take["id"]
            and d["trigger_only_on_success"]]
    assert [(d["backend_fn"], d["js"], d["inputs"]) for d in stop] == [(False, SHOW_STOP,
                                                                       [sent._id])]
    assert REFUSAL in TAKE_MESSAGE
