"""`gr.ChatInterface` whose send steps before the answer run in the page, not on the server.

ChatInterface sends a message in three steps, each waiting for the one before: take the message
from the box (a queued event when a `validator=` checks it), show it in the conversation (a
request), then the answer (a queued event). The first two only move values between components,
so here they are Gradio's JS-only events (`fn=None, js=...`: no request), and Enter is followed
by the answer's own request at once (docs/benchmarks.md, "First chat token through the app").

An empty message is refused in the page (the box keeps it and says why; no bubble, no Stop
button, no request); `respond` refuses one that reaches the server another way.
The message is carried to the answer in a hidden Textbox in place of ChatInterface's State: a
State lives on the server, which the page-side steps no longer reach.
"""

from __future__ import annotations

import json
from typing import Any

import gradio as gr
from gradio.block_function import BlockFunction
from gradio.context import get_blocks_context

REFUSAL = "Type a message first."
_BLANK = '!(message || "").trim()'

# Step 1: the message taken from the box, which is emptied and locked while the answer runs
# (ChatInterface._clear_and_save_textbox). An empty one stays, and the box's label says why
# (a prop, which stays until the next message; a validator-style loading_status would be
# cleared by the page's own status updates).
TAKE_MESSAGE = f"""(message) => {_BLANK}
  ? [{{__type__: "update", show_label: true, info: {json.dumps(REFUSAL)}}}, ""]
  : [{{__type__: "update", value: "", interactive: false, placeholder: "", show_label: false,
      info: null}}, message]"""
# Step 2: the user's message added to the conversation, in the form gr.Chatbot sends the page.
# An empty message ends the chain here: this step never completes, so the answer is never
# asked for (a thrown error would end it too, but marks the conversation with an Error badge).
SHOW_MESSAGE = f"""(message, history) => {_BLANK} ? new Promise(() => {{}})
  : [[...(history || []), {{role: "user", metadata: null,
                            content: [{{type: "text", text: message}}], options: null}}]]"""
# Beside step 2: Stop in place of Send (ChatInterface._setup_stop_events's first update).
SHOW_STOP = f"""(message) => {_BLANK} ? {{__type__: "update"}}
  : {{__type__: "update", submit_btn: false, stop_btn: true}}"""


class PageSideChat(gr.ChatInterface):
    """A ChatInterface (every feature as Gradio builds it) with the send steps in the page."""

    def _setup_events(self) -> None:
        # Rendered here, inside ChatInterface's own layout, before its events read it.
        self.saved_input = gr.Textbox(visible=False, show_label=False,
                                      elem_id=f"{self.textbox.elem_id}-sent")
        super()._setup_events()

    def _setup_stop_events(self, event_triggers: list[Any], events_to_cancel: list[Any],
                           after_success: Any) -> None:
        super()._setup_stop_events(event_triggers, events_to_cancel, after_success)
        take = _fn(after_success["id"])
        _in_page(take, TAKE_MESSAGE)
        for step in _after(take):
            if step.fn == self._append_message_to_history:
                _in_page(step, SHOW_MESSAGE)
            elif step.trigger_only_on_success and step.outputs == [self.textbox]:
                _in_page(step, SHOW_STOP)
                step.inputs = [self.saved_input]


def _fn(fn_id: int) -> BlockFunction:
    config = get_blocks_context()
    assert config is not None, "built inside a gr.Blocks"
    return config.fns[fn_id]


def _after(step: BlockFunction) -> list[BlockFunction]:
    config = get_blocks_context()
    assert config is not None, "built inside a gr.Blocks"
    return [fn for fn in config.fns.values() if fn.trigger_after == step._id]


def _in_page(step: BlockFunction, js: str) -> None:
    """The step runs as this JS in the page (Gradio's JS-only event); its server side goes."""
    step.fn = None
    step.js = js
    step.queue = False
    step.validator = None
    step.show_progress = "hidden"
