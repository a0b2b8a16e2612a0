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


# ---- 6. a new run does not leave the last result beside it ----------------------------------

SRT = re.compile(r"transcript\s*\.srt")


def _clear(page: Any, elem_id: str) -> None:
    """The file box's own Clear button (its file gone, the upload area back)."""
    clear = re.compile("^(Clear|Remove)", re.I)
    page.locator(f"#{elem_id}").get_by_role("button", name=clear).click()
    expect(page.locator(f"#{elem_id} input[type=file]")).to_have_count(1)


def test_a_failed_transcription_leaves_no_old_transcript_beside_it(
        page: Any, files: dict[str, Path], tmp_path: Path) -> None:
    page.get_by_role("tab", name="Transcribe", exact=True).click()
    page.locator("#transcribe-audio input[type=file]").set_input_files(str(files["speech"]))
    page.locator("#transcribe-run").click()
    status = page.locator("#transcribe-status")
    expect(status).to_contain_text("Done", timeout=DONE)
    segments, downloads = page.locator("#transcribe-segments"), page.locator("#transcribe-files")
    expect(segments).to_contain_text(re.compile("Paris", re.I))
    expect(downloads).to_contain_text(SRT)
    expect(page.locator("#transcribe-player")).to_be_visible()

    broken = tmp_path / "broken.wav"
    broken.write_bytes(b"RIFF this is not a recording")
    _clear(page, "transcribe-audio")
    page.locator("#transcribe-audio input[type=file]").set_input_files(str(broken))
    page.locator("#transcribe-run").click()
    expect(status).to_contain_text(re.compile("Error|not|could", re.I), timeout=DONE)
    expect(status).not_to_contain_text("Done")
    expect(segments).not_to_contain_text(re.compile("Paris", re.I))
    expect(downloads).not_to_contain_text(SRT)
    expect(page.locator("#transcribe-player")).to_be_hidden()
    expect(page.locator("#transcribe-output")).not_to_contain_text(re.compile("Paris", re.I))
    screenshot(page, "walk-transcribe-failed-clean")


def test_a_new_upscale_takes_the_old_result_and_its_download_away(
        page: Any, files: dict[str, Path]) -> None:
    _upscale(page, files["small"])
    download = page.locator("#upscale-download")
    expect(download).to_be_visible()
    expect(page.locator("#upscale-output img").first).to_be_visible()
    _clear(page, "upscale-image")
    page.locator("#upscale-run").click()  # no picture: it fails at once
    expect(page.locator("#upscale-status")).not_to_contain_text("Done", timeout=DONE)
    expect(download).to_be_hidden()
    expect(page.locator("#upscale-output img")).to_have_count(0)
    screenshot(page, "walk-upscale-new-run-clean")


# ---- 5. the Models tab's own example works offline ------------------------------------------

def _open_model(page: Any, ref: str) -> None:
    box = page.locator("#models-ref input")
    box.fill(ref)
    page.locator("#models-open").click()  # as typed (Enter would take a listed match)


def test_offline_a_replicate_model_offers_its_stand_in_and_the_example_runs_here(
        page: Any) -> None:
    page.get_by_role("tab", name="Models", exact=True).click()
    picker = page.locator("#models-ref")
    expect(picker).to_contain_text("local/smollm2-135m-instruct")  # the help's example
    expect(picker).not_to_contain_text("stability-ai/sdxl")
    status, offer = page.locator("#models-status"), page.locator("#models-stand-in")

    _open_model(page, "https://replicate.com/nightmareai/real-esrgan")
    expect(status).to_contain_text("Needs Replicate")
    expect(status).to_contain_text("local/real-esrgan")
    expect(status).not_to_contain_text("token cannot see it")
    expect(offer).to_be_visible()
    expect(offer).to_contain_text("local/real-esrgan")
    screenshot(page, "walk-models-needs-replicate")
    offer.click()
    expect(page.locator("#models-card")).to_contain_text("local/real-esrgan")
    expect(status).to_contain_text("Ready")
    expect(offer).to_be_hidden()

    _open_model(page, "stability-ai/sdxl")  # its stand-in cannot run here: nothing offered
    expect(status).to_contain_text("Needs Replicate")
    expect(offer).to_be_hidden()

    _open_model(page, "local/smollm2-135m-instruct")  # the example opens, ready to run
    expect(page.locator("#models-card")).to_contain_text("local/smollm2-135m-instruct")
    expect(status).to_contain_text("Ready")
