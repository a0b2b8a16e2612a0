"""The one run loop of every tab, Chat and Compare's buttons aside: live status, progress, logs,
Cancel, and every failure shown as a failure.

A tab's handler builds a `Run` and iterates `run.steps(call)` (or `run.execute(call)`, which
turns each step into updates of the tab's `RunPanel`); `call(token, on_update, caller)` is one
service call that passes the three on (`token=`, `on_update=`, and `caller=`: whose run, for
the history), reports `RunUpdate`s (streamed text included) and returns a `RunResult`. The
result lands in `run.result` only when it succeeded. A failed result, like any exception, becomes a
`messages.Message`: shown in the status line (with the run's logs and details) and raised as
`gr.Error`, so no stack trace ever reaches the page; a canceled one says so and ends quietly.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import inspect
import time
import typing
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal

import gradio as gr

from playground.background import in_background
from playground.results import RunResult, RunUpdate, format_seconds
from playground.run_code import RunCall, call_for_run
from playground.service import Caller, OnUpdate, errors, scrub
from playground.ui.context import AppContext
from playground.ui.kit import messages
from playground.ui.kit.code_panel import CodePanel, code_panel
from playground.ui.kit.status_text import not_saved, pill, status_for, status_line
from playground.ui.serving.owners import address_of

# (token, on_update, caller) -> the run's result: the service call a Run button makes
Call = Callable[[str | None, OnUpdate, Caller], Awaitable[RunResult]]

# Gradio swaps in the event's tracker (a context variable), so one default serves every handler.
PROGRESS = gr.Progress()


@dataclass
class RunPanel:
    """The components every tab shows around a run, the Code box of the last run included."""

    status: gr.Markdown
    details: gr.Markdown
    logs: gr.Textbox
    anyway: gr.Button | None = None  # "Run anyway", shown under a result from the history
    code: CodePanel | None = None

    @property
    def outputs(self) -> list[gr.components.Component]:
        return [self.status, self.details, self.logs,
                *(self.code.components if self.code else [])]

    def show(self, step: Step) -> dict[Any, Any]:
        """A step as updates of these components (only what it sets)."""
        pairs = ((self.status, step.status), (self.details, step.details),
                 (self.logs, step.logs))
        shown = {component: value for component, value in pairs if value is not None}
        if self.code is not None and step.code is not None:
            shown.update(self.code.show(step.code or None))
        return shown


@dataclass
class Step:
    """What a run shows at one moment; None leaves a part as it is."""

    status: str | None = None
    details: str | None = None
    logs: str | None = None
    text: str | None = None  # streamed output so far
    code: RunCall | Literal[""] | None = None  # the finished run as code; "" clears the box


def run_panel(tab: str) -> RunPanel:
    """Status line, then the run's details (model, version, times, uploads) and the model's
    logs one click away, in a collapsed "Details" (call inside a layout block)."""
    status = gr.Markdown(
        "Ready.", elem_id=f"{tab}-status", elem_classes=["run-status"]
    )
    anyway = gr.Button("Run anyway", visible=False, size="sm", variant="secondary",
                       elem_id=f"{tab}-anyway")
    with gr.Accordion("Details", open=False, elem_id=f"{tab}-details-box"):
        details = gr.Markdown("", elem_id=f"{tab}-details", elem_classes=["run-details"])
        logs = gr.Textbox(
            label="Logs", lines=6, max_lines=14, interactive=False, autoscroll=True,
            elem_id=f"{tab}-logs", buttons=["copy"], placeholder="The model's logs appear here.",
        )
    return RunPanel(status, details, logs, anyway, code_panel(tab))


def path_of(value: Any) -> str | None:
    """The server path of an uploaded file, from a raw FileData payload or a plain path."""
    if isinstance(value, dict):
        value = value.get("path")
    return str(value) if value else None


def session_of(request: gr.Request | None) -> str:
    return (request.session_hash if request is not None else None) or "anonymous"


def details_markdown(result: RunResult, extra: list[str] | None = None) -> str:
    """Model, version, times and upload notes of a finished run, as compact Markdown."""
    version = result.version or ""
    short = f"`{version[:12]}…`" if len(version) > 14 else (f"`{version}`" if version else "latest")
    lines = [
        f"**Model** `{result.model or 'unknown'}` · **version** {short}",
        f"**Predict time** {format_seconds(result.metrics.get('predict_time'), 2)} · "
        f"**Total time** {format_seconds(result.metrics.get('total_time'), 2)}",
    ]
    if isinstance(result.metrics.get("load_time"), int | float):  # not in predict time
        lines[-1] += f" · **Loading the model** {format_seconds(result.metrics['load_time'], 2)}"
    if result.reused is not None:
        when = time.strftime("%d %b %Y, %H:%M", time.localtime(result.reused.started_at))
        lines.insert(0, f"**From history**: the identical run of {when}, not run again "
                        "(no request to the backend)")
    lines += extra or []
    # a problem names the output's URL, which the model's author chose: shown as text
    lines += [f"{pill('err', 'Not saved')} {html.escape(scrub(p), quote=False)}"
              for p in result.output_problems]
    lines += [f"**Upload** {scrub(n)}" for n in result.upload_notes]
    return "  \n".join(lines)


class Run:
    """One press of a Run button (or one chat message) in one browser session."""

    def __init__(self, ctx: AppContext, tab: str, request: gr.Request | None,
                 token_value: Any, progress: gr.Progress | None = None, *,
                 canceled: messages.Message | None = None, quiet_failures: bool = False,
                 seed_chosen: bool = True, as_tab: str | None = None,
                 as_task: str | None = None) -> None:
        self.ctx = ctx
        self.tab = tab
        self.session = session_of(request)
        self.request = request
        self.seed_chosen = seed_chosen  # False: the tab drew the seed at random
        self.as_tab, self.as_task = as_tab, as_task  # recorded as (History's Run again)
        self.restored_at: float | None = None  # set for a finished run shown again (a reload)
        self.token = ctx.owners.token(token_value, request)  # opened with its cookie
        self.progress = progress
        self.canceled = canceled  # how a cancel reads in this tab (default: "Canceled")
        # A failed prediction said in the status line only, without gr.Error: Gradio would
        # cover every output (a whole conversation) with an "Error" badge.
        self.quiet_failures = quiet_failures
        self.failure: RunResult | None = None  # set when the prediction failed or was canceled
        self.result: RunResult | None = None  # set once the run succeeded
        self.prediction_id: str | None = None
        self._started = time.monotonic()

    @classmethod
    def restored(cls, ctx: AppContext, tab: str, result: RunResult, started_at: float) -> Run:
        """A finished run from the history, shown again by the tab's own result code."""
        run = cls(ctx, tab, None, None)
        run.result, run.restored_at = result, started_at
        return run

    def message_for(self, exc: BaseException) -> messages.Message:
        return messages.describe(exc, backend_url=self.ctx.backend.url,
                                 local=self.ctx.backend.is_local,
                                 had_token=self.token is not None or self.ctx.has_server_token)

    def _step(self, update: RunUpdate) -> Step:
        if update.prediction_id and update.prediction_id != self.prediction_id:
            self.prediction_id = update.prediction_id
            self.ctx.runs.set(self.session, self.tab, self.prediction_id)
        fraction = update.progress
        if self.progress is not None and fraction is not None:
            self.progress(fraction, desc=f"{fraction:.0%}")
        line = status_line(update.status, time.monotonic() - self._started, fraction,
                           update.logs)
        if update.notice:  # e.g. rate limited: say why nothing moves, and for how long
            line = f"{pill('warn', 'Waiting')} {scrub(update.notice)}"
        return Step(status=line, logs=scrub(update.logs) if update.logs else None,
                    text=update.text or None)

    async def steps(self, call: Call) -> AsyncIterator[Step]:
        """Run `call(token, on_update, caller)`, yielding what to show; a success lands in
        `.result`.

        A failure (a failed result or an exception) shows its message and raises `gr.Error`;
        a cancel says so and the iteration just ends (with `.result` None).
        """
        queue: asyncio.Queue[RunUpdate] = asyncio.Queue()
        caller = self.caller()  # whose run: passed to the call, which passes it to the service
        # Started before the first update: the backend request goes out while that update
        # goes round Gradio's queue (7 to 40 ms on a busy machine), not after it.
        task = asyncio.ensure_future(call(self.token, queue.put_nowait, caller))
        getter: asyncio.Future[RunUpdate] | None = None
        try:
            yield Step(status=status_line(None, 0, None), details="", logs="", code="")
            while True:
                getter = asyncio.ensure_future(queue.get())
                done, _ = await asyncio.wait({task, getter}, return_when=asyncio.FIRST_COMPLETED)
                if getter in done:
                    yield self._step(getter.result())
                    continue
                getter.cancel()
                break
            while not queue.empty():
                yield self._step(queue.get_nowait())
            try:
                result = task.result()
            except Exception as exc:  # every failure becomes a message, never a traceback
                message = self.message_for(exc)
                logs = exc.prediction.logs if isinstance(exc, errors.PredictionTimedOut) \
                    else None
                yield Step(status=status_for(self._worded(message)),
                           details=_detail(message) or None, logs=scrub(logs) if logs else None)
                self._raise(message)
                return
            if not result.ok:
                self.failure = result
                message = messages.for_result(result, local=self.ctx.backend.is_local)
                yield Step(status=status_for(self._worded(message)),
                           details="  \n".join(filter(None, [_detail(message),
                                                             details_markdown(result)])),
                           logs=scrub(result.logs),
                           text=result.text or None)
                if not self.quiet_failures:
                    self._raise(message)
                return
            self.result = result
            if result.reused is not None:
                self.ctx.anyway.offer(self.session, self.tab)
        finally:
            self.ctx.runs.pop(self.session, self.tab)
            if getter is not None and not getter.done():  # else: "Task was destroyed but…"
                getter.cancel()
            if not task.done():  # the Gradio event was canceled (Stop/Cancel, or tab closed)
                task.cancel()
                self._cancel_in_background()
        yield Step(code=self.code_of(result) or "")

    def caller(self) -> Caller:
        """Whose run this is (the history records it for this browser, from this tab), and
        whether an identical saved run may answer it: not after "Run anyway" (asked once: this
        takes it), nor with a seed drawn at random."""
        return Caller(self.ctx.owners.of(self.request), self.as_tab or self.tab,
                      reuse=not self.ctx.anyway.take(self.session, self.tab),
                      seed_chosen=self.seed_chosen, task=self.as_task,
                      address=address_of(self.request))

    def code_of(self, result: RunResult) -> RunCall | None:
        """The finished run as code (the Code box): its model, version and inputs as sent."""
        server = self.ctx.service.server_for(result.model)  # the engine's, for a --cog model
        return call_for_run(result.model, result.version, result.input, result.output,
                            result.files, base_url=server.url, needs_token=not server.is_local)

    async def execute(self, call: Call, panel: RunPanel) -> AsyncIterator[dict[Any, Any]]:
        """`steps`, as updates of a tab's run panel."""
        async for step in self.steps(call):
            yield panel.show(step)

    def _worded(self, message: messages.Message) -> messages.Message:
        return self.canceled if message.kind == "canceled" and self.canceled else message

    @staticmethod
    def _raise(message: messages.Message) -> None:
        # The status line has just said it: no pop-up over the tab bar as well (issue 20 item
        # 7); an API caller still gets the error.
        if message.kind != "canceled":
            raise gr.Error(message.text, title=message.title, visible=False,
                           print_exception=False) from None

    def _cancel_in_background(self) -> None:
        if not self.prediction_id:
            return
        in_background(cancel_quietly(self.ctx, self.prediction_id, self.token))

    def done_status(self, summary: str = "", notes: list[str] | None = None) -> str:
        """The status line of a success; `notes` (what was changed on the way) are said too."""
        total = time.monotonic() - self._started
        tail = f" {summary}" if summary else ""
        said = "".join(f" {pill('warn', 'Note')} {scrub(n)}" for n in notes or [])
        said += not_saved(len(self.result.output_problems) if self.result is not None else 0)
        if self.restored_at is not None:
            when = time.strftime("%d %b, %H:%M", time.localtime(self.restored_at))
            return f"{pill('stop', 'Last run')} {when}, from the history.{tail}{said}"
        if self.result is not None and self.result.reused is not None:
            return (f"{pill('ok', 'From history')} not run again: the identical run's result, "
                    f"in {format_seconds(total)}.{tail}{said}")
        loaded = self.result.metrics.get("load_time") if self.result is not None else None
        if isinstance(loaded, int | float) and loaded >= 0:  # the model was loaded first
            tail = f" Loading the model took {format_seconds(loaded)} of it.{tail}"
        return f"{pill('ok', 'Done')} in {format_seconds(total)}.{tail}{said}"


