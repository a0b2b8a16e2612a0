"""Hostile files met in the page, as a person meets them: a plain sentence, nothing shown."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from .conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.models]


def test_a_session_naming_a_private_file_is_refused(page: Any, tmp_path: Path) -> None:
    crafted = tmp_path / "shared-session.json"
    crafted.write_text(json.dumps({
        "format": "replicate-playground/compare-session", "task": "transcription",
        "entries": [{"ref": "local/whisper-tiny-en"}, {"ref": "local/whisper-tiny-en"}],
        "input_files": {"audio": "ui-browser-secret"}}))
    page.get_by_role("tab", name="Compare").click()
    page.locator("#compare-export-box").get_by_text("Save and load").click()
    page.locator("#compare-load input[type=file]").set_input_files(str(crafted))
    status = page.locator("#compare-status")
    expect(status).to_contain_text("Not loaded", timeout=60_000)
    expect(status).to_contain_text("'ui-browser-secret', which is not a file of this app")
    expect(page.locator(".toast-body")).to_have_count(0)
    expect(page.locator("#compare-audio audio")).to_have_count(0)  # nothing was loaded
    screenshot(page, "compare-session-refused")


def test_a_text_file_as_a_photo_is_named(page: Any, files: dict[str, Path]) -> None:
    page.get_by_role("tab", name="Upscale").click()
    # The tab reads a picture as it arrives: the file is named and refused at once, and the box
    # is emptied. (Run pressed before the box empties names it too; after, the image is missing:
    # the old test pressed Run at once and raced that.)
    page.locator("#upscale-image input[type=file]").set_input_files(str(files["text"]))
    expect(page.locator("#upscale-status")).to_contain_text("notes.png", timeout=60_000)
    expect(page.locator("#upscale-status")).not_to_contain_text("unexpected")


def test_a_picture_on_the_audio_box_is_named_in_plain_words(page: Any,
                                                             files: dict[str, Path]) -> None:
    page.get_by_role("tab", name="Transcribe").click()
    refused = page.locator("#transcribe-audio-refused")
    # chosen with the file picker
    page.locator("#transcribe-audio input[type=file]").set_input_files(str(files["portrait"]))
    expect(refused).to_have_text(
        "“astronaut.png” is not audio we can read. Use an MP3, WAV, M4A or OGG file.")
    expect(page.locator(".toast-body")).to_have_count(0)  # not Gradio's list of MIME types
    expect(page.locator("#transcribe-audio audio")).to_have_count(0)  # nothing was loaded
    screenshot(page, "transcribe-picture-refused")
    # dropped on the box
    page.locator("#transcribe-audio").evaluate("""(box) => {
      const data = new DataTransfer();
      data.items.add(new File(["not audio"], "notes.txt", { type: "text/plain" }));
      const target = box.querySelector('[aria-dropeffect], .upload-container') || box;
      for (const type of ["dragenter", "dragover", "drop"]) {
        target.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true,
                                                   dataTransfer: data }));
      }
    }""")
    expect(refused).to_contain_text("“notes.txt” is not audio")
    expect(page.locator(".toast-body")).to_have_count(0)
    # a recording is taken, and the refusal goes
    page.locator("#transcribe-audio input[type=file]").set_input_files(str(files["speech"]))
    expect(refused).to_have_count(0)
    expect(page.locator("#transcribe-audio audio").first).to_be_attached(timeout=30_000)
