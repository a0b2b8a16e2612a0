"""Compare's entries use the Models tab's forms: each entry's own inputs from its model's
schema (the shared ones once, above), the JSON box kept for anything else."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from .conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.models]


def test_entries_are_set_through_their_forms(page: Any, files: dict[str, Path]) -> None:
    page.get_by_role("tab", name="Compare").click()
    # The starters' settings move into the entries' forms, where they can be seen.
    page.locator("#compare-entry-1-form-box").click()
    expect(page.locator("#compare-e1-in-model input")).to_have_value("u2netp", timeout=60_000)
    page.locator("#compare-entry-1-advanced").click()
    expect(page.locator("#compare-overrides-1 textarea")).to_have_value("")
    page.locator("#compare-entry-2-form-box").click()
    scale = page.locator("#compare-e2-in-scale input[type=number]")
    expect(scale).to_have_value("2")
    page.locator("#compare-image input[type=file]").set_input_files(str(files["small"]))
    expect(page.locator("#compare-image img")).to_be_visible(timeout=30_000)
    # Typed and Run pressed at once: the fields' values travel with the click (no wait).
    scale.fill("3")
    page.locator("#compare-run").click()
    expect(page.locator("#compare-status")).to_contain_text("Round 1: 3 of 3 succeeded.",
                                                            timeout=240_000)
    summary = page.locator("#compare-summary")
    expect(summary).to_contain_text("local/real-esrgan (scale=3)", timeout=30_000)
    expect(summary).to_contain_text("local/rembg (model=u2netp)")
    screenshot(page, "compare-entry-forms")