def _detail(message: messages.Message) -> str:
    """A message's technical side, for the run's Details."""
    return f"**Why** {html.escape(message.detail)}" if message.detail else ""


async def cancel_quietly(ctx: AppContext, prediction_id: str, token: str | None) -> bool:
    """Ask the backend to cancel; a prediction that already finished is not an error."""
    with contextlib.suppress(Exception):
        await ctx.service.cancel(prediction_id, token=token)
        return True
    return False


def cancel_handler(ctx: AppContext, tab: str) -> Callable[..., Awaitable[str]]:
    """The Cancel button: cancels this session's prediction in `tab` on the backend."""

    async def cancel(token: str | None = None, request: gr.Request | None = None) -> str:
        prediction_id = ctx.runs.pop(session_of(request), tab)
        if prediction_id:
            await cancel_quietly(ctx, prediction_id, ctx.owners.token(token, request))
        return status_for(messages.Message("Canceled", "The run was stopped.", "canceled"))

    return cancel


def bind(fn: Callable[..., Any], *first: Any) -> Callable[..., Any]:
    """`fn` with its first arguments given (the context, the tab's components), as Gradio sees
    a plain function: the other parameters' names, defaults and types, so `gr.Request` is
    still filled in and the API names each input after its parameter. (`functools.partial`
    hides the types from Gradio.)"""
    signature = inspect.signature(fn)
    rest = list(signature.parameters.values())[len(first):]
    try:
        hints = typing.get_type_hints(fn)
    except NameError:
        hints = {}
    if inspect.isasyncgenfunction(fn):
        async def handler(*args: Any, **kwargs: Any) -> Any:
            async for item in fn(*first, *args, **kwargs):
                yield item
    elif inspect.iscoroutinefunction(fn):
        async def handler(*args: Any, **kwargs: Any) -> Any:  # type: ignore[misc]
            return await fn(*first, *args, **kwargs)
    else:
        def handler(*args: Any, **kwargs: Any) -> Any:  # type: ignore[misc]
            return fn(*first, *args, **kwargs)
    handler.__signature__ = signature.replace(parameters=rest)  # type: ignore[attr-defined]
    names = {p.name for p in rest} | {"return"}
    handler.__annotations__ = {k: v for k, v in hints.items() if k in names}
    handler.__name__ = handler.__qualname__ = fn.__name__
    handler.__doc__ = fn.__doc__
    return handler


