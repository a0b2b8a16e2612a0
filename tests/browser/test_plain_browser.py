"""A newcomer's walk (issue "Plain for everyone"): each surprise they met, walked again as they
would, asserting what they should now see. On the local engine, in Debian's chromium."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from playground.tasks import TABLE

from .conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.models, pytest.mark.timeout(600)]

DONE = 180_000
# Words only a developer reads: none may be on the page's first screen of any tab.
JARGON = ["127.0.0.1", "http://", "data URI", "Files API", "models pull", "REPLICATE_API_TOKEN",
          "PyPI", "owner/name", "local/", "stands in for `", "sd-turbo"]


MODEL_NAMES = ("local/", "sd-turbo")  # a model's own name, where the page lists models


def _selected_tab(page: Any) -> str:
    return page.locator("#tabs button[role=tab][aria-selected=true]").first.inner_text()


def _open(page: Any, label: str) -> None:
    page.get_by_role("tab", name=label, exact=True).click()


def _upload(page: Any, elem_id: str, path: Path) -> None:
    page.locator(f"#{elem_id} input[type=file]").set_input_files(str(path))


def _visible_text(page: Any) -> str:
    return str(page.evaluate("() => document.body.innerText"))


# ---- 1. opening tab, 8. the tab in the URL --------------------------------------------------

def test_offline_the_page_opens_on_a_tab_that_works(page: Any) -> None:
    expect(page.locator("#tabs button[role=tab][aria-selected=true]").first).to_have_text("Chat")
    expect(page.locator("#chat-input textarea")).to_be_visible()
    screenshot(page, "plain-landing")


def test_the_tab_is_in_the_url_and_survives_a_reload(page: Any, browser_app: str) -> None:
    _open(page, "Upscale")
    expect(page).to_have_url(re.compile(r"[?&]tab=upscale\b"))
    page.reload()
    page.wait_for_selector("#tabs")
    expect(page.locator("#upscale-image")).to_be_visible()
    assert _selected_tab(page) == "Upscale"
    # A link to a tab opens it; the nested "Before / after" tabs do not touch the URL.
    page.goto(browser_app + "?tab=background")
    expect(page.locator("#background-image")).to_be_visible()
    page.get_by_role("tab", name="Before / after").click()
    expect(page).to_have_url(re.compile(r"[?&]tab=background\b"))
    page.goto(browser_app + "?tab=no-such-tab")  # an unknown name: the usual first tab
    expect(page.locator("#chat-input textarea")).to_be_visible()


# ---- 10. the offline banner, 5. developer words -------------------------------------------

def test_offline_banner_is_one_plain_line_with_the_list_behind_details(page: Any) -> None:
    banner = page.locator("#standin-banner")
    expect(banner).to_contain_text("Offline: small free models on this computer stand in for "
                                   "the Replicate ones")
    box = banner.bounding_box()
    assert box is not None and box["height"] < 60, box  # one line at 1280 px, not a list
    for name in ("SmolLM2", "Whisper", "MODNet", "Real-ESRGAN"):
        expect(banner).not_to_contain_text(name)
    details = page.locator("#page-details-text")
    expect(details).to_be_hidden()
    page.locator("#page-details").get_by_text("Details").first.click()
    expect(details).to_be_visible()
    expect(details).to_contain_text("SmolLM2-135M")
    expect(details).to_contain_text("Llama 3.1 405B Instruct")
    expect(details).to_contain_text(re.compile(r"http://127\.0\.0\.1:\d+"))
    expect(details).to_contain_text("REPLICATE_API_TOKEN")  # how to switch, one click away
    screenshot(page, "plain-details")


@pytest.mark.parametrize("label", [t.label for t in TABLE.tabs])  # every tab of the page
def test_no_developer_words_on_the_first_screen(page: Any, label: str) -> None:
    _open(page, label)
    page.wait_for_timeout(300)
    # The Models tab lists the models by their names (local/…), and Compare names its entries
    # and panes after theirs (two of one model told apart): that is what they are for.
    _no_jargon(page, label, allowed=MODEL_NAMES if label in ("Models", "Compare") else ())
    # Offline no token is needed or used: no token box to puzzle over.
    expect(page.locator("#token-box")).to_have_count(0)


def _no_jargon(page: Any, where: str, allowed: tuple[str, ...] = ()) -> None:
    text = _visible_text(page)
    found = [w for w in JARGON if w in text and w not in allowed]
    if found:
        screenshot(page, "plain-jargon-" + re.sub(r"\W+", "-", where).lower())
    assert not found, f"{where} shows developer words: {found}"
    assert not re.search(r"\$\d", text), f"{where} shows a dollar estimate for a free run"


def test_models_and_history_after_a_run_speak_plainly(page: Any) -> None:
    """A run on Models, a mistake there, then the run opened in History: every first line
    plain, the model's reference and the server one click away."""
    _open(page, "Models")
    picker = page.locator("#models-ref input")
    picker.fill("not a model")
    picker.press("Enter")
    status = page.locator("#models-status")
    expect(status).to_contain_text("is not a model name")
    _no_jargon(page, "Models after a mistake", allowed=MODEL_NAMES)
    picker.fill("")
    picker.click()  # the list of models: their names, and plain words about each
    expect(page.get_by_role("option").first).to_be_visible()
    screenshot(page, "plain-models-list")
    _no_jargon(page, "The Models list", allowed=MODEL_NAMES)
    picker.press("Escape")
    picker.fill("local/smollm2-135m-instruct")
    picker.press("Enter")
    expect(page.locator("#models-in-prompt textarea")).to_be_visible(timeout=60_000)
    page.locator("#models-in-prompt textarea").fill("Say hello.")
    page.locator("#models-run").click()
    expect(status).to_contain_text("Done", timeout=DONE)
    # The model's own name (local/…) is what the person picked: it may show; nothing else.
    _no_jargon(page, "Models after a run", allowed=MODEL_NAMES)
    screenshot(page, "plain-models-after-run")
    _open(page, "History")
    page.locator("#history-refresh").click()
    first = page.locator("#history-list tbody tr").first
    expect(first).to_be_visible()
    _no_jargon(page, "History with a run", allowed=("local/",))
    first.click()
    expect(page.locator("#history-detail-head")).to_be_visible()
    screenshot(page, "plain-history-open")
    _no_jargon(page, "History with a run open", allowed=("local/",))


