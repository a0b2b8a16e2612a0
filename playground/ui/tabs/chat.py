"""Chat tab: Llama through `gr.ChatInterface` (its send steps run in the page: chat_send),
streamed token by token; Stop cancels the run."""

from __future__ import annotations

from functools import partial
from typing import Any

import gradio as gr

from playground.results import RunResult
from playground.service import Caller, OnUpdate, scrub
from playground.tasks import by_module
from playground.ui.context import AppContext
from playground.ui.kit import widgets
from playground.ui.kit.code_panel import code_panel, code_values
from playground.ui.kit.messages import Message
from playground.ui.kit.runner import (
    Run,
    bind,
    cancel_quietly,
    details_markdown,
    session_of,
)
from playground.ui.kit.status_text import status_for, status_line
from playground.ui.tabs.chat_send import page_side_chat

ROW = by_module(__name__)  # this tab's row of the task table
TAB, TASK = ROW.tab, ROW.id  # "chat", "chat"
STOPPED = Message("Stopped", "The answer was interrupted; what it wrote so far is kept.",
                  "canceled")


def cut_off(result: RunResult, max_tokens: int) -> str:
    """Plain words when the answer used every token it was allowed (so it stopped mid-way),
    from the token count the model reports (Replicate's language models and the engine do)."""
    count = result.metrics.get("output_token_count")
    if not isinstance(count, int | float) or max_tokens <= 0 or count < max_tokens:
        return ""
    return (f"The answer stopped at the {max_tokens}-token limit: raise Max tokens to get "
            "more.")


def build(ctx: AppContext) -> None:
    init = widgets.initial(ctx, TASK)
    widgets.intro("Chat with **Llama**. The answer streams in as it is written; press **Stop** "
                  "to interrupt it. Settings such as the system prompt are under *Settings*.")
    with gr.Row(equal_height=True):
        with gr.Column(scale=3):
            preset, about = widgets.preset_picker(ctx, TAB, TASK)
        with gr.Column(scale=2):
            status = gr.Markdown("Ready.", elem_id=f"{TAB}-status", elem_classes=["run-status"])
    system_prompt = gr.Textbox(
        init.get("system_prompt", "You are a helpful assistant."), label="System prompt",
        lines=2, elem_id=f"{TAB}-system-prompt", render=False,
    )
    max_tokens = gr.Slider(16, 2048, value=int(init.get("max_tokens", 512)), step=16,
                           label="Max tokens", elem_id=f"{TAB}-max-tokens", render=False)
    temperature = gr.Slider(0, 2, value=float(init.get("temperature", 0.6)), step=0.05,
                            label="Temperature", info="Higher: more varied answers",
                            elem_id=f"{TAB}-temperature", render=False)
    top_p = gr.Slider(0.05, 1, value=float(init.get("top_p", 0.9)), step=0.05, label="Top p",
                      elem_id=f"{TAB}-top-p", render=False)
    # The run's details and logs one click away, as in every tab (runner.run_panel).
    with gr.Accordion("Details", open=False, elem_id=f"{TAB}-details-box",
                      render=False) as details_box:
        details = gr.Markdown("", elem_id=f"{TAB}-details", elem_classes=["run-details"])
        logs = gr.Textbox(show_label=False, lines=6, max_lines=14, interactive=False,
                          autoscroll=True, elem_id=f"{TAB}-logs", buttons=["copy"],
                          placeholder="The model's logs appear here.")
    code = code_panel(TAB, render=False)
    chatbot = gr.Chatbot(elem_id=f"{TAB}-chatbot", height=440, label="Conversation",
                         buttons=["copy"], render=False, layout="bubble",
                         placeholder="Ask anything to start the conversation.")
    textbox = gr.Textbox(placeholder="Type a message and press Enter", elem_id=f"{TAB}-input",
                         label="Message", show_label=False, render=False, submit_btn=True,
                         stop_btn=True)

    # Enter in an empty box sends nothing (chat_send.REFUSAL; the API refuses it too: `respond`).
    page_side_chat(
        bind(respond, ctx),
        chatbot=chatbot,
        textbox=textbox,
        additional_inputs=[system_prompt, max_tokens, temperature, top_p, preset, ctx.token_state],
        additional_inputs_accordion=gr.Accordion("Settings", open=False, render=False,
                                                 elem_id=f"{TAB}-settings"),
        additional_outputs=[status, details, logs, *code.components],
        api_name=TAB,
        fill_height=False,
        autofocus=False,
        concurrency_limit=ctx.concurrency(4),
        sent_status=(status, status_line(None, 0, None)),  # what the first step will say
    )
    details_box.render()
    code.box.render()
    textbox.stop(bind(stop, ctx), inputs=[ctx.token_state], outputs=[status, details, logs],
                 api_name=f"{TAB}_stop", show_progress="hidden")
    widgets.wire_preset(ctx, TAB, TASK, preset, about, {
        "system_prompt": system_prompt, "max_tokens": max_tokens, "temperature": temperature,
        "top_p": top_p,
    })
    ctx.reopen.add(TAB, {"message": textbox}, on_reload=False)
    ctx.reopen.shows(TAB, [chatbot, status, details, logs],
                     partial(_shows, chatbot, status, details, logs), status)