def wire_run(ctx: AppContext, tab: str, panel: RunPanel, run_btn: gr.Button,
             cancel_btn: gr.Button, fn: Callable[..., Any], inputs: list[Any], outputs: list[Any],
             progress_on: Any, extra_triggers: list[Any] | None = None,
             preprocess: bool = True, stale: dict[Any, Any] | None = None) -> Any:
    """Connect Run (and any extra triggers) and Cancel; Cancel stops the event and the backend.

    `fn` takes `*inputs, token_value` and yields dicts over `outputs` and the panel's outputs.
    File tabs pass `preprocess=False`: Gradio then hands over the uploaded file untouched
    (uploads are still confined to its cache), so a text file posing as an image reaches our
    checks and gets a clear message instead of failing inside Gradio's image decoding.
    `stale`: the last result's components and what each shows once a new run starts (cleared,
    so an old result and its Download never sit beside a new run or its error).
    """
    triggers = [run_btn.click, *(extra_triggers or [])]
    if stale:
        clear_stale(triggers + ([panel.anyway.click] if panel.anyway is not None else []),
                    stale)
    event = gr.on(
        triggers, fn, inputs=[*inputs, ctx.token_state], outputs=[*outputs, *panel.outputs],
        api_name=tab, show_progress="full", show_progress_on=progress_on,
        concurrency_limit=ctx.concurrency(4), concurrency_id=f"{tab}-run",
        preprocess=preprocess,
    )
    events = [event]
    if panel.anyway is not None:  # under a result from the history: run it for real
        again = panel.anyway.click(
            bind(ask_anyway, ctx, tab), queue=False, api_visibility="private",
            show_progress="hidden",
        ).then(
            fn, inputs=[*inputs, ctx.token_state], outputs=[*outputs, *panel.outputs],
            api_visibility="private", show_progress="full", show_progress_on=progress_on,
            concurrency_limit=ctx.concurrency(4), concurrency_id=f"{tab}-run",
            preprocess=preprocess,
        )
        events.append(again)
        for ran in events:
            ran.then(bind(anyway_button, ctx, tab), outputs=[panel.anyway], queue=False,
                     api_visibility="private", show_progress="hidden")
    cancel_btn.click(
        cancel_handler(ctx, tab), inputs=[ctx.token_state], outputs=[panel.status],
        cancels=events, api_name=f"{tab}_cancel",
    )
    return event


def clear_stale(triggers: list[Any], stale: dict[Any, Any]) -> None:
    """On `triggers`, the components of `stale` set to their values (a quick request beside
    the run's own, which leaves at once: it never waits in the run's queue)."""
    components = list(stale)

    def clear() -> list[Any]:
        return [stale[component] for component in components]

    gr.on(triggers, clear, outputs=components, queue=False, show_progress="hidden",
          api_visibility="private")


def runs_of(ctx: AppContext, tab: str, request: gr.Request | None) -> Caller:
    """Whose the runs an event starts (many at once, as Compare's) are: this browser's,
    recorded from `tab`; never answered from the history (a comparison runs every entry for
    real). Passed as `caller=` to each run."""
    return Caller(ctx.owners.of(request), tab, reuse=False, address=address_of(request))


def ask_anyway(ctx: AppContext, tab: str, request: gr.Request | None = None) -> None:
    """"Run anyway": this session's next run in `tab` goes to the backend."""
    ctx.anyway.ask(session_of(request), tab)


def anyway_button(ctx: AppContext, tab: str, request: gr.Request | None = None) -> gr.Button:
    """Shown when the run that just ended was answered from the history."""
    return gr.Button(visible=ctx.anyway.offered(session_of(request), tab))