# ---- 2. and 7. the upscale that shrank, and the before/after slider -------------------------

def _handle_x(page: Any, slider: str) -> float:
    box = page.locator(f"#{slider} [data-testid=slider] .icon-wrap").bounding_box()
    assert box is not None
    return float(box["x"] + box["width"] / 2)


def test_upscale_offers_full_size_or_a_quick_preview_with_the_time_in_words(
        page: Any, files: dict[str, Path]) -> None:
    """Offline the picture is upscaled as it was given; for a big one the tab says, before
    Run, how long full size takes and offers a quick preview instead."""
    _open(page, "Upscale")
    size = page.locator("#upscale-size")
    expect(size).to_be_hidden()  # nothing to choose before there is a picture
    _upload(page, "upscale-image", files["wide"])  # 1200x800
    full = page.get_by_role("radio", name=re.compile("^Full size"))
    expect(full).to_be_checked()  # the default: every pixel
    # "Real-ESRGAN 4x" is 4x here too
    expect(size).to_contain_text(re.compile(r"Full size: 4800×3200, about \d+ s"))
    expect(size).to_contain_text(re.compile(
        r"Quick preview: reduced to 512×341 first, 2048×1364, about \d+ s"))
    expect(size).to_contain_text("Your picture is 1200×800.")
    expect(size).to_contain_text("The time depends on the picture's size, not on the scale.")
    page.locator("#upscale-scale input[type=number]").fill("3")
    page.locator("#upscale-scale input[type=number]").press("Enter")
    expect(size).to_contain_text("Full size: 3600×2400")  # the estimate follows the scale
    screenshot(page, "plain-upscale-size-choice")
    page.locator("#upscale-scale input[type=number]").fill("2")
    page.locator("#upscale-scale input[type=number]").press("Enter")
    expect(size).to_contain_text("Full size: 2400×1600")
    _upload(page, "upscale-image", files["portrait"])  # 256 px: a preview would change nothing
    expect(size).to_be_hidden()
    _upload(page, "upscale-image", files["photo"])  # 640x400: 512 px would save little time
    page.locator("#upscale-image img").first.wait_for()
    expect(size).to_be_hidden()


