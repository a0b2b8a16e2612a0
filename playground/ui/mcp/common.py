"""What every MCP tool shares: whose call it is (its token, its history owner), the one run
loop of the page (`Run`), its files (in: a URL or data: URI; out: URLs this server serves), and
every failure as a plain sentence (`gr.Error`), never a traceback.

Gradio's MCP server runs a tool as an event of this page, through its queue, with the MCP
request's HTTP headers: so `gr.Request` carries the agent's headers (its token), the request
guards apply to a tool as to any API call, and demo mode's limits to its runs (the service's
gate) and to the models it may find (the catalog's).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import gradio as gr

from playground.forms import InputProblem
from playground.results import RunResult
from playground.service import Caller, FileRefused, ModelProblem, OnUpdate, file_facts, scrub
from playground.service import tool_file as service_tool_file
from playground.ui.context import AppContext
from playground.ui.kit import messages
from playground.ui.kit.runner import Run
from playground.ui.serving.owners import address_of

# (token, on_update, caller) -> a RunResult: one service call, as the tabs make it
Call = Callable[[str | None, OnUpdate, Caller], Awaitable[RunResult]]
TOKEN_HEADER = "authorization"  # "Bearer r8_…": the agent's own Replicate token
MAX_TEXT = 200_000  # characters of a prompt or message


def token_of(request: gr.Request | None) -> str | None:
    """The Replicate token the agent sent (`Authorization: Bearer r8_…`); None: the server's
    own, as for any API client that sends none."""
    if request is None:
        return None
    try:
        value = request.headers.get(TOKEN_HEADER) or ""
    except AttributeError:
        return None
    scheme, _, token = str(value).strip().partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token and len(token) <= 400 else None


def owner_of(ctx: AppContext, request: gr.Request | None) -> str:
    """The history owner of the MCP client: one per token it sends, one for every client that
    sends none; stable across sessions and restarts. Not the owner cookie: an MCP client
    keeps it for one session at most (each session would start a new history)."""
    return ctx.keys.client_owner(token_of(request))


class ToolRun(Run):
    """The page's run loop for one tool call: its history owner is the MCP client's."""

    def __init__(self, ctx: AppContext, tab: str, request: gr.Request | None) -> None:
        super().__init__(ctx, tab, request, token_of(request))
        self.owner = owner_of(ctx, request)

    def caller(self) -> Caller:
        # Demo mode's limits (service/gate.py) count the run by this owner and address, as
        # any run; the address is the server's own (Gradio's MCP server calls the tool from
        # here), so every MCP client shares the per-address limit.
        return Caller(self.owner, self.tab, address=address_of(self.request))

    def _raise(self, message: messages.Message) -> None:  # type: ignore[override]
        # The page shows a message's technical side under the run's Details; an agent sees
        # only this, so it is said here.
        if message.kind != "canceled":
            text = f"{message.title}: {message.text}"
            if message.detail:
                text += f" (Details: {message.detail})"
            raise gr.Error(text, print_exception=False) from None


async def run_call(ctx: AppContext, tab: str, request: gr.Request | None, call: Call
                   ) -> RunResult:
    """`call` through the page's run loop: the succeeded result, else a `gr.Error` saying what
    went wrong (a failed or canceled prediction too)."""
    run = ToolRun(ctx, tab, request)
    try:
        async for _ in run.steps(call):
            pass
    except gr.Error:
        raise
    except Exception as exc:  # the loop words its own; this is anything else
        raise plain_error(ctx, exc) from None
    if run.result is None:
        raise gr.Error("The run was canceled.", print_exception=False)
    return run.result


def plain_error(ctx: AppContext, exc: BaseException) -> gr.Error:
    """`exc` as the sentence an agent reads."""
    if isinstance(exc, gr.Error):
        return exc
    if isinstance(exc, FileRefused | ModelProblem | InputProblem):
        text = str(exc)
    else:
        message = messages.describe(exc, backend_url=ctx.backend.url,
                                    local=ctx.backend.is_local, had_token=True)
        text = f"{message.title}: {message.text}"
    return gr.Error(scrub(text), print_exception=False)


def refuse(text: str) -> gr.Error:
    return gr.Error(text, print_exception=False)


def file_input(ctx: AppContext, value: Any, what: str) -> bytes | str | Path:
    """An agent's file argument: a URL or data: URI, never a path on this server."""
    try:
        return service_tool_file(value, what, output_dir=ctx.output_dir,
                                 max_bytes=ctx.max_upload_bytes)
    except FileRefused as exc:
        raise refuse(str(exc)) from None


def text_input(value: Any, what: str, *, required: bool = True) -> str:
    """A prompt or message: text within the limit, without NUL or lone surrogates."""
    if not isinstance(value, str) or (required and not value.strip()):
        raise refuse(f"{what} is missing: give some text.")
    if len(value) > MAX_TEXT:
        raise refuse(f"{what} is too long: at most {MAX_TEXT:,} characters.")
    if "\x00" in value:
        raise refuse(f"{what} contains a NUL character.")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise refuse(f"{what} contains characters that are not valid text.") from None
    return value


def root_url(request: gr.Request | None) -> str:
    """This server as the agent reached it (its own Host), for the URLs of output files."""
    try:
        headers, scheme = request.headers, request.url.scheme  # type: ignore[union-attr]
    except AttributeError:  # no request, or one Gradio made up without an HTTP request
        return "http://127.0.0.1"
    host = str(headers.get("host") or "127.0.0.1").strip()
    if not host or any(c in host for c in "/\\@ \t\r\n?#"):
        host = "127.0.0.1"
    proto = str(headers.get("x-forwarded-proto") or "").split(",")[0].strip().lower()
    return f"{proto if proto in ('http', 'https') else scheme}://{host}"


def file_url(base: str, path: Path) -> str:
    return f"{base}/gradio_api/file={quote(str(path))}"


def result_reply(result: RunResult, request: gr.Request | None,
                 **extra: Any) -> dict[str, Any]:
    """A finished run as an agent reads it: model, timing, text, files (URLs with their type
    and size), and what was changed on the way."""
    base = root_url(request)
    reply: dict[str, Any] = {"status": result.status, "model": result.model}
    if result.version:
        reply["version"] = result.version
    reply.update(timing(result))
    reply.update(extra)
    if not result.files and result.text:  # a file's text would be the backend's URL
        reply["text"] = result.text
    elif isinstance(result.output, dict):  # text beside files (Whisper's transcription)
        text = next((result.output[k] for k in ("transcription", "text", "translation")
                     if isinstance(result.output.get(k), str)), "")
        if text:
            reply["text"] = text
    files = []
    for path in result.files:
        try:
            files.append({"url": file_url(base, path), **file_facts(path).as_dict()})
        except OSError:
            continue  # pruned meanwhile: nothing to fetch
    if files:
        reply["files"] = files
    notes = [scrub(n) for n in (*result.notes, *result.output_problems)]
    if result.reused is not None:
        notes.insert(0, "An identical earlier run answered: it was not run again.")
    if notes:
        reply["notes"] = notes
    return reply


def timing(result: RunResult) -> dict[str, float]:
    found = {}
    for key, name in (("predict_time", "predict_seconds"), ("total_time", "total_seconds")):
        value = result.metrics.get(key)
        if isinstance(value, int | float) and value == value and value >= 0:
            found[name] = round(float(value), 2)
    return found


def as_json(value: Any) -> str:
    """What a tool returns: JSON text (Gradio's MCP sends a returned string as it is)."""
    return json.dumps(value, ensure_ascii=False, default=str)
