"""axe-core on the real page: the landing screen, and every tab before and after a run.

Fails on any serious or critical violation (colour contrast, controls without a name, ARIA
misuse). Each audit's findings also go to test-artifacts/axe/<tab>-<when>.json, minor and
moderate ones included, so a reviewer can read what the audit saw.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from playground.tasks import TABLE

from .conftest import SCREENSHOTS, axe_report, axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.models, pytest.mark.timeout(900)]

REPORTS = SCREENSHOTS.parent / "axe"
DONE = 180_000


def _audit(page: Any, name: str) -> list[dict[str, Any]]:
    page.wait_for_timeout(400)  # let transitions (accordions, pills) settle before judging colour
    everything = axe_violations(page, ("minor", "moderate", "serious", "critical"))
    REPORTS.mkdir(parents=True, exist_ok=True)
    (REPORTS / f"{name}.json").write_text(json.dumps(everything, indent=1))
    return [v for v in everything if v["impact"] in ("serious", "critical")]


def _upload(page: Any, elem_id: str, path: Path) -> None:
    page.locator(f"#{elem_id} input[type=file]").set_input_files(str(path))


def _run_image(page: Any, files: dict[str, Path]) -> None:
    # Offline the Generate button is disabled, with the reason beside it: that is the "after".
    expect(page.locator("#image-offline-note")).to_contain_text("Not available offline")


def _run_chat(page: Any, files: dict[str, Path]) -> None:
    page.locator("#chat-settings").get_by_text("Settings").first.click()
    box = page.locator("#chat-max-tokens input[type=number]")
    box.fill("16")
    box.press("Tab")
    page.locator("#chat-input textarea").fill("Say hello.")
    page.locator("#chat-input textarea").press("Enter")
    expect(page.locator("#chat-status")).to_contain_text(re.compile("Done|limit"), timeout=DONE)


def _run_transcribe(page: Any, files: dict[str, Path]) -> None:
    _upload(page, "transcribe-audio", files["speech"])
    page.locator("#transcribe-run").click()
    expect(page.locator("#transcribe-status")).to_contain_text("Done", timeout=DONE)


def _image_tab(tab: str) -> Callable[[Any, dict[str, Path]], None]:
    def run(page: Any, files: dict[str, Path]) -> None:
        _upload(page, f"{tab}-image", files["small"])
        page.locator(f"#{tab}-run").click()
        expect(page.locator(f"#{tab}-status")).to_contain_text("Done", timeout=DONE)
    return run


def _run_upscale(page: Any, files: dict[str, Path]) -> None:
    """A picture larger than a preview: the Size choice shows; a quick preview, so the
    status line has its "Done, but" note too."""
    _upload(page, "upscale-image", files["wide"])
    preview = page.get_by_role("radio", name=re.compile("^Quick preview"))
    expect(preview).to_be_visible()
    preview.check()
    page.locator("#upscale-run").click()
    expect(page.locator("#upscale-status")).to_contain_text("Done", timeout=DONE)


def _run_models(page: Any, files: dict[str, Path]) -> None:
    picker = page.locator("#models-ref input")
    picker.fill("local/smollm2-135m-instruct")
    picker.press("Enter")
    prompt = page.locator("#models-in-prompt textarea")
    expect(prompt).to_be_visible(timeout=60_000)
    prompt.fill("Say hello.")
    page.locator("#models-run").click()
    expect(page.locator("#models-status")).to_contain_text("Done", timeout=DONE)


def _run_history(page: Any, files: dict[str, Path]) -> None:
    """A run in another tab, then opened here (each browser sees only its own runs)."""
    page.get_by_role("tab", name="Upscale").click()
    _image_tab("upscale")(page, files)
    page.get_by_role("tab", name="History").click()
    page.locator("#history-refresh").click()
    page.locator("#history-list tbody tr").first.click()
    expect(page.locator("#history-detail-head")).to_contain_text("Succeeded")


def _run_compare(page: Any, files: dict[str, Path]) -> None:
    _upload(page, "compare-image", files["small"])
    expect(page.locator("#compare-image img")).to_be_visible(timeout=30_000)
    page.locator("#compare-run").click()
    expect(page.locator("#compare-status")).to_contain_text("succeeded", timeout=DONE * 2)


TABS: list[tuple[str, str, Callable[[Any, dict[str, Path]], None]]] = [
    ("image", "Image", _run_image),
    ("chat", "Chat", _run_chat),
    ("transcribe", "Transcribe", _run_transcribe),
    ("upscale", "Upscale", _run_upscale),
    ("background", "Remove background", _image_tab("background")),
    ("faces", "Restore faces", _image_tab("faces")),
    ("models", "Models", _run_models),
    ("history", "History", _run_history),
    ("compare", "Compare", _run_compare),
]


def test_every_tab_of_the_task_table_is_audited() -> None:
    """A new tab (a row of playground/tasks.py) needs its run here: how to drive it."""
    assert sorted((tab, label) for tab, label, _ in TABS) == sorted(
        (t.tab, t.label) for t in TABLE.tabs)


def test_landing_page_passes_axe(page: Any) -> None:
    found = _audit(page, "landing")
    assert not found, "axe on the landing page:\n" + axe_report(found)


@pytest.mark.parametrize(("tab", "label", "run"), TABS, ids=[t[0] for t in TABS])
def test_tab_passes_axe_before_and_after_a_run(page: Any, files: dict[str, Path], tab: str,
                                               label: str, run: Any) -> None:
    page.get_by_role("tab", name=label).click()
    expect(page.locator(f"#{tab}-tab")).to_be_visible()
    before = _audit(page, f"{tab}-before")
    run(page, files)
    after = _audit(page, f"{tab}-after")
    assert not before and not after, (
        f"axe on {label} before a run:\n{axe_report(before)}\n\n"
        f"axe on {label} after a run:\n{axe_report(after)}")
