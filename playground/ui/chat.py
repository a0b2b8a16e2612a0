"""Chat tab: Llama through `gr.ChatInterface`, streamed token by token; Stop cancels the run."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import gradio as gr

from playground.ui import widgets
from playground.ui.context import AppContext
from playground.ui.messages import Message, describe, scrub
from playground.ui.runner import (
    cancel_quietly,
    details_markdown,
    pill,
    status_for,
    status_line,
    token_of,
)

TAB = "chat"
TASK = "chat"
STOPPED = Message("Stopped", "The answer was interrupted; what it wrote so far is kept.",
                  "canceled")


def history_as_messages(history: list[Any]) -> list[dict[str, str]]:
    """Gradio's chat history as plain {"role", "content": str} messages (text parts only)."""
    out = []
    for item in history or []:
        role = item.get("role") if isinstance(item, dict) else getattr(item, "role", None)
        content = item.get("content") if isinstance(item, dict) else getattr(item, "content", "")
        if isinstance(content, list):
            content = "".join(
                c.get("text", "") if isinstance(c, dict) else (c if isinstance(c, str) else "")
                for c in content
            )
        if role in ("user", "assistant", "system") and isinstance(content, str):
            out.append({"role": role, "content": content})
    return out


def cut_off(result: Any, max_tokens: int) -> str:
    """Plain words when the answer used every token it was allowed (so it stopped mid-way),
    from the token count the model reports (Replicate's language models and the engine do)."""
    metrics = getattr(result, "metrics", None) or {}
    count = metrics.get("output_token_count") if isinstance(metrics, dict) else None
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
        logs = gr.Textbox(label="Logs", lines=6, max_lines=14, interactive=False,
                          autoscroll=True, elem_id=f"{TAB}-logs", buttons=["copy"],
                          placeholder="The model's logs appear here.")
    chatbot = gr.Chatbot(elem_id=f"{TAB}-chatbot", height=440, label="Conversation",
                         buttons=["copy"], render=False, layout="bubble",
                         placeholder="Ask anything to start the conversation.")
    textbox = gr.Textbox(placeholder="Type a message and press Enter", elem_id=f"{TAB}-input",
                         show_label=False, render=False, submit_btn=True, stop_btn=True)

    async def respond(message: str, history: list[Any], system: str, max_new: float,
                      temp: float, nucleus: float, preset_name: str | None, token_value: Any,
                      request: gr.Request) -> Any:
        session = getattr(request, "session_hash", None) or "anonymous"
        token = token_of(token_value)
        started = time.monotonic()
        text, prediction_id, finished, result, log_text = "", None, False, None, ""
        yield "", status_line(None, 0, None), "", ""
        try:
            async for update in ctx.service.chat(
                message, history_as_messages(history), preset=widgets.preset_value(preset_name),
                system_prompt=system or None, token=token, max_tokens=int(max_new),
                temperature=float(temp), top_p=float(nucleus),
            ):
                if update.prediction_id and update.prediction_id != prediction_id:
                    prediction_id = update.prediction_id
                    ctx.runs.set(session, TAB, prediction_id)
                text = update.text_so_far or text
                result = update.result or result
                log_text = scrub(update.logs) if update.logs else log_text
                if update.done:
                    break
                line = status_line(update.status, time.monotonic() - started, None)
                if update.notice:  # e.g. rate limited: say why nothing moves, and how long
                    line = f"{pill('warn', 'Waiting')} {scrub(update.notice)}"
                yield text, line, "", log_text
            finished = True
        except Exception as exc:  # every failure becomes a message, never a traceback
            msg = describe(exc, backend_url=ctx.backend.url, local=ctx.backend.is_local,
                           had_token=token is not None or ctx.has_server_token)
            finished = True
            yield text, status_for(STOPPED if msg.kind == "canceled" else msg), "", log_text
            if msg.kind == "canceled":
                return
            raise gr.Error(scrub(msg.text), title=msg.title, print_exception=False) from None
        finally:
            ctx.runs.pop(session, TAB)
            if not finished and prediction_id:  # Stop pressed: cancel on the backend too
                asyncio.ensure_future(cancel_quietly(ctx, prediction_id, token))
        if result is not None and result.status == "canceled":  # canceled elsewhere
            yield text, status_for(STOPPED), details_markdown(result), log_text
            return
        took = time.monotonic() - started
        done = f"{pill('ok', 'Done')} in {took:.1f} s."
        cut = cut_off(result, int(max_new))
        if cut:  # an answer cut mid-sentence is not simply "Done"
            done = f"{pill('warn', 'Done, but')} {cut} ({took:.1f} s)"
        yield text, done, details_markdown(result) if result else "", log_text

    async def stop(token_value: Any, request: gr.Request) -> tuple[str, str, Any]:
        """Stop: ChatInterface cancels the event (the partial answer stays); this cancels the
        prediction on the backend and says so, in place of the running status."""
        session = getattr(request, "session_hash", None) or "anonymous"
        prediction_id = ctx.runs.pop(session, TAB)
        if prediction_id:
            await cancel_quietly(ctx, prediction_id, token_of(token_value))
        # Every output of the canceled event, so none keeps Gradio's "Error" badge from it.
        return status_for(STOPPED), "", gr.skip()

    gr.ChatInterface(
        respond,
        chatbot=chatbot,
        textbox=textbox,
        additional_inputs=[system_prompt, max_tokens, temperature, top_p, preset, ctx.token_state],
        additional_inputs_accordion=gr.Accordion("Settings", open=False, render=False,
                                                 elem_id=f"{TAB}-settings"),
        additional_outputs=[status, details, logs],
        api_name=TAB,
        fill_height=False,
        autofocus=False,
        concurrency_limit=4,
    )
    details_box.render()
    textbox.stop(stop, inputs=[ctx.token_state], outputs=[status, details, logs],
                 api_name=f"{TAB}_stop", show_progress="hidden")
    widgets.wire_preset(ctx, TAB, TASK, preset, about, {
        "system_prompt": system_prompt, "max_tokens": max_tokens, "temperature": temperature,
        "top_p": top_p,
    })


if __name__ == "__main__":
    from playground.ui.app import main_for

    main_for(TAB)
