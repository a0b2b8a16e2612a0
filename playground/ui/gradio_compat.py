"""Gradio's private internals, all of them, behind the supported-version check.

Importing this module checks the installed Gradio first (ui/gradio_version.py: the range
pyproject.toml declares), so an untested Gradio fails at start with a sentence, not in the
page. Each private name is used behind a door named for what the app needs:

- `PageSideChat`: ChatInterface's send steps moved into the page (its private `_setup_*`
  methods, its event functions and their `trigger_after` links). No public API reorders
  ChatInterface's chain; a hand-wired Chatbot would be the public way.
- `wrap_preprocess`, `wrap_preprocess_data`, `upload_path`, `PAYLOAD_REFUSALS`, `PathRefused`:
  ui/serving/guard.py's hardening of how Gradio reads a request (no public hook exists).
- `upload_folder`: where Gradio keeps uploads (files from a browser are read only there).
- `current_page`: the Blocks being built, for a tab's page-load events.
- `label_in_config`: a label for gr.BrowserState, which takes none.
- `only_mcp_tools`: which events Gradio's MCP server offers as tools. It makes every named
  event a tool; no public switch keeps an event of the page out of the MCP tools but in the API
  (`api_visibility` hides it from both), so its tool table is replaced after launch.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from playground.ui.gradio_version import require_supported_gradio

require_supported_gradio()  # before the private names below: an untested Gradio fails here

import gradio as gr  # noqa: E402
from gradio.block_function import BlockFunction  # noqa: E402
from gradio.context import Context, get_blocks_context  # noqa: E402
from gradio.data_classes import FileData, ImageData  # noqa: E402
from gradio.exceptions import ComponentProcessingError, InvalidPathError  # noqa: E402
from gradio.utils import get_upload_folder  # noqa: E402
from pydantic import ValidationError  # noqa: E402  (Gradio's refusal of a misfit payload)

# What Gradio raises while it reads an event's inputs from a request (ui/serving/guard.py says it).
PAYLOAD_REFUSALS: tuple[type[Exception], ...] = (ValidationError, ComponentProcessingError,
                                                  ValueError, TypeError)
PathRefused = InvalidPathError
_GUARD_MARK = "_playground_guarded"  # on a block once wrapped: ids of collected blocks recur


def current_page() -> gr.Blocks:
    """The Blocks being built (a tab's build() adds page-load events to it)."""
    root = Context.root_block
    assert root is not None, "called while the page's Blocks is being built"
    return root


def upload_folder() -> str:
    """Where Gradio keeps the files uploaded to the page (GRADIO_TEMP_DIR or its default)."""
    return get_upload_folder()


def upload_path(payload: Any) -> str | None:
    """The server path an image or file payload names, if any."""
    return payload.path if isinstance(payload, ImageData | FileData) else None


def wrap_preprocess(block: gr.components.Component,
                    wrap: Callable[[Callable[[Any], Any]], Callable[[Any], Any]]) -> None:
    """`block` reads its payload through `wrap(original)`, once however often it is called."""
    if not vars(block).get(_GUARD_MARK):
        vars(block)[_GUARD_MARK] = True
        block.preprocess = wrap(block.preprocess)  # type: ignore[method-assign]


def wrap_preprocess_data(demo: gr.Blocks,
                         wrap: Callable[[Callable[..., Any]], Callable[..., Any]]) -> None:
    """Every event of `demo` reads its inputs through `wrap(original)` (once)."""
    if not vars(demo).get(_GUARD_MARK):
        vars(demo)[_GUARD_MARK] = True
        demo.preprocess_data = wrap(demo.preprocess_data)  # type: ignore[method-assign]


def only_mcp_tools(demo: gr.Blocks, tools: dict[str, str]) -> None:
    """After `launch(mcp_server=True)`: the MCP server offers exactly `tools` ({tool name: its
    event's endpoint, "/mcp_upscale"}), listed and callable; every other event stays the page's
    and the API's. Raises RuntimeError (a sentence) when the MCP server did not start."""
    server = demo.mcp_server_obj
    if server is None:
        raise RuntimeError(demo.mcp_error or "Gradio's MCP server did not start (is the `mcp` "
                           "package installed?)")
    named = server.api_info.get("named_endpoints", {})
    missing = sorted(e for e in tools.values() if e not in named)
    if missing:
        raise RuntimeError(f"the MCP tools' events are not on the page: {', '.join(missing)}")
    server.tool_to_endpoint = dict(tools)


def label_in_config(component: gr.components.Component, label: str) -> None:
    """A label in one component's config where its class takes none (gr.BrowserState: a
    subclass would make Gradio write a .pyi stub beside the subclass's module at import)."""
    plain = component.get_config

    def get_config(cls: Any = None) -> dict[str, Any]:
        return {**plain(cls), "label": label}

    component.get_config = get_config  # type: ignore[method-assign]


@dataclass(frozen=True)
class SendSteps:
    """The JS of ChatInterface's send steps when they run in the page (ui/tabs/chat_send.py)."""

    take: str  # message -> [the box's update, the message into the hidden box]
    gate: str  # message -> never resolves when empty: nothing after it runs
    show_message: str  # (message, history) -> [history with the message]
    show_sent: Callable[[str | None], str]  # the sent box (and the status line's words)
    # (box's elem_id, placeholder) -> the box back after the answer, the cursor in it
    restore: Callable[[str, str], str] | None = None


class PageSideChat(gr.ChatInterface):
    """A ChatInterface (every feature as Gradio builds it) whose send steps before the answer
    run in the page, and the answer's request first (the chain: ui/tabs/chat_send.py's docstring).

    `sent_status`: a component (one of `additional_outputs`) and the value it shows the moment
    a message is sent, before the server's first word.
    """

    def __init__(self, *args: Any, send_steps: SendSteps,
                 sent_status: tuple[gr.components.Component, str] | None = None,
                 **kwargs: Any) -> None:
        self.send_steps = send_steps
        self.sent_status = sent_status
        self._answer_fn: Any = None  # the chat function as ChatInterface wraps it
        super().__init__(*args, **kwargs)

    def _setup_events(self) -> None:
        # Rendered here, inside ChatInterface's own layout, before its events read it.
        self.saved_input = gr.Textbox(visible=False, show_label=False,
                                      elem_id=f"{self.textbox.elem_id}-sent")
        super()._setup_events()
        # An answer's progress shows on the conversation alone (one progress target: why in
        # tests/ui/test_progress_targets.py).
        assert self._answer_fn is not None, "ChatInterface's Enter chain has changed"
        for step in _running(self._answer_fn):
            step.show_progress_on = [self.chatbot]

    def _setup_stop_events(self, event_triggers: list[Any], events_to_cancel: list[Any],
                           after_success: Any) -> None:
        super()._setup_stop_events(event_triggers, events_to_cancel, after_success)
        js = self.send_steps
        take = _fn(after_success["id"])
        _in_page(take, js.take)
        gate = _fn(after_success.success(None, [self.saved_input], None, js=js.gate,
                                         queue=False, show_progress="hidden",
                                         api_visibility="undocumented")["id"])
        for step in _after(take):
            if step is gate:
                continue
            if step.fn == self._append_message_to_history:
                _in_page(step, js.show_message)
                for answer in _after(step):  # the answer, first of the gate's next steps
                    _follow(answer, gate, on_success=True)
                    self._answer_fn = answer.fn  # Retry's and the options' answers run it too
                    self._restore_in_page(answer)
                _follow(step, gate)
            elif step.trigger_only_on_success and step.outputs == [self.textbox]:
                if self.sent_status is None:
                    _in_page(step, js.show_sent(None))
                else:
                    component, value = self.sent_status
                    _in_page(step, js.show_sent(value))
                    step.outputs = [self.textbox, component]
                step.inputs = []
                _follow(step, gate)


    def _restore_in_page(self, answer: BlockFunction) -> None:
        """The step after the answer that unlocks the box runs in the page: the box comes back
        with its placeholder and the cursor in it (disabled, it had dropped the focus)."""
        restore = self.send_steps.restore
        if restore is None:
            return
        for synced in _after(answer):
            if not any(out is self.chatbot_state for out in synced.outputs):
                continue
            for step in _after(synced):
                if [*step.outputs] == [self.textbox] and step.fn is not None:
                    _in_page(step, restore(str(self.textbox.elem_id),
                                           str(self.textbox.placeholder or "")))


def _fn(fn_id: int) -> BlockFunction:
    config = get_blocks_context()
    assert config is not None, "built inside a gr.Blocks"
    return config.fns[fn_id]


def _after(step: BlockFunction) -> list[BlockFunction]:
    config = get_blocks_context()
    assert config is not None, "built inside a gr.Blocks"
    return [fn for fn in config.fns.values() if fn.trigger_after == step._id]


def _running(fn: Any) -> list[BlockFunction]:
    """Every event that runs `fn` (for the chat's answer: Enter, Retry, Edit, an option)."""
    config = get_blocks_context()
    assert config is not None, "built inside a gr.Blocks"
    return [step for step in config.fns.values() if step.fn is fn]


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
