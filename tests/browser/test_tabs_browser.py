"""One test per tab in a real browser: what a person does, and what they then see."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from .conftest import _free_port, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.models]


def _open(page: Any, label: str) -> None:
    page.get_by_role("tab", name=label).click()


def _upload(page: Any, elem_id: str, path: Path) -> None:
    page.locator(f"#{elem_id} input[type=file]").set_input_files(str(path))


def test_upscale(page: Any, files: dict[str, Path]) -> None:
    _open(page, "Upscale")
    _upload(page, "upscale-image", files["photo"])  # 640x400, upscaled whole
    page.locator("#upscale-scale input[type=number]").fill("2")
    page.locator("#upscale-scale input[type=number]").press("Enter")
    expect(page.locator("#upscale-image img").first).to_be_visible()
    expect(page.locator("#upscale-size")).to_be_hidden()  # a preview would be hardly quicker
    page.locator("#upscale-run").click()
    status = page.locator("#upscale-status")
    expect(status).to_contain_text("Done", timeout=120_000)
    expect(status).to_contain_text("1280×800")
    expect(page.locator("#upscale-download")).to_be_visible()
    expect(page.locator("#upscale-download")).to_contain_text("1280×800")
    expect(page.locator("#upscale-output img").first).to_be_visible()
    page.locator("#upscale-details-box").get_by_text("Details").first.click()  # one click away
    expect(page.locator("#upscale-details")).to_contain_text("local/real-esrgan")
    screenshot(page, "upscale")


def test_remove_background(page: Any, files: dict[str, Path]) -> None:
    _open(page, "Remove background")
    _upload(page, "background-image", files["portrait"])
    page.locator("#background-run").click()
    expect(page.locator("#background-status")).to_contain_text("Done", timeout=120_000)
    expect(page.locator("#background-output img").first).to_be_visible()
    expect(page.locator("#background-download")).to_contain_text("PNG")
    screenshot(page, "background")
    # The before/after slider: the checkerboard shows through the cut-out "after" image too,
    # not only in the gutter beside it (the slider paints its images white otherwise).
    page.get_by_role("tab", name="Before / after").click()
    images = page.locator("#background-slider .slider-wrap img")
    expect(images.last).to_be_visible()
    backgrounds = images.evaluate_all(
        "imgs => imgs.map(i => getComputedStyle(i).backgroundImage)")
    assert len(backgrounds) == 2 and all("conic-gradient" in b for b in backgrounds), backgrounds
    screenshot(page, "background-slider")


def test_restore_faces(page: Any, files: dict[str, Path]) -> None:
    _open(page, "Restore faces")
    _upload(page, "faces-image", files["portrait"])
    page.locator("#faces-run").click()
    expect(page.locator("#faces-status")).to_contain_text("Done", timeout=120_000)
    expect(page.locator("#faces-status")).to_contain_text("512×512")
    expect(page.locator("#faces-output img").first).to_be_visible()
    screenshot(page, "faces")


def test_transcribe(page: Any, files: dict[str, Path]) -> None:
    _open(page, "Transcribe")
    _upload(page, "transcribe-audio", files["speech"])
    page.locator("#transcribe-run").click()
    expect(page.locator("#transcribe-status")).to_contain_text("Done", timeout=120_000)
    expect(page.locator("#transcribe-output textarea")).to_have_value(
        re.compile("paris", re.IGNORECASE))
    expect(page.locator("#transcribe-segments")).to_contain_text("00:00.0")
    expect(page.locator("#transcribe-files")).to_contain_text(".srt")
    expect(page.locator("#transcribe-files")).to_contain_text(".vtt")
    expect(page.locator("#transcribe-player")).to_be_visible()
    # The player got the subtitles: it offers the captions toggle, and shows the text.
    toggle = page.locator("#transcribe-player [data-testid=subtitles-toggle]")
    expect(toggle).to_be_visible()
    subtitle = page.locator("#transcribe-player [data-testid=subtitle-display]")
    expect(subtitle).to_have_count(1)
    screenshot(page, "transcribe")


def test_chat(page: Any) -> None:
    _open(page, "Chat")
    # Temperature 0 makes the small model's answer repeatable, as a presenter would set it.
    page.locator("#chat-settings").get_by_text("Settings").first.click()
    temperature = page.locator("#chat-temperature input[type=number]")
    temperature.fill("0")
    temperature.press("Tab")
    box = page.locator("#chat-input textarea")
    box.fill("What is the capital of France?")
    box.press("Enter")
    expect(page.locator("#chat-status")).to_contain_text("Done", timeout=120_000)
    bot = page.locator("#chat-chatbot .message.bot, #chat-chatbot [data-testid=bot]").last
    expect(bot).to_contain_text("Paris")
    screenshot(page, "chat")


def test_bad_upload_message(page: Any, files: dict[str, Path]) -> None:
    _open(page, "Upscale")
    _upload(page, "upscale-image", files["text"])
    page.locator("#upscale-run").click()
    expect(page.locator("#upscale-status")).to_contain_text("is not an image")
    assert "Traceback" not in page.content()


@pytest.fixture(scope="module")
def server_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The page for a Replicate-compatible server (not the local engine): it offers the token
    box. Nothing here runs a model, so nothing needs to answer at the address."""
    from playground.service import Service
    from playground.ui.app import build_app, serve
    from playground.ui.context import make_context

    data = tmp_path_factory.mktemp("token-app")
    ctx = make_context(Service("http://127.0.0.1:9", data_dir=data, backend="custom"),
                       browser_secret="browser-tests-secret-0123")
    demo = build_app(ctx, tabs=["upscale"])
    _, url, _ = serve(demo, ctx, port=_free_port(), block=False)
    yield url
    demo.close()


