"""The History tab's Add to Compare, Code and Open in its tab, on the app's real components
(built, not served: no model runs here) and a real store."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gradio as gr
import pytest
from PIL import Image

from playground.history import FinishedRun, InputFile, RunStore
from playground.run_code import snippets
from playground.service import RunHistory, Service
from playground.ui.app import build_page
from playground.ui.context import AppContext, make_context
from playground.ui.history import actions as actions
from playground.ui.parts import PageParts

ME = "ui-actions-owner-0123456"
VERSION = "b" * 64


def _png(color: tuple[int, int, int], size: int = 16) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (size, size), color).save(buf, format="PNG")
    return buf.getvalue()


@pytest.fixture
def built(tmp_path: Path) -> Iterator[tuple[AppContext, PageParts]]:
    store = RunStore(tmp_path / "data")
    service = Service("http://127.0.0.1:9", data_dir=tmp_path / "data", backend="local",
                      history=RunHistory(store))
    context = make_context(service, browser_secret="ui-actions-browser-secret")
    _, parts = build_page(context)
    yield context, parts
    store.close()


@pytest.fixture
def ctx(built: tuple[AppContext, PageParts]) -> AppContext:
    return built[0]


@pytest.fixture
def parts(built: tuple[AppContext, PageParts]) -> PageParts:
    return built[1]


def _history(ctx: AppContext) -> RunHistory:
    assert ctx.service.history is not None
    return ctx.service.history


def _upscale(ctx: AppContext, tmp_path: Path, scale: int = 3) -> Any:
    out = tmp_path / f"out-{scale}.png"
    out.write_bytes(_png((200, 10, 10), 48))
    _history(ctx).store.record(FinishedRun(
        task="upscale", tab="upscale", model="local/real-esrgan", version=VERSION,
        backend_kind="local", backend_url="http://127.0.0.1:8008", status="succeeded",
        inputs={"image": InputFile(_png((10, 200, 10)), "photo.png"), "scale": scale,
                "face_enhance": False},
        output=out), ME)
    return _history(ctx).page(ME).runs[0]


def _chat(ctx: AppContext, prompt: str, snippet: str) -> Any:
    _history(ctx).store.record(FinishedRun(
        task="chat", tab="chat", model="local/smollm2-135m-instruct", version=VERSION,
        backend_kind="local", backend_url="http://127.0.0.1:8008", status="succeeded",
        inputs={"prompt": prompt, "temperature": 0.0, "max_tokens": 32},
        output=["Paris", " is the capital."], snippet=snippet), ME)
    return _history(ctx).page(ME).runs[0]


def _form(parts: PageParts) -> list[Any]:
    """The Compare form as the page starts: each component's own value."""
    assert parts.compare_add is not None
    return [c.value for c in parts.compare_add.form]


def _status(ctx: AppContext) -> gr.Markdown:
    return gr.Markdown()


def test_add_to_compare_puts_the_run_in_the_first_free_entry(ctx: AppContext,
                                                             tmp_path: Path,
                                                             parts: PageParts) -> None:
    record = _upscale(ctx, tmp_path)
    page = parts.compare_add.page  # type: ignore[union-attr]
    form = _form(parts)
    assert form[0] == "image-to-image" and form[4] is None  # three starters, one free entry
    status = _status(ctx)
    out = actions.add_to_compare(ctx, parts, _history(ctx), record, status, form)
    assert out[parts.tabs].selected == "compare"
    assert out[page.refs[3]] == f"local/real-esrgan:{VERSION}"
    assert json.loads(out[page.overrides[3]]) == {"scale": 3, "face_enhance": False}
    shared = Path(out[page.image])
    assert shared.is_file() and shared.read_bytes() == _png((10, 200, 10))
    assert out[page.images[3]].value["orig_name"] == record.output_files()[0]  # saved output
    assert "Saved output" in out[page.heads[3]] and "Entry 4" in out[page.status]
    assert "Entry 4" in out[status]
    assert page.refs[0] not in out  # the other entries stay as they are

    # The same run again: it is Entry 4 already, nothing is added twice.
    form[4], form[8] = out[page.refs[3]], out[page.overrides[3]]
    again = actions.add_to_compare(ctx, parts, _history(ctx), record, status, form)
    assert again[parts.tabs].selected == "compare" and page.refs[3] not in again
    assert "Entry 4" in again[page.status]

    # Another run with every entry taken: refused in plain words, the tab stays.
    other = _upscale(ctx, tmp_path, scale=2)
    full = actions.add_to_compare(ctx, parts, _history(ctx), other, status, form)
    assert set(full) == {status} and "already has 4 entries" in full[status]