def test_upscale_at_full_size_reports_progress_and_keeps_every_pixel(
        page: Any, files: dict[str, Path]) -> None:
    _open(page, "Upscale")
    _upload(page, "upscale-image", files["photo"])  # 640x400
    page.locator("#upscale-scale input[type=number]").fill("2")
    page.locator("#upscale-scale input[type=number]").press("Enter")
    expect(page.locator("#upscale-image img").first).to_be_visible()
    expect(page.locator("#upscale-size")).to_be_hidden()  # a preview would be hardly quicker
    page.locator("#upscale-run").click()
    status = page.locator("#upscale-status")
    expect(status).to_contain_text(re.compile(r"Processing \d+%"), timeout=DONE)
    expect(status).to_contain_text("Done", timeout=DONE)
    expect(status).to_contain_text("Output: 1280×800")
    expect(status).not_to_contain_text("reduced")
    expect(page.locator("#upscale-download")).to_contain_text("1280×800")
    screenshot(page, "plain-upscale-full-size")


def test_upscale_quick_preview_says_it_reduced_and_the_slider_compares_like_with_like(
        page: Any, files: dict[str, Path]) -> None:
    _open(page, "Upscale")
    _upload(page, "upscale-image", files["wide"])  # 1200x800
    page.locator("#upscale-scale input[type=number]").fill("2")
    page.locator("#upscale-scale input[type=number]").press("Enter")
    expect(page.locator("#upscale-size")).to_contain_text("Full size: 2400×1600")
    page.get_by_role("radio", name=re.compile("^Quick preview")).check()
    page.locator("#upscale-run").click()
    status = page.locator("#upscale-status")
    expect(status).to_contain_text("Done", timeout=DONE)
    expect(status).to_contain_text("Your 1200×800 picture was reduced to 512×341 first, "
                                   "because you chose a quick preview")
    expect(status).to_contain_text("so the result (1024×682) is smaller than your picture")
    # Both halves are the same picture at the same size, so the slider shows one framing.
    images = page.locator("#upscale-output img[data-testid=imageslider-image]")
    expect(images).to_have_count(2)
    expect(images.last).to_be_visible()
    page.wait_for_function("""() => [...document.querySelectorAll(
        '#upscale-output img[data-testid=imageslider-image]')].every(i => i.naturalWidth > 0)""")
    sizes = images.evaluate_all("imgs => imgs.map(i => [i.naturalWidth, i.naturalHeight])")
    assert sizes[0] == sizes[1] == [1024, 682], sizes
    boxes = [images.nth(i).bounding_box() for i in range(2)]
    assert boxes[0] == boxes[1], boxes
    # "Before" and "After" are written on the two halves.
    labels = page.locator("#upscale-output .slider-wrap").evaluate(
        "w => [getComputedStyle(w, '::before').content, getComputedStyle(w, '::after').content]")
    assert labels == ['"Before"', '"After"'], labels
    screenshot(page, "plain-upscale-reduced")

    # Dragging anywhere on the picture moves the divider (not only its small handle).
    content = page.locator("#upscale-output .slider-wrap .content").evaluate("""c => {
        const box = c.getBoundingClientRect(), img = c.querySelector('img');
        const ratio = img.naturalWidth / img.naturalHeight;
        const width = Math.min(box.width, box.height * ratio), height = width / ratio;
        return {x: box.left + (box.width - width) / 2, y: box.top + (box.height - height) / 2,
                width, height}; }""")  # where the picture is drawn (contained in the box)
    y = content["y"] + content["height"] * 0.7
    page.mouse.move(content["x"] + content["width"] * 0.3, y)
    page.mouse.down()
    page.mouse.move(content["x"] + content["width"] * 0.2, y, steps=4)
    page.mouse.up()
    assert abs(_handle_x(page, "upscale-output") - (content["x"] + content["width"] * 0.2)) < 6

    # And by keyboard: the divider is a named slider that takes the arrow keys.
    handle = page.get_by_role("slider", name="Before/after divider")
    handle.focus()
    start = _handle_x(page, "upscale-output")
    handle.press("ArrowRight")
    moved = _handle_x(page, "upscale-output") - start
    assert 0.03 * content["width"] < moved < 0.07 * content["width"], moved
    handle.press("End")
    assert abs(_handle_x(page, "upscale-output") - (content["x"] + content["width"])) < 6
    expect(handle).to_have_attribute("aria-valuenow", "100")
    handle.press("Home")
    assert abs(_handle_x(page, "upscale-output") - content["x"]) < 6
    expect(handle).to_have_attribute("aria-valuenow", "0")
    screenshot(page, "plain-upscale-slider-keyboard")


# ---- 3. silent results -------------------------------------------------------------------

