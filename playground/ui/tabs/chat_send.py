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


def restore(elem_id: str, placeholder: str) -> str:
    """The JS of the step after the answer (ChatInterface's `update(value=None,
    interactive=True)`): the box unlocked with its placeholder back, and the cursor put back in
    it once the page has drawn it enabled, as every chat app does (locked, it lost the focus to
    the page's body). Only when the focus is nowhere else: a person who moved on keeps it."""
    box = json.dumps(f"#{elem_id} textarea")
    home = json.dumps(f"#{elem_id}")
    return f"""() => {{
  const idle = (el) => !el || el === document.body || el === document.documentElement;
  const box = () => document.querySelector({box});
  if (idle(document.activeElement) || document.activeElement === box()) {{
    const place = () => {{
      const el = box();
      if (!el || el.disabled) return false;
      if (idle(document.activeElement)) el.focus({{preventScroll: true}});
      return true;
    }};
    const home = document.querySelector({home});
    if (home) {{
      const watch = new MutationObserver(() => {{ if (place()) watch.disconnect(); }});
      watch.observe(home, {{attributes: true, subtree: true, childList: true,
                           attributeFilter: ["disabled"]}});
      setTimeout(() => watch.disconnect(), 30000);  // no box enabled by then: leave it
    }}
  }}
  return {{__type__: "update", value: "", interactive: true,
           placeholder: {json.dumps(placeholder)}}};
}}"""


SEND_STEPS = SendSteps(take=TAKE_MESSAGE, gate=GATE, show_message=SHOW_MESSAGE,
                       show_sent=show_sent, restore=restore)


def page_side_chat(*args: Any, sent_status: tuple[gr.components.Component, str] | None = None,
                   **kwargs: Any) -> PageSideChat:
    """A `gr.ChatInterface` (same arguments) with the send steps above in the page.

    `sent_status`: a component (one of `additional_outputs`) and the value it shows the moment
    a message is sent, before the server's first word (the status line, which would otherwise
    still show the previous answer's "Done")."""
    return PageSideChat(*args, send_steps=SEND_STEPS, sent_status=sent_status, **kwargs)