@pytest.fixture
def server_page(browser: Any, server_app: str) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.goto(server_app)
    tab.wait_for_selector("#tabs")
    yield tab
    context.close()


def test_token_saved_in_browser_never_in_page(server_page: Any) -> None:
    page = server_page
    secret = "r8_browserTestToken0123456789abcdef"
    expect(page.locator("#token-input input")).to_be_visible()  # open: no token yet
    page.locator("#token-input input").fill(secret)
    page.locator("#token-save").click()
    expect(page.locator("#token-status")).to_contain_text("your token")
    expect(page.locator("#token-input input")).to_have_value("")
    assert secret not in page.content()
    stored = page.evaluate("() => JSON.stringify(window.localStorage)")
    assert secret not in stored  # kept encrypted
    page.reload()
    page.wait_for_selector("#tabs")
    expect(page.locator("#token-status")).to_contain_text("your token")
    assert secret not in page.content()
    screenshot(page, "token")


def _engine_url(page: Any) -> str:
    """The page's Details name the backend's address (the local engine's, here)."""
    toggle = page.locator("#page-details").get_by_role("button", name=re.compile("Details"))
    toggle.click()
    text = page.locator("#page-details-text").inner_text()
    toggle.click()  # closed again: the page below stays where it was
    found = re.search(r"http://127\.0\.0\.1:\d+", text)
    assert found, "the Details show the engine's address"
    return found.group(0)


def _latest_chat(engine: str) -> dict[str, Any] | None:
    results = httpx.get(f"{engine}/v1/predictions", timeout=10).json()["results"]
    found = [p for p in results if p.get("model") == "local/smollm2-135m-instruct"]
    return max(found, key=lambda p: p.get("created_at") or "") if found else None


def _set_chat_settings(page: Any, max_tokens: int, temperature: float) -> None:
    page.locator("#chat-settings").get_by_text("Settings").first.click()
    for elem_id, value in (("chat-max-tokens", max_tokens), ("chat-temperature", temperature)):
        box = page.locator(f"#{elem_id} input[type=number]")
        box.fill(str(value))
        box.press("Tab")


