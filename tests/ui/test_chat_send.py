"""The chat tab's send steps run in the page (ui/tabs/chat_send.py): from Enter, no request leaves
before the answer's own queue join, and the answer is the first step the page starts after the
empty-message gate. A Gradio upgrade that changes ChatInterface's chain fails here, not silently
in the page."""

from __future__ import annotations

from typing import Any

import gradio as gr

from playground.ui.tabs.chat_send import (
    GATE,
    REFUSAL,
    SHOW_MESSAGE,
    TAKE_MESSAGE,
    page_side_chat,
    restore,
    show_sent,
)


def _echo(message: str, history: list[Any]) -> Any:
    yield message


def _next_steps(config: dict[str, Any], step: dict[str, Any]) -> list[dict[str, Any]]:
    """The steps that follow `step`, in the order the page starts them: success-only ones
    first, then the rest, each group in the config's order (Gradio's Blocks.svelte)."""
    after = [d for d in config["dependencies"] if d["trigger_after"] == step["id"]]
    return ([d for d in after if d["trigger_only_on_success"]]
            + [d for d in after if not d["trigger_only_on_success"]])


def test_enter_starts_the_answer_first_and_shows_the_message_beside_it() -> None:
    with gr.Blocks() as demo:
        box = gr.Textbox(elem_id="box", submit_btn=True, stop_btn=True, render=False)
        chat = page_side_chat(_echo, textbox=box)
    config = demo.get_config_file()
    enter = [d for d in config["dependencies"]
             if [tuple(t) for t in d["targets"]] == [(box._id, "submit")]]
    assert len(enter) == 1
    take = enter[0]
    sent = chat.saved_input
    assert isinstance(sent, gr.Textbox)  # a component the page holds, not a server State
    assert (take["backend_fn"], take["js"]) == (False, TAKE_MESSAGE)
    assert take["outputs"] == [box._id, sent._id]
    [gate] = _next_steps(config, take)
    assert (gate["backend_fn"], gate["js"], gate["inputs"], gate["outputs"]) == (
        False, GATE, [sent._id], [])
    answer, *beside = _next_steps(config, gate)
    assert answer["backend_fn"] and answer["queue"] and answer["inputs"][0] == sent._id
    assert answer["show_progress_on"] == [chat.chatbot._id]
    assert sorted((d["js"], d["backend_fn"], tuple(d["inputs"]), tuple(d["outputs"]))
                  for d in beside) == sorted([
        (show_sent(), False, (), (box._id,)),
        (SHOW_MESSAGE, False, (sent._id, chat.chatbot._id), (chat.chatbot._id,)),
    ])
    assert all(not d["queue"] and d["show_progress"] == "hidden" for d in [take, gate, *beside])
    assert REFUSAL in TAKE_MESSAGE and "setTimeout" in show_sent() and "setTimeout" in SHOW_MESSAGE


def test_the_status_line_says_sending_at_once() -> None:
    """With `sent_status`, the step that empties the box also sets the status line, so the
    previous answer's "Done" is not left showing while the new one is on its way."""
    with gr.Blocks() as demo:
        status = gr.Markdown("Done", render=False)
        box = gr.Textbox(render=False)
        page_side_chat(_echo, textbox=box, additional_outputs=[status],
                     sent_status=(status, "<b>Sending…</b>"))
    config = demo.get_config_file()
    [step] = [d for d in config["dependencies"] if d["js"] == show_sent("<b>Sending…</b>")]
    assert step["outputs"] == [box._id, status._id] and not step["backend_fn"]
    assert '"<b>Sending\\u2026</b>"' in step["js"]


def test_every_answer_shows_its_progress_on_the_conversation_only() -> None:
    with gr.Blocks() as demo:
        chat = page_side_chat(_echo, textbox=gr.Textbox(render=False),
                            additional_outputs=[gr.Markdown(render=False)])
    config = demo.get_config_file()
    answers = [d for d in config["dependencies"]  # the chat function, named by Gradio
               if str(d["api_name"]).startswith("_submit_fn") and d["backend_fn"]]
    assert len(answers) == 3  # Enter, Retry, an option picked
    assert all(d["show_progress_on"] == [chat.chatbot._id] for d in answers)


def test_after_the_answer_the_box_comes_back_in_the_page_with_the_cursor() -> None:
    """The step that unlocks the box after the answer runs in the page: the placeholder back
    and the cursor put back in the box (locked, it had dropped the focus to the page's body)."""
    with gr.Blocks() as demo:
        box = gr.Textbox(elem_id="box", placeholder="Type here", submit_btn=True,
                         stop_btn=True, render=False)
        chat = page_side_chat(_echo, textbox=box)
    config = demo.get_config_file()
    [take] = [d for d in config["dependencies"]
              if [tuple(t) for t in d["targets"]] == [(box._id, "submit")]]
    [gate] = _next_steps(config, take)
    answer = _next_steps(config, gate)[0]
    synced = [d for d in _next_steps(config, answer) if chat.chatbot_state._id in d["outputs"]]
    back = [d for s in synced for d in _next_steps(config, s) if d["outputs"] == [box._id]]
    assert len(back) == 1
    step = back[0]
    assert not step["backend_fn"] and step["js"] == restore("box", "Type here")
    assert "focus(" in step["js"] and '"Type here"' in step["js"]
    assert "interactive: true" in step["js"]
