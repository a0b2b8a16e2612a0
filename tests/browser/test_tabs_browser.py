"""One test per tab in a real browser: what a person does, and what they then see."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from .conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.models]


def _open(page: Any, label: str) -> None:
    page.get_by_role("tab", name=label).click()


def _upload(page: Any, elem_id: str, path: Path) -> None:
    page.locator(f"#{elem_id} input[type=file]").set_input_files(str(path))


def test_upscale(page: Any, files: dict[str, Path]) -> None:
    _open(page, "Upscale")
    _upload(page, "upscale-image", files["small"])
    page.locator("#upscale-scale input[type=number]").fill("2")
    page.locator("#upscale-scale input[type=number]").press("Enter")
    page.locator("#upscale-run").click()
    status = page.locator("#upscale-status")
    expect(status).to_contain_text("Done", timeout=120_000)
    expect(status).to_contain_text("256×256")
    expect(page.locator("#upscale-download")).to_be_visible()
    expect(page.locator("#upscale-download")).to_contain_text("256×256")
    expect(page.locator("#upscale-output img").first).to_be_visible()
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


def test_image_offline_message_with_ctrl_enter(page: Any) -> None:
    _open(page, "Image")
    prompt = page.locator("#image-prompt textarea")
    prompt.fill("A watercolor lighthouse at dawn")
    prompt.press("Control+Enter")  # the keyboard shortcut, not the button
    status = page.locator("#image-status")
    expect(status).to_contain_text("Not available offline", timeout=60_000)
    expect(status).to_contain_text("no image model that works offline")
    # Said once in the note and once in the status: no toast on top, none left for other tabs.
    expect(page.locator(".toast-body")).to_have_count(0)
    expect(page.get_by_text("diffusion weights")).to_have_count(0)
    assert "Traceback" not in page.content()
    screenshot(page, "image")


def test_bad_upload_message(page: Any, files: dict[str, Path]) -> None:
    _open(page, "Upscale")
    _upload(page, "upscale-image", files["text"])
    page.locator("#upscale-run").click()
    expect(page.locator("#upscale-status")).to_contain_text("not an image we can read")
    assert "Traceback" not in page.content()


def test_token_saved_in_browser_never_in_page(page: Any) -> None:
    secret = "r8_browserTestToken0123456789abcdef"
    page.locator("#token-box").get_by_text("API token").click()
    page.locator("#token-input input").fill(secret)
    page.locator("#token-save").click()
    expect(page.locator("#token-status")).to_contain_text("your token")
    expect(page.locator("#token-input input")).to_have_value("")
    assert secret not in page.content()
    stored = page.evaluate("() => JSON.stringify(window.localStorage)")
    assert secret not in stored  # kept encrypted
    page.reload()
    page.wait_for_selector("#tabs")
    page.locator("#token-box").get_by_text("API token").click()
    expect(page.locator("#token-status")).to_contain_text("your token")
    assert secret not in page.content()
    screenshot(page, "token")