def test_chat_stop_ends_cleanly(page: Any) -> None:
    engine = _engine_url(page)
    _open(page, "Chat")
    # Temperature 0: this story runs the whole 1500 tokens (~50 s here), so Stop always lands
    # mid-answer; at 0.7 the model sometimes ended first and the click met the finished box.
    _set_chat_settings(page, 1500, 0)
    box = page.locator("#chat-input textarea")
    box.fill("Write a very long story about a dragon who learns to cook.")
    box.press("Enter")
    bot = page.locator("#chat-chatbot .message.bot, #chat-chatbot [data-testid=bot]").last
    expect(bot).to_contain_text(re.compile(r"\w+\W+\w+\W+\w+"), timeout=120_000)
    page.locator("#chat-input .stop-button, #chat-input button[aria-label*=top]").first.click()
    status = page.locator("#chat-status")
    expect(status).to_contain_text("Stopped", timeout=30_000)
    expect(status.locator(".pill.stop")).to_be_visible()
    page.wait_for_timeout(1500)  # a late error from the canceled event would show by now
    expect(page.locator("span.error")).to_have_count(0)  # the status tracker's badge
    expect(status).to_contain_text("Stopped")
    expect(bot).to_contain_text(re.compile(r"\w+"))  # the partial answer stays
    prediction = helpers_wait(lambda: (p := _latest_chat(engine)) and p["status"] in
                              ("canceled", "succeeded", "failed") and p)
    assert prediction["status"] == "canceled"
    screenshot(page, "chat-stopped")


def helpers_wait(predicate: Any, timeout: float = 60.0) -> Any:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("condition not reached in time")


def test_chat_retry_undo_and_clear(page: Any) -> None:
    _open(page, "Chat")
    _set_chat_settings(page, 32, 0)
    chatbot = page.locator("#chat-chatbot")
    users, bots = chatbot.locator(".message.user"), chatbot.locator(".message.bot")
    status = page.locator("#chat-status")
    box = page.locator("#chat-input textarea")
    box.fill("What is the capital of France?")
    box.press("Enter")
    expect(status).to_contain_text("Done", timeout=120_000)
    expect(bots).to_have_count(1)
    expect(bots.first).to_contain_text("Paris")
    # Retry: the same question answered again, in place of the old answer (no new turn).
    chatbot.get_by_role("button", name="Retry").click()
    expect(status).not_to_contain_text("Done", timeout=30_000)
    expect(status).to_contain_text("Done", timeout=120_000)
    expect(users).to_have_count(1)
    expect(bots).to_have_count(1)
    expect(bots.first).to_contain_text("Paris")
    expect(box).to_be_enabled()  # the retry's last step: the conversation state is saved
    # Undo: the turn goes, and the question comes back into the box to edit.
    chatbot.get_by_role("button", name="Undo").click()
    expect(users).to_have_count(0)
    expect(bots).to_have_count(0)
    expect(box).to_have_value("What is the capital of France?")
    screenshot(page, "chat-undo")
    box.press("Enter")
    expect(status).to_contain_text("Done", timeout=120_000)
    expect(bots).to_have_count(1)
    expect(box).to_be_enabled()  # the turn's last step: the conversation state is saved
    # Clear: an empty conversation.
    chatbot.get_by_role("button", name="Clear").click()
    expect(users).to_have_count(0)
    expect(bots).to_have_count(0)
    screenshot(page, "chat-cleared")


def test_chat_refuses_an_empty_message(page: Any) -> None:
    _open(page, "Chat")
    box = page.locator("#chat-input textarea")
    box.fill("   ")
    box.press("Enter")
    expect(page.locator("#chat-input")).to_contain_text("Type a message first.")
    page.wait_for_timeout(1000)  # a sent message would show as a bubble by now
    expect(page.locator("#chat-chatbot .message")).to_have_count(0)
    expect(page.locator("#chat-status")).to_contain_text("Ready.")