def test_remove_background_says_when_the_result_is_empty(page: Any,
                                                         files: dict[str, Path]) -> None:
    _open(page, "Remove background")
    _upload(page, "background-image", files["tiny"])
    page.locator("#background-run").click()
    status = page.locator("#background-status")
    expect(status).to_contain_text("Done", timeout=DONE)
    expect(status).to_contain_text("The result is empty")
    expect(status.locator(".pill.warn")).to_be_visible()
    screenshot(page, "plain-background-empty")


def test_remove_background_with_a_subject_is_not_called_empty(page: Any,
                                                              files: dict[str, Path]) -> None:
    _open(page, "Remove background")
    _upload(page, "background-image", files["portrait"])
    page.locator("#background-run").click()
    status = page.locator("#background-status")
    expect(status).to_contain_text("Done", timeout=DONE)
    expect(status).not_to_contain_text("empty")


def test_restore_faces_says_no_face_was_found(page: Any, files: dict[str, Path]) -> None:
    _open(page, "Restore faces")
    _upload(page, "faces-image", files["noface"])
    page.locator("#faces-scale input[type=number]").fill("1")
    page.locator("#faces-scale input[type=number]").press("Enter")
    page.locator("#faces-run").click()
    status = page.locator("#faces-status")
    expect(status).to_contain_text("Done", timeout=DONE)
    expect(status).to_contain_text("No face found: the picture is unchanged")
    screenshot(page, "plain-faces-noface")


# ---- 6. named controls --------------------------------------------------------------------

def test_chat_send_and_stop_are_named_buttons(page: Any) -> None:
    _open(page, "Chat")
    expect(page.get_by_role("button", name="Send", exact=True)).to_be_visible()
    page.locator("#chat-settings").get_by_text("Settings").first.click()
    # 1500 tokens at temperature 0: this story runs to the limit, so Stop is still there to
    # click (a shorter, varied answer could end first and take the button with it).
    for elem_id, value in (("chat-max-tokens", "1500"), ("chat-temperature", "0")):
        field = page.locator(f"#{elem_id} input[type=number]")
        field.fill(value)
        field.press("Tab")
    page.locator("#chat-settings").get_by_text("Settings").first.click()
    box = page.locator("#chat-input textarea")
    box.fill("Write a very long story about a dragon who learns to cook.")
    box.press("Enter")
    stop = page.get_by_role("button", name="Stop", exact=True)
    expect(stop).to_be_visible(timeout=60_000)
    shown = stop.evaluate("b => getComputedStyle(b, '::after').content")
    assert shown == '"Stop"', shown  # said on the button, not only a square
    screenshot(page, "plain-chat-stop")
    stop.click()
    expect(page.locator("#chat-status")).to_contain_text("Stopped", timeout=30_000)


# ---- 1. the Image tab, honest at a glance offline ------------------------------------------

def test_image_tab_offline_says_why_generate_is_off(page: Any) -> None:
    _open(page, "Image")
    generate = page.locator("#image-run")
    expect(generate).to_be_disabled()
    note = page.locator("#image-offline-note")
    expect(note).to_contain_text("Not available offline")
    # Beside the button (in the same column, just under it), not across the page.
    button_box, note_box = generate.bounding_box(), note.bounding_box()
    assert button_box and note_box
    assert 0 <= note_box["y"] - (button_box["y"] + button_box["height"]) < 80, (button_box,
                                                                                 note_box)
    # Nothing promises a local run that cannot happen, and the advice matches the page: there
    # is no token box offline, so it does not say to paste a token; it says how to switch.
    text = _visible_text(page)
    assert "On this computer" not in page.locator("#image-preset-info").inner_text()
    assert "Paste" not in note.inner_text()
    expect(note).to_contain_text("Details")
    # Ctrl+Enter in the prompt does nothing either (no error, no toast).
    page.locator("#image-prompt textarea").press("Control+Enter")
    page.wait_for_timeout(800)
    expect(page.locator(".toast-body")).to_have_count(0)
    expect(page.locator("#image-status")).to_have_text("Ready.")
    assert "sd-turbo" not in text
    screenshot(page, "plain-image-offline")


# ---- 3. the chat answer cut at the token limit ---------------------------------------------