def test_add_to_compare_switches_the_task_and_says_what_changed(ctx: AppContext,
                                                               parts: PageParts) -> None:
    record = _chat(ctx, "What is the capital of France?", "What is the capital of France?")
    page = parts.compare_add.page  # type: ignore[union-attr]
    status = _status(ctx)
    out = actions.add_to_compare(ctx, parts, _history(ctx), record, status, _form(parts))
    assert out[page.task] == "chat"
    assert out[page.refs[0]].value == f"local/smollm2-135m-instruct:{VERSION}"
    assert json.loads(out[page.overrides[0]].value) == {"temperature": 0.0, "max_tokens": 32}
    assert out[page.refs[1]].value == "local/smollm2-135m-instruct"  # the task's starters next
    assert out[page.prompt] == "What is the capital of France?"
    assert out[page.texts[0]].value == "Paris is the capital."
    assert out[page.images[0]].visible is False
    assert out[page.prompt] and "Entry 1" in out[page.status]


def test_add_to_compare_names_shared_inputs_it_replaced(ctx: AppContext, parts: PageParts) -> None:
    record = _chat(ctx, "Name a color.", "Name a color.")
    form = _form(parts)
    n = 4
    form[0] = "chat"
    form[1:1 + n] = ["local/smollm2-135m-instruct", "local/smollm2-135m-instruct", None, None]
    form[1 + n:1 + 2 * n] = ['{"temperature": 0}', '{"temperature": 0.9}', "", ""]
    form[1 + 2 * n] = "Tell me a joke."
    out = actions.add_to_compare(ctx, parts, _history(ctx), record, _status(ctx), form)
    page = parts.compare_add.page  # type: ignore[union-attr]
    assert out[page.refs[2]] == f"local/smollm2-135m-instruct:{VERSION}"
    assert "the shared prompt is now this run's" in out[page.status]


def test_code_is_the_runs_own_request(ctx: AppContext, tmp_path: Path) -> None:
    record = _upscale(ctx, tmp_path)
    call = actions.code_of(ctx, _history(ctx), record)
    assert call is not None and call.ref == f"local/real-esrgan:{VERSION}"
    assert call.output == "file" and call.output_suffix == ".png"
    assert call.base_url == ctx.backend.url  # where the engine is now
    code = snippets(call)
    assert '"scale": 3' in code["cURL"]
    assert "REPLICATE_API_TOKEN" not in code["cURL"]  # the engine here takes no token
    name = record.input_files()["image"]
    assert name in code["Python"] and "base64" not in code["Python"]  # a path placeholder


def test_code_reads_a_secret_from_the_environment(ctx: AppContext) -> None:
    _history(ctx).store.record(FinishedRun(
        task="model", tab="models", model="acme/keyed", version=VERSION,
        backend_kind="replicate", backend_url="https://api.replicate.com",
        status="succeeded", inputs={"prompt": "hi", "api_key": "sk-very-secret"},
        output="ok", secret_inputs=frozenset({"api_key"})), ME)
    record = _history(ctx).page(ME).runs[0]
    call = actions.code_of(ctx, _history(ctx), record)
    assert call is not None and call.base_url == "https://api.replicate.com"
    code = "\n".join(snippets(call).values())
    assert "sk-very-secret" not in code and "API_KEY" in code
    assert "$REPLICATE_API_TOKEN" in snippets(call)["cURL"]  # Replicate's run: its token


@pytest.mark.parametrize(("prompt", "snippet", "message"), [
    ("Hi there", "Hi there", "Hi there"),
    ("x" * 300, "x" * 200, "x" * 300),  # the snippet is cut, the message is not
    ("Hi<|im_end|>\n<|im_start|>assistant\nHello!<|im_end|>\n<|im_start|>user\nAnd you?",
     "And you?", "And you?"),  # a later turn: the part after the last marker
    (None, "only the snippet", "only the snippet"),
])
def test_a_chat_run_reopens_with_its_whole_message(prompt: Any, snippet: str,
                                                   message: str) -> None:
    assert actions.chat_message(prompt, snippet) == message


def test_open_in_tab_refills_the_chat_message_and_settings(ctx: AppContext,
                                                          parts: PageParts) -> None:
    long = "Tell me about Paris. " * 20
    record = _chat(ctx, long, " ".join(long.split())[:200])
    status = _status(ctx)
    out = actions.open_in_tab(ctx, parts, _history(ctx), record, status)
    assert out[parts.tabs].selected == "chat"
    form = ctx.reopen.forms["chat"]
    box = form.opening["message"]
    assert out[box] == long  # a plain value: the box keeps Chat's Send and Stop buttons
    assert out[form.fields["temperature"]] == 0.0 and out[form.fields["max_tokens"]] == 32
    # a reload shows the last answer in the conversation: the box is not refilled
    assert box not in ctx.reopen.components()
    assert box not in ctx.reopen.fill("chat", {"message": "x"}, reload=True)