async def respond(ctx: AppContext, message: str, history: list[Any], system_prompt: str,
                  max_tokens: float, temperature: float, top_p: float, preset: str | None,
                  token: str | None = None, request: gr.Request | None = None) -> Any:
    """One answer, streamed: (answer so far, status, details, logs) at every step."""
    # A failed answer is said in the status line and the conversation stays as it is (a gr.Error
    # would cover it with an "Error" badge); errors before any answer (no token, no backend, an
    # empty message) are raised as in every tab.
    run = Run(ctx, TAB, request, token, canceled=STOPPED, quiet_failures=True)

    async def call(token: str | None, on_update: OnUpdate, caller: Caller) -> RunResult:
        return await ctx.service.chat(
            message, history, preset=widgets.preset_value(preset),
            system_prompt=system_prompt or None, token=token, on_update=on_update,
            caller=caller,
            max_tokens=int(max_tokens), temperature=float(temperature),
            top_p=float(top_p))

    shown = ["", "", "", ""]
    code: list[Any] = [gr.skip()]  # the Code box (its state): set when the run ends
    async for step in run.steps(call):
        for i, value in enumerate((step.text, step.status, step.details, step.logs)):
            if value is not None:
                shown[i] = value
        if step.code is not None:
            code = [code_values(step.code or None)]
        yield (*shown, *code)
    if run.result is None:
        return
    result = run.result
    cut = cut_off(result, int(max_tokens))  # an answer cut mid-sentence is not simply "Done"
    yield (result.text or shown[0], run.done_status(notes=[*result.notes, *([cut] if cut else [])]),
           details_markdown(result), scrub(result.logs) or shown[3], *code)

def _shows(chatbot: gr.Chatbot, status: gr.Markdown, details: gr.Markdown, logs: gr.Textbox,
           run: Run, values: dict[str, Any]) -> dict[Any, Any]:
    """A saved answer shown again (a reload): that message and its answer."""
    assert run.result is not None
    message = values.get("message")
    said = [{"role": "user", "content": message}] if isinstance(message, str) and message else []
    return {chatbot: [*said, {"role": "assistant", "content": run.result.text}],
            status: run.done_status(), details: details_markdown(run.result),
            logs: scrub(run.result.logs)}


async def stop(ctx: AppContext, token: str | None = None,
               request: gr.Request | None = None) -> tuple[str, str, Any]:
    """Stop: ChatInterface cancels the event (the partial answer stays); this cancels the
    prediction on the backend and says so, in place of the running status."""
    prediction_id = ctx.runs.pop(session_of(request), TAB)
    if prediction_id:
        await cancel_quietly(ctx, prediction_id, ctx.owners.token(token, request))
    # Every output of the canceled event, so none keeps Gradio's "Error" badge from it.
    return status_for(STOPPED), "", gr.skip()
