"""`gr.ChatInterface` whose send steps before the answer run in the page, beside the answer.

ChatInterface sends a message in three steps, each waiting for the one before: take the message
from the box (a queued event when a `validator=` checks it), show it in the conversation (a
request), then the answer (a queued event). The first two only move values between components,
so here they are Gradio's JS-only events (`fn=None, js=...`: no request), and the answer's own
request leaves first, without waiting for the page to draw the emptied box or the new bubble
(docs/benchmarks.md, "First chat token through the app"):

    Enter -> take the message (into a hidden box) -> gate (stops here if it is empty)
          -> the answer (a queued event), then beside it: the box emptied with Stop in place of
             Send, and the user's message added to the conversation.

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

# Step 1: the message copied into the hidden box (ChatInterface._clear_and_save_textbox's saving
# half); the box itself is left alone, as redrawing it would hold up the answer. An empty one
# stays, and the box's label says why (a prop, which stays until the next message; a
# validator-style loading_status would be cleared by the page's own status updates).
TAKE_MESSAGE = f"""(message) => {_BLANK}
  ? [{{__type__: "update", show_label: true, info: {json.dumps(REFUSAL)}}}, ""]
  : [{{__type__: "update"}}, message]"""
# Step 2: an empty message ends the chain here: this step never completes, so nothing after it
# runs (a thrown error would end it too, but marks its outputs with an Error badge).
GATE = f"(message) => {_BLANK} ? new Promise(() => {{}}) : []"
# After the gate, beside the answer's request: the box emptied and locked, Stop in place of Send
# (ChatInterface._clear_and_save_textbox and _setup_stop_events's first update, in one), and the
# status line's words for a request on its way, if given. Each waits for the page's next task,
# so the answer's request (all promise steps) leaves first.
_NEXT_TASK = "await new Promise((resolve) => setTimeout(resolve))"
_SENT_BOX = """{__type__: "update", value: "", interactive: false, placeholder: "",
               show_label: false, info: null, submit_btn: false, stop_btn: true}"""


def show_sent(status: str | None = None) -> str:
    """The JS of the step that shows a message as sent (`status`: the status line's value)."""
    shown = _SENT_BOX if status is None else f"[{_SENT_BOX}, {json.dumps(status)}]"
    return f"async () => {{ {_NEXT_TASK}; return {shown}; }}"


# ... and the user's message added to the conversation, in the form gr.Chatbot sends the page.
SHOW_MESSAGE = f"""async (message, history) => {{ {_NEXT_TASK};
  return [[...(history || []), {{role: "user", metadata: null,
                                content: [{{type: "text", text: message}}], options: null}}]]; }}"""


class PageSideChat(gr.ChatInterface):
    """A ChatInterface (every feature as Gradio builds it) with the send steps in the page.

    `sent_status`: a component (one of `additional_outputs`) and the value it shows the moment
    a message is sent, before the server's first word (the status line, which would otherwise
    still show the previous answer's "Done").
    """

    def __init__(self, *args: Any,
                 sent_status: tuple[gr.components.Component, str] | None = None,
                 **kwargs: Any) -> None:
        self.sent_status = sent_status
        super().__init__(*args, **kwargs)

    def _setup_events(self) -> None:
        # Rendered here, inside ChatInterface's own layout, before its events read it.
        self.saved_input = gr.Textbox(visible=False, show_label=False,
                                      elem_id=f"{self.textbox.elem_id}-sent")
        super()._setup_events()
        # An answer's progress shows on the conversation alone, not as a timer on each of its
        # outputs: the page revisits every progress target at each status of any event and
        # redraws each timer at every frame, on the CPU the answer's model is waiting for.
        for step in _answers(self.chatbot):
            step.show_progress_on = [self.chatbot]

    def _setup_stop_events(self, event_triggers: list[Any], events_to_cancel: list[Any],
                           after_success: Any) -> None:
        super()._setup_stop_events(event_triggers, events_to_cancel, after_success)
        take = _fn(after_success["id"])
        _in_page(take, TAKE_MESSAGE)
        gate = _fn(after_success.success(None, [self.saved_input], None, js=GATE, queue=False,
                                         show_progress="hidden",
                                         api_visibility="undocumented")["id"])
        for step in _after(take):
            if step is gate:
                continue
            if step.fn == self._append_message_to_history:
                _in_page(step, SHOW_MESSAGE)
                for answer in _after(step):  # the answer, first of the gate's next steps
                    _follow(answer, gate, on_success=True)
                _follow(step, gate)
            elif step.trigger_only_on_success and step.outputs == [self.textbox]:
                if self.sent_status is None:
                    _in_page(step, show_sent())
                else:
                    component, value = self.sent_status
                    _in_page(step, show_sent(value))
                    step.outputs = [self.textbox, component]
                step.inputs = []
                _follow(step, gate)


def _fn(fn_id: int) -> BlockFunction:
    config = get_blocks_context()
    assert config is not None, "built inside a gr.Blocks"
    return config.fns[fn_id]


def _after(step: BlockFunction) -> list[BlockFunction]:
    config = get_blocks_context()
    assert config is not None, "built inside a gr.Blocks"
    return [fn for fn in config.fns.values() if fn.trigger_after == step._id]


def _answers(chatbot: gr.Chatbot) -> list[BlockFunction]:
    """Every event that answers in `chatbot` (Enter, Retry, Edit, an option picked)."""
    config = get_blocks_context()
    assert config is not None, "built inside a gr.Blocks"
    return [fn for fn in config.fns.values()
            if getattr(fn.fn, "__name__", "") == "_submit_fn" and chatbot in fn.outputs]


def _follow(step: BlockFunction, gate: BlockFunction, *, on_success: bool = False) -> None:
    """`step` runs once the gate passes. The page starts a step's successors in the order
    success-only first, then the rest: `on_success` puts the answer's request first."""
    step.trigger_after = gate._id
    step.trigger_only_on_success = on_success


def _in_page(step: BlockFunction, js: str) -> None:
    """The step runs as this JS in the page (Gradio's JS-only event); its server side goes."""
    step.fn = None
    step.js = js
    step.queue = False
    step.validator = None
    step.show_progress = "hidden"