def test_chat_says_when_the_answer_stopped_at_the_token_limit(page: Any) -> None:
    _open(page, "Chat")
    page.locator("#chat-settings").get_by_text("Settings").first.click()
    tokens = page.locator("#chat-max-tokens input[type=number]")
    tokens.fill("32")
    tokens.press("Tab")
    box = page.locator("#chat-input textarea")
    box.fill("Write a long story about a dragon who learns to cook.")
    box.press("Enter")
    status = page.locator("#chat-status")
    expect(status).to_contain_text("Done", timeout=DONE)
    expect(status).to_contain_text(
        "The answer stopped at the 32-token limit: raise Max tokens to get more")
    screenshot(page, "plain-chat-limit")
    # A short answer well within the limit is just done.
    page.locator("#chat-chatbot").get_by_role("button", name="Clear").click()
    tokens.fill("256")
    tokens.press("Tab")
    temperature = page.locator("#chat-temperature input[type=number]")
    temperature.fill("0")
    temperature.press("Tab")
    box.fill("What is the capital of France?")
    box.press("Enter")
    expect(status).not_to_contain_text("limit", timeout=DONE)
    expect(status).to_contain_text("Done", timeout=DONE)
    expect(status).not_to_contain_text("limit")


# ---- 9. a text file renamed .png ----------------------------------------------------------

@pytest.mark.parametrize("tab,label", [("upscale", "Upscale"), ("background", "Remove background"),
                                       ("faces", "Restore faces")])
def test_a_text_file_named_png_is_refused_when_dropped(page: Any, files: dict[str, Path],
                                                       tab: str, label: str) -> None:
    _open(page, label)
    _upload(page, f"{tab}-image", files["text"])  # "notes.png" holding text
    status = page.locator(f"#{tab}-status")
    expect(status).to_contain_text("not an image we can read")  # before any Run
    expect(page.locator(f"#{tab}-image img")).to_have_count(0)  # no broken thumbnail left
    screenshot(page, f"plain-{tab}-bad-file")
    _upload(page, f"{tab}-image", files["small"])  # a real picture clears the message
    expect(status).not_to_contain_text("not an image")
    expect(page.locator(f"#{tab}-image img").first).to_be_visible()


# ---- 5. a run's technical details one click away --------------------------------------------

def test_run_details_are_one_click_away(page: Any, files: dict[str, Path]) -> None:
    _open(page, "Upscale")
    _upload(page, "upscale-image", files["small"])
    page.locator("#upscale-run").click()
    expect(page.locator("#upscale-status")).to_contain_text("Done", timeout=DONE)
    text = _visible_text(page)
    found = [w for w in JARGON if w in text]
    assert not found, f"after a run the page shows developer words: {found}"
    page.locator("#upscale-details-box").get_by_text("Details").first.click()
    expect(page.locator("#upscale-details")).to_contain_text("local/real-esrgan")


# ---- 8. a reload in the middle of a run ---------------------------------------------------

def test_a_reload_mid_run_says_the_run_was_interrupted(page: Any, files: dict[str, Path]) -> None:
    """A full-size upscale long enough to reload in the middle of: the page comes back on the
    tab, says the run was interrupted and gives its picture back."""
    _open(page, "Upscale")
    _upload(page, "upscale-image", files["wide"])  # 1200x800 at full size: many tiles
    page.locator("#upscale-run").click()
    status = page.locator("#upscale-status")
    expect(status).to_contain_text(re.compile(r"Processing \d+%"), timeout=DONE)
    page.reload()
    page.wait_for_selector("#tabs")
    assert _selected_tab(page) == "Upscale"
    expect(status).to_contain_text("Interrupted", timeout=30_000)
    expect(status).to_contain_text("run it again")
    expect(page.locator("#upscale-image img").first).to_be_visible()  # the inputs are back
    screenshot(page, "plain-reload-mid-run")


def test_options_that_would_do_nothing_offline_are_not_offered(page: Any) -> None:
    """Offline the face stand-in has no GFPGAN versions (so its two presets are one), and
    Remove background has one preset: no control that would be silently ignored, or a
    one-item list that is disabled."""
    _open(page, "Restore faces")
    expect(page.locator("#faces-image")).to_be_visible()
    expect(page.locator("#faces-version")).to_be_hidden()
    # GFPGAN v1.4 and v1.3 are the same stand-in at the same scale here: no list of them
    expect(page.locator("#faces-preset")).to_be_hidden()
    _open(page, "Remove background")
    expect(page.locator("#background-image")).to_be_visible()
    expect(page.locator("#background-preset")).to_be_hidden()
    expect(page.locator("#background-preset-info")).to_contain_text("On this computer")
    _open(page, "Chat")  # more than one preset: a choice
    expect(page.locator("#chat-preset")).to_be_visible()
