"""The Models tab in a real browser: a local model run end to end through its generated form,
a shared link that opens a setup, and plain messages for what cannot work."""

from __future__ import annotations

import re
import urllib.parse
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from .conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.models]


def open_model(page: Any, ref: str) -> None:
    page.get_by_role("tab", name="Models").click()
    box = page.locator("#models-ref input")
    box.fill(ref)
    box.press("Enter")


def test_remove_background_through_the_generated_form(page: Any, files: dict[str, Path]) -> None:
    page.get_by_role("tab", name="Models").click()
    # The engine's models in the list: no covers there, so no image at all (none broken).
    rows = page.locator("#models-list tbody tr")
    expect(rows.first).to_contain_text("local/")
    expect(rows.first).to_contain_text("Official")
    assert page.locator("#models-list img").count() == 0
    screenshot(page, "models-engine-list")
    open_model(page, "local/rembg")
    expect(page.locator("#models-list")).to_be_hidden()  # folded: the form comes first
    expect(page.locator("#models-card")).to_contain_text("local/rembg")
    expect(page.locator("#models-card")).to_contain_text("Official")
    expect(page.locator("#models-status")).to_contain_text("Required: Image")
    page.locator("#models-in-image input[type=file]").set_input_files(str(files["portrait"]))
    page.locator("#models-in-model input").click()  # an enum: a dropdown of its choices
    page.get_by_role("option", name="u2netp").click()
    page.locator("#models-run").click()
    status = page.locator("#models-status")
    expect(status).to_contain_text("Done", timeout=120_000)
    expect(status).to_contain_text("1 output file")
    expect(page.locator("#models-out-image img").first).to_be_visible()  # a file: an image
    expect(page.locator("#models-out-files")).to_contain_text(".png")
    page.locator("#models-details-box").get_by_text("Details").first.click()  # one click away
    expect(page.locator("#models-details")).to_contain_text("local/rembg")
    # The setup is in the address bar and the link box (files never are).
    link = page.locator("#models-link textarea, #models-link input").first
    expect(link).to_have_value(re.compile(r"\?model=local%2Frembg&input\.model=u2netp$"))
    assert "input.model=u2netp" in page.url and "image" not in page.url.split("?", 1)[1]
    # The run as code: the real ref and inputs, the file by its name, the token by its name.
    page.locator("#models-code-box").click()
    python = page.locator("#models-code-python").inner_text()
    assert 'client.run("local/rembg", input=input)' in python.replace("\n", " ") or \
        "local/rembg" in python
    assert 'open("astronaut.png", "rb")' in python and "base64" not in python
    page.get_by_role("tab", name="cURL").click()
    curl = page.locator("#models-code-curl").inner_text()
    assert "astronaut.png" in curl
    assert "REPLICATE_API_TOKEN" not in curl  # the engine on this computer takes no token
    screenshot(page, "models-rembg")


def test_a_link_opens_the_setup_ready_to_run(page: Any, browser_app: str) -> None:
    query = urllib.parse.urlencode({
        "model": "local/smollm2-135m-instruct", "input.prompt": "Name three colors.",
        "input.temperature": "0", "input.max_tokens": "12", "input.top_k": "nan"})
    page.goto(f"{browser_app}?{query}")
    page.wait_for_selector("#tabs")
    expect(page.locator("#models-in-prompt textarea")).to_be_visible(timeout=60_000)
    models_tab = page.get_by_role("tab", name="Models")
    # opened on this tab (a busy machine may take a while to load the page's events)
    expect(models_tab).to_have_attribute("aria-selected", "true", timeout=30_000)
    expect(page.locator("#models-in-prompt textarea")).to_have_value("Name three colors.",
                                                                     timeout=30_000)
    expect(page.locator("#models-in-max_tokens input[type=number]")).to_have_value("12")
    # A value that does not fit is left out, and said.
    expect(page.locator("#models-status")).to_contain_text("Top K: must be a finite number",
                                                           timeout=30_000)
    page.locator("#models-run").click()
    expect(page.locator("#models-status")).to_contain_text("Done", timeout=120_000)
    answer = page.locator("#models-out-text textarea")
    expect(answer).not_to_have_value("")
    screenshot(page, "models-link-chat")


def test_plain_messages_for_what_cannot_work(page: Any) -> None:
    open_model(page, "local/nope")
    status = page.locator("#models-status")
    expect(status).to_contain_text("There is no model local/nope on this computer")
    open_model(page, "not a model")
    expect(status).to_contain_text("is not a model name. A model is named by its owner")
    open_model(page, "local/whisper-tiny-en")
    expect(page.locator("#models-in-audio")).to_be_visible()
    page.locator("#models-run").click()  # the required audio is missing
    expect(status).to_contain_text("Audio: required; upload a file.")
    open_model(page, "local/smollm2-135m-instruct")
    low = page.locator("#models-in-min_tokens input[type=number]")
    low.fill("-5")  # the schema says: at least 0
    low.press("Tab")
    page.locator("#models-run").click()
    expect(status).to_contain_text("Min Tokens: must be at least 0 (got -5).")
    screenshot(page, "models-messages")


def test_every_tab_shows_its_run_as_code(page: Any, files: dict[str, Path]) -> None:
    page.get_by_role("tab", name="Remove background").click()
    page.locator("#background-image input[type=file]").set_input_files(str(files["portrait"]))
    page.locator("#background-run").click()
    expect(page.locator("#background-status")).to_contain_text("Done", timeout=120_000)
    page.locator("#background-code-box").click()
    python = page.locator("#background-code-python")
    expect(python).to_contain_text("local/rembg")
    expect(python).to_contain_text('open("image.png", "rb")')  # a placeholder, not the bytes
    assert "base64," not in python.inner_text()
    screenshot(page, "background-code")
    page.get_by_role("tab", name="Chat").click()
    page.locator("#chat-input textarea").fill("Say hi.")
    page.locator("#chat-input textarea").press("Enter")
    expect(page.locator("#chat-status")).to_contain_text("Done", timeout=120_000)
    page.locator("#chat-code-box").click()
    expect(page.locator("#chat-code-python")).to_contain_text("local/smollm2-135m-instruct")
