"""The history in a real browser: run -> History -> open -> Open in its tab -> run again; an
opened run's Code and Add to Compare; a chat put back in its tab keeps its Stop button. axe
judges the History tab before and after a run is opened."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from .conftest import axe_report, axe_violations, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.models]


def _upscale(page: Any, image: Path, scale: str) -> None:
    page.get_by_role("tab", name="Upscale").click()
    page.locator("#upscale-image input[type=file]").set_input_files(str(image))
    box = page.locator("#upscale-scale input[type=number]")
    box.fill(scale)
    box.press("Enter")


def test_run_history_open_in_tab_and_run_again(page: Any, browser: Any, browser_app: str,
                                               files: dict[str, Path]) -> None:
    _upscale(page, files["small"], "3")
    page.locator("#upscale-run").click()
    status = page.locator("#upscale-status")
    expect(status).to_contain_text("Done", timeout=120_000)
    expect(status).to_contain_text("384×384")

    page.get_by_role("tab", name="History").click()
    page.locator("#history-refresh").click()
    rows = page.locator("#history-list tbody tr")
    expect(rows.first).to_contain_text("local/real-esrgan", timeout=30_000)
    expect(rows.first.locator("img")).to_be_visible()  # the thumbnail
    screenshot(page, "history-list")

    page.wait_for_timeout(400)
    blocking = axe_violations(page)
    assert not blocking, axe_report(blocking)

    rows.first.click()
    detail = page.locator("#history-detail")
    expect(detail).to_be_visible()
    expect(page.locator("#history-detail-head")).to_contain_text("Upscale")
    expect(page.locator("#history-detail-head")).to_contain_text("Succeeded")
    expect(page.locator("#history-inputs")).to_contain_text('"scale": 3')
    expect(page.locator("#history-images img").first).to_be_visible()
    screenshot(page, "history-open")

    # Code: the run's own request (the engine here takes no token), the file as its name
    page.locator("#history-code").click()
    code = page.locator("#history-again-code-box")
    expect(code.get_by_text("no token needed").first).to_be_visible(timeout=30_000)
    expect(code).to_contain_text("local/real-esrgan")
    expect(code).to_contain_text('"scale": 3')
    page.wait_for_timeout(400)
    blocking = axe_violations(page)
    assert not blocking, axe_report(blocking)
    screenshot(page, "history-code")

    page.locator("#history-open-tab").click()
    expect(page.locator("#upscale-scale input[type=number]")).to_have_value("3",
                                                                           timeout=30_000)
    expect(page.locator("#upscale-image img")).to_be_visible()  # the saved input, back
    screenshot(page, "history-open-in-tab")

    # The same deterministic run again: answered from the history, not run again.
    page.locator("#upscale-run").click()
    expect(status).to_contain_text("From history", timeout=60_000)
    expect(status).to_contain_text("not run again")
    expect(page.locator("#upscale-output img").first).to_be_visible()
    anyway = page.locator("#upscale-anyway")
    expect(anyway).to_be_visible()
    screenshot(page, "history-from-history")

    anyway.click()  # one click: run it for real
    expect(status).to_contain_text("Done", timeout=120_000)
    expect(status).not_to_contain_text("From history")
    expect(anyway).to_be_hidden()
    screenshot(page, "history-run-anyway")

    # A reload keeps the last run in the tab.
    page.reload()
    page.wait_for_selector("#tabs")
    page.get_by_role("tab", name="Upscale").click()
    expect(page.locator("#upscale-status")).to_contain_text("Last run", timeout=30_000)
    expect(page.locator("#upscale-output img").first).to_be_visible()
    screenshot(page, "history-after-reload")

    # Run again from the History tab: for real, recorded as a new run of the upscale tab.
    page.get_by_role("tab", name="History").click()
    page.locator("#history-refresh").click()
    expect(page.locator("#history-summary")).to_contain_text("of 2", timeout=30_000)
    page.locator("#history-list tbody tr").first.click()
    page.locator("#history-again").click()
    expect(page.locator("#history-again-status")).to_contain_text("Done", timeout=120_000)
    expect(page.locator("#history-summary")).to_contain_text("of 3", timeout=30_000)
    expect(page.locator("#history-detail-head")).to_contain_text("Upscale")
    screenshot(page, "history-run-again")

    # Add to Compare: the Compare tab, the run as an entry with its settings and saved output
    page.locator("#history-add-compare").click()
    expect(page.locator("#compare-status")).to_contain_text("Added from History",
                                                            timeout=30_000)
    expect(page.locator("#compare-status")).to_contain_text("Entry 4")
    expect(page.locator("#compare-entry-3 input")).to_have_value(
        re.compile(r"^local/real-esrgan:"))
    expect(page.locator("#compare-pane-3-head")).to_contain_text("Saved output")
    expect(page.locator("#compare-pane-3-image img")).to_be_visible()
    expect(page.locator("#compare-image img")).to_be_visible()  # its image, shared by all
    screenshot(page, "history-added-to-compare")
    page.locator("#compare-run").click()
    expect(page.locator("#compare-status")).to_contain_text("Round 1: 4 of 4 succeeded",
                                                            timeout=240_000)
    expect(page.locator("#compare-pane-3-head")).to_contain_text("succeeded")
    screenshot(page, "history-compared")

    # Another browser sees none of it.
    other = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        stranger = other.new_page()
        stranger.goto(browser_app)
        stranger.wait_for_selector("#tabs")
        stranger.get_by_role("tab", name="History").click()
        stranger.locator("#history-refresh").click()
        expect(stranger.locator("#history-summary")).to_contain_text("No runs yet",
                                                                     timeout=30_000)
        screenshot(stranger, "history-other-browser")
    finally:
        other.close()



def test_the_address_follows_the_tabs_history_opens(page: Any, files: dict[str, Path]) -> None:
    """"Open in its tab" and "Add to Compare" switch tabs from the server: the address says
    the tab they opened (a reload or a shared link opens it), as a click on a tab does. The
    list shows the run's settings in words (no hashed file name, no `false`)."""
    _upscale(page, files["small"], "2")
    page.locator("#upscale-run").click()
    expect(page.locator("#upscale-status")).to_contain_text("Done", timeout=120_000)

    page.get_by_role("tab", name="History").click()
    expect(page).to_have_url(re.compile(r"[?&]tab=history\b"))
    page.locator("#history-refresh").click()
    row = page.locator("#history-list tbody tr").first
    expect(row).to_contain_text("Scale: 2 · Face enhance: No", timeout=30_000)
    expect(row).to_contain_text("Image: an image")
    expect(row).not_to_contain_text(re.compile(r"[0-9a-f]{16}\.|false"))
    expect(page.locator("#history-summary")).to_contain_text("on this server")
    row.click()
    expect(page.locator("#history-detail-head")).to_contain_text("free, on this computer")
    expect(page.locator("#history-detail-head")).not_to_contain_text("$")
    screenshot(page, "history-desktop-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    expect(page.locator("#history-detail-head")).to_be_visible()
    screenshot(page, "history-phone-390")
    page.set_viewport_size({"width": 1280, "height": 900})

    page.locator("#history-open-tab").click()
    expect(page.locator("#upscale-scale input[type=number]")).to_have_value("2",
                                                                           timeout=30_000)
    expect(page).to_have_url(re.compile(r"[?&]tab=upscale\b"))

    page.get_by_role("tab", name="History").click()
    expect(page).to_have_url(re.compile(r"[?&]tab=history\b"))
    page.locator("#history-add-compare").click()
    expect(page.locator("#compare-status")).to_contain_text("Added from History",
                                                            timeout=30_000)
    expect(page).to_have_url(re.compile(r"[?&]tab=compare\b"))
    page.reload()  # the address opens the tab it names
    page.wait_for_selector("#tabs")
    expect(page.locator("#tabs button[role=tab][aria-selected=true]").first).to_have_text(
        "Compare")

    # the run's settings as one more input of Compare's prompt set (its image is a file: out)
    page.get_by_role("tab", name="History").click()
    page.locator("#history-refresh").click()
    page.locator("#history-list tbody tr").first.click()
    page.locator("#history-add-set").click()
    expect(page.locator("#history-detail-status")).to_contain_text(
        "Added to Compare's prompt set, as input 1")
    page.get_by_role("tab", name="Compare").click()
    page.locator("#compare-set-box").get_by_text("Prompt set").click()
    expect(page.locator("#compare-set-lines textarea")).to_have_value(
        re.compile(r'^\{"scale": 2, "face_enhance": false\}$'))


# Records, while the answer streams, whether Chat's Stop button is there and on top (a press
# would reach it, not an overlay): the small local model answers in seconds, so clicking it in
# time on a busy machine is luck; watching it is not.
_WATCH_STOP = """() => { window.__stop = []; const watch = setInterval(() => {
  const stop = document.querySelector('#chat-input .stop-button');
  if (!stop) return;
  const r = stop.getBoundingClientRect();
  const top = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
  window.__stop.push(!!top && (top === stop || stop.contains(top)));
  if (window.__stop.length > 400) clearInterval(watch);
}, 25); }"""


def test_a_chat_put_back_in_its_tab_keeps_its_stop_button(page: Any) -> None:
    page.get_by_role("tab", name="Chat").click()
    page.locator("#chat-settings").get_by_text("Settings").first.click()
    for elem_id, value in (("chat-max-tokens", "16"), ("chat-temperature", "0")):
        field = page.locator(f"#{elem_id} input[type=number]")
        # the slider, just mounted by opening Settings, may still set its first value over
        # what is typed at once (as no person types): typed until the slider itself holds it
        for _ in range(5):
            field.fill(value)
            field.press("Tab")
            if page.locator(f"#{elem_id} input[type=range]").input_value() == value:
                page.wait_for_timeout(300)  # and still does once the mount has settled
                if page.locator(f"#{elem_id} input[type=range]").input_value() == value:
                    break
        expect(page.locator(f"#{elem_id} input[type=range]")).to_have_value(value)
    tokens = page.locator("#chat-max-tokens input[type=number]")
    box = page.locator("#chat-input textarea")
    message = "Write a very long story about a dragon who learns to cook."
    box.fill(message)
    box.press("Enter")
    status = page.locator("#chat-status")
    expect(status).to_contain_text(re.compile("Done|limit"), timeout=120_000)

    page.get_by_role("tab", name="History").click()
    page.locator("#history-refresh").click()
    rows = page.locator("#history-list tbody tr")
    expect(rows.first).to_contain_text("dragon", timeout=30_000)
    rows.first.click()
    expect(page.locator("#history-detail-head")).to_contain_text("Chat")
    # the run was made with the 16 typed (a failure below is then the putting back)
    expect(page.locator("#history-inputs")).to_contain_text(re.compile(r"max_tokens\W+16\b"))
    page.locator("#history-open-tab").click()
    # the message and its settings come back in one update: wait for both, read both
    page.wait_for_function(
        """([message]) => document.querySelector('#chat-input textarea').value === message
             && document.querySelector('#chat-max-tokens input[type=number]').value === '16'""",
        arg=[message], timeout=30_000)
    expect(box).to_have_value(message)
    expect(tokens).to_have_value("16")
    screenshot(page, "history-chat-open-in-tab")

    tokens.fill("400")  # tweak it and send it again: Stop is there while it answers
    tokens.press("Tab")
    page.evaluate(_WATCH_STOP)
    box.press("Enter")
    page.wait_for_function("() => window.__stop.length > 0", timeout=60_000)
    expect(page.locator("#chat-input .stop-button")).to_have_count(0, timeout=120_000)
    expect(status).to_contain_text(re.compile("Done|limit"), timeout=120_000)
    seen = page.evaluate("() => window.__stop")
    assert seen and any(seen), "Chat's Stop button never showed (or was covered) mid-answer"
    screenshot(page, "history-chat-again")
