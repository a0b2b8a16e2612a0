"""One run of a model from a tab: live status, progress, logs, Cancel, and errors as messages.

A tab's handler builds a `Run`, iterates `run.execute(call)` (passing the panel updates it yields
straight through to Gradio) and gets the service's `RunResult` at the end. Every exception is
turned into a `messages.Message`: shown in the status line and raised as `gr.Error`, so no stack
trace ever reaches the page.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import gradio as gr

from playground.ui import messages
from playground.ui.context import AppContext

OnUpdate = Callable[[Any], None]
Call = Callable[[str | None, OnUpdate], Awaitable[Any]]

# Gradio swaps in the event's tracker (a context variable), so one default serves every handler.
PROGRESS = gr.Progress()
_PROGRESS = re.compile(r"(\d{1,3})%\|")
_STATUS_TEXT = {
    None: "Sending the request…",
    "sending": "Sending the request…",
    "uploading": "Uploading your file…",
    "queued": "Queued: waiting for the model…",
    "starting": "Starting: the model is loading…",
    "processing": "Processing…",
    "succeeded": "Saving the output…",
    "failed": "Finishing…",
    "canceled": "Stopping…",
}


@dataclass
class RunPanel:
    """The components every tab shows around a run."""

    status: gr.Markdown
    details: gr.Markdown
    logs: gr.Textbox

    @property
    def outputs(self) -> list[gr.components.Component]:
        return [self.status, self.details, self.logs]


def run_panel(tab: str) -> RunPanel:
    """Status line, then the run's details (model, version, times, uploads) and the model's
    logs one click away, in a collapsed "Details" (call inside a layout block)."""
    status = gr.Markdown(
        "Ready.", elem_id=f"{tab}-status", elem_classes=["run-status"]
    )
    with gr.Accordion("Details", open=False, elem_id=f"{tab}-details-box"):
        details = gr.Markdown("", elem_id=f"{tab}-details", elem_classes=["run-details"])
        logs = gr.Textbox(
            label="Logs", lines=6, max_lines=14, interactive=False, autoscroll=True,
            elem_id=f"{tab}-logs", buttons=["copy"], placeholder="The model's logs appear here.",
        )
    return RunPanel(status, details, logs)


def path_of(value: Any) -> str | None:
    """The server path of an uploaded file, from a raw FileData payload or a plain path."""
    if isinstance(value, dict):
        value = value.get("path")
    return str(value) if value else None


def token_of(value: Any) -> str | None:
    """The token from the BrowserState value (None means: use the server's default)."""
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def progress_of(update: Any) -> float | None:
    """A 0..1 fraction from a RunUpdate's progress, or from a tqdm-style line in its logs."""
    value = getattr(update, "progress", None)
    if isinstance(value, tuple | list) and len(value) == 2 and value[1]:
        return max(0.0, min(1.0, float(value[0]) / float(value[1])))
    if isinstance(value, int | float):
        return max(0.0, min(1.0, value / 100 if value > 1 else float(value)))
    fraction = getattr(value, "fraction", None) or getattr(value, "percent", None)
    if isinstance(fraction, int | float):
        return max(0.0, min(1.0, fraction / 100 if fraction > 1 else float(fraction)))
    logs = getattr(update, "logs", None) or ""
    found = _PROGRESS.findall(logs[-2000:])
    return int(found[-1]) / 100 if found else None


def status_line(status: str | None, elapsed: float, fraction: float | None) -> str:
    text = _STATUS_TEXT.get(status, f"{(status or 'working').capitalize()}…")
    if fraction is not None and status == "processing":
        text = f"Processing {fraction:.0%}"
    return f"{pill('run', text)} <span class='elapsed'>{elapsed:.0f} s</span>"


def _seconds(value: Any) -> str:
    try:
        return f"{float(value):.2f} s"
    except (TypeError, ValueError):
        return "n/a"


def details_markdown(result: Any, extra: list[str] | None = None) -> str:
    """Model, version, times and upload notes of a finished run, as compact Markdown."""
    metrics = getattr(result, "metrics", None) or {}
    if not isinstance(metrics, dict):
        metrics = dict(getattr(metrics, "__dict__", {}))
    version = str(getattr(result, "version", "") or "")
    short = f"`{version[:12]}…`" if len(version) > 14 else (f"`{version}`" if version else "latest")
    lines = [
        f"**Model** `{getattr(result, 'model', '') or 'unknown'}` · **version** {short}",
        f"**Predict time** {_seconds(metrics.get('predict_time'))} · "
        f"**Total time** {_seconds(metrics.get('total_time'))}",
    ]
    lines += extra or []
    problems = getattr(result, "output_problems", None) or []
    lines += [f"{pill('err', 'Not saved')} {messages.scrub(str(p))}" for p in problems]
    notes = getattr(result, "upload_notes", None) or []
    if isinstance(notes, str):
        notes = [notes]
    lines += [f"**Upload** {messages.scrub(str(n))}" for n in notes]
    return "  \n".join(lines)


class Run:
    """One press of a Run button in one browser session."""

    def __init__(self, ctx: AppContext, tab: str, panel: RunPanel, request: gr.Request | None,
                 token_value: Any, progress: gr.Progress | None = None) -> None:
        self.ctx = ctx
        self.tab = tab
        self.panel = panel
        self.session = getattr(request, "session_hash", None) or "anonymous"
        self.token = token_of(token_value)
        self.progress = progress
        self.result: Any = None
        self.prediction_id: str | None = None
        self._started = time.monotonic()
        self._finished = False

    def message_for(self, exc: BaseException) -> messages.Message:
        return messages.describe(
            exc, backend_url=self.ctx.backend.url, local=self.ctx.backend.is_local,
            had_token=self.token is not None or self.ctx.has_server_token,
        )

    def _on_update_factory(self, queue: asyncio.Queue[Any]) -> OnUpdate:
        loop = asyncio.get_running_loop()

        def on_update(update: Any) -> None:
            loop.call_soon_threadsafe(queue.put_nowait, update)

        return on_update

    def _panel_update(self, update: Any) -> dict[Any, Any]:
        pid = getattr(update, "prediction_id", None) or getattr(update, "id", None)
        if pid and pid != self.prediction_id:
            self.prediction_id = str(pid)
            self.ctx.runs.set(self.session, self.tab, self.prediction_id)
        fraction = progress_of(update)
        status = getattr(update, "status", None)
        if self.progress is not None and fraction is not None:
            self.progress(fraction, desc=f"{fraction:.0%}")
        line = status_line(status, time.monotonic() - self._started, fraction)
        notice = getattr(update, "notice", None)
        if notice:  # e.g. rate limited: say why nothing moves, and for how long
            line = f"{pill('warn', 'Waiting')} {messages.scrub(str(notice))}"
        out: dict[Any, Any] = {self.panel.status: line}
        logs = getattr(update, "logs", None)
        if logs:
            out[self.panel.logs] = messages.scrub(str(logs))
        return out

    async def _checked(self, call: Call, on_update: OnUpdate) -> Any:
        """The service returns failed and canceled runs as results: raise them as errors."""
        result = await call(self.token, on_update)
        if getattr(result, "status", "succeeded") != "succeeded" and hasattr(
                result, "raise_for_status"):
            result.raise_for_status()
        return result

    async def execute(self, call: Call) -> AsyncIterator[dict[Any, Any]]:
        """Run `call(token, on_update)`, yielding panel updates; the result lands in `.result`.

        On failure the status shows the message and `gr.Error` is raised; on cancel the status
        says so and the iteration just ends (with `.result` None).
        """
        queue: asyncio.Queue[Any] = asyncio.Queue()
        yield {self.panel.status: status_line(None, 0, None), self.panel.details: "",
               self.panel.logs: ""}
        task = asyncio.ensure_future(self._checked(call, self._on_update_factory(queue)))
        getter: asyncio.Future[Any] | None = None
        try:
            while True:
                getter = asyncio.ensure_future(queue.get())
                done, _ = await asyncio.wait({task, getter}, return_when=asyncio.FIRST_COMPLETED)
                if getter in done:
                    yield self._panel_update(getter.result())
                    continue
                getter.cancel()
                break
            while not queue.empty():
                yield self._panel_update(queue.get_nowait())
            try:
                self.result = task.result()
            except Exception as exc:  # every failure becomes a message, never a traceback
                message = self.message_for(exc)
                logs = getattr(getattr(exc, "prediction", None), "logs", None)
                update: dict[Any, Any] = {self.panel.status: status_for(message)}
                if logs:
                    update[self.panel.logs] = messages.scrub(str(logs))
                yield update
                if message.kind == "canceled":
                    return
                raise gr.Error(message.text, title=message.title, print_exception=False) from None
            self._finished = True
        finally:
            self.ctx.runs.pop(self.session, self.tab)
            if getter is not None and not getter.done():  # else: "Task was destroyed but…"
                getter.cancel()
            if not task.done():  # the Gradio event was canceled (Stop/Cancel, or tab closed)
                task.cancel()
                self._cancel_in_background()

    def _cancel_in_background(self) -> None:
        if not self.prediction_id:
            return
        asyncio.ensure_future(cancel_quietly(self.ctx, self.prediction_id, self.token))

    def done_status(self, summary: str = "") -> str:
        total = time.monotonic() - self._started
        tail = f" {summary}" if summary else ""
        return f"{pill('ok', 'Done')} in {total:.1f} s.{tail}"


def pill(kind: str, text: str) -> str:
    """A coloured label (CSS in shell.py): no emoji, which some presenters' fonts lack."""
    return f"<span class='pill {kind}'>{html.escape(text)}</span>"


def status_for(message: messages.Message) -> str:
    """The status line for an error, a warning or a cancel."""
    kind = {"error": "err", "warning": "warn", "canceled": "stop"}[message.kind]
    return f"{pill(kind, message.title)} {message.text}"


def no_output() -> str:
    return status_for(messages.Message("No result", "The model finished without an output."))


async def cancel_quietly(ctx: AppContext, prediction_id: str, token: str | None) -> bool:
    """Ask the backend to cancel; a prediction that already finished is not an error."""
    with contextlib.suppress(Exception):
        await ctx.service.cancel(prediction_id, token=token)
        return True
    return False


def cancel_handler(ctx: AppContext, tab: str) -> Callable[..., Awaitable[str]]:
    """The Cancel button: cancels this session's prediction in `tab` on the backend."""

    async def cancel(token_value: Any, request: gr.Request) -> str:
        session = getattr(request, "session_hash", None) or "anonymous"
        prediction_id = ctx.runs.pop(session, tab)
        if prediction_id:
            await cancel_quietly(ctx, prediction_id, token_of(token_value))
        return status_for(messages.Message("Canceled", "The run was stopped.", "canceled"))

    return cancel


def wire_run(ctx: AppContext, tab: str, panel: RunPanel, run_btn: gr.Button,
             cancel_btn: gr.Button, fn: Callable[..., Any], inputs: list[Any], outputs: list[Any],
             progress_on: Any, extra_triggers: list[Any] | None = None,
             preprocess: bool = True) -> Any:
    """Connect Run (and any extra triggers) and Cancel; Cancel stops the event and the backend.

    `fn` takes `*inputs, token_value` and yields dicts over `outputs` and the panel's outputs.
    File tabs pass `preprocess=False`: Gradio then hands over the uploaded file untouched
    (uploads are still confined to its cache), so a text file posing as an image reaches our
    checks and gets a clear message instead of failing inside Gradio's image decoding.
    """
    assert ctx.token_state is not None, "the shell creates token_state before building tabs"
    triggers = [run_btn.click, *(extra_triggers or [])]
    event = gr.on(
        triggers, fn, inputs=[*inputs, ctx.token_state], outputs=[*outputs, *panel.outputs],
        api_name=tab, show_progress="full", show_progress_on=progress_on,
        concurrency_limit=4, concurrency_id=f"{tab}-run", preprocess=preprocess,
    )
    cancel_btn.click(
        cancel_handler(ctx, tab), inputs=[ctx.token_state], outputs=[panel.status],
        cancels=[event], api_name=f"{tab}_cancel",
    )
    return event
