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
State lives on the server, which the page-side steps no longer reach. The rewiring itself uses
ChatInterface's private event setup, so it lives in ui/gradio_compat.py (`PageSideChat`); this
module holds the steps' JS.
"""

from __future__ import annotations

import json
from typing import Any

import gradio as gr

from playground.ui.gradio_compat import PageSideChat, SendSteps

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


SEND_STEPS = SendSteps(take=TAKE_MESSAGE, gate=GATE, show_message=SHOW_MESSAGE,
                       show_sent=show_sent)


def page_side_chat(*args: Any, sent_status: tuple[gr.components.Component, str] | None = None,
                   **kwargs: Any) -> PageSideChat:
    """A `gr.ChatInterface` (same arguments) with the send steps above in the page.

    `sent_status`: a component (one of `additional_outputs`) and the value it shows the moment
    a message is sent, before the server's first word (the status line, which would otherwise
    still show the previous answer's "Done")."""
    return PageSideChat(*args, send_steps=SEND_STEPS, sent_status=sent_status, **kwargs)
