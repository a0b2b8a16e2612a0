"""Issue 20's walk, the page's manners: the cursor stays in the chat box, History's Download
gives the run on screen, a new run does not leave the last one's result beside it, and the
Models tab's own example works offline. On the local engine, in Debian's chromium."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from .conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.models, pytest.mark.timeout(600)]

DONE = 180_000


def _chat(page: Any, message: str, max_tokens: str = "16") -> None:
    page.get_by_role("tab", name="Chat", exact=True).click()
    page.locator("#chat-settings").get_by_text("Settings").first.click()
    for elem_id, value in (("chat-max-tokens", max_tokens), ("chat-temperature", "0")):
        field = page.locator(f"#{elem_id} input[type=number]")
        field.fill(value)
        field.press("Tab")
    box = page.locator("#chat-input textarea")
    box.fill(message)
    box.press("Enter")
    expect(page.locator("#chat-status")).to_contain_text(re.compile("Done|limit"), timeout=DONE)


# ---- 2. the chat keeps the cursor -----------------------------------------------------------

def test_the_cursor_stays_in_the_chat_box_after_an_answer(page: Any) -> None:
    _chat(page, "Say hello.")
    box = page.locator("#chat-input textarea")
    expect(box).to_be_enabled()
    expect(box).to_be_focused()
    expect(box).to_have_attribute("placeholder", "Type a message and press Enter")
    page.keyboard.type("And again")  # the next words land in the box, not nowhere
    expect(box).to_have_value("And again")
    screenshot(page, "walk-chat-focus-kept")


# ---- 3. History's Download gives the run on screen, at the first click ----------------------

def _upscale(page: Any, image: Path) -> None:
    page.get_by_role("tab", name="Upscale", exact=True).click()
    page.locator("#upscale-image input[type=file]").set_input_files(str(image))
    page.locator("#upscale-run").click()
    expect(page.locator("#upscale-status")).to_contain_text("Done", timeout=DONE)


def _downloaded_task(page: Any) -> str:
    with page.expect_download() as info:
        page.locator("#history-download").click()
    download = info.value
    assert download.suggested_filename.endswith(".zip")
    with zipfile.ZipFile(download.path()) as archive:
        return str(json.loads(archive.read("run.json"))["task"])


def test_history_download_gives_the_opened_run_at_the_first_click(
        page: Any, files: dict[str, Path]) -> None:
    _chat(page, "Name a colour.")
    _upscale(page, files["small"])
    page.get_by_role("tab", name="History", exact=True).click()
    page.locator("#history-refresh").click()
    rows = page.locator("#history-list tbody tr")
    expect(rows).to_have_count(2, timeout=30_000)
    head = page.locator("#history-detail-head")
    rows.nth(1).click()  # newest first: the chat is the second
    expect(head).to_contain_text("Chat")
    assert _downloaded_task(page) == "chat"
    rows.first.click()
    expect(head).to_contain_text("Upscale")
    assert _downloaded_task(page) == "upscale"
    screenshot(page, "walk-history-download")
