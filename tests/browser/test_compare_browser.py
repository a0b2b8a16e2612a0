"""The Compare tab in a real browser (Debian chromium via Playwright) on the embedded engine:
three local runs side by side, a vote, and a screenshot for people to look at."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from .conftest import close_app

pytestmark = [pytest.mark.browser, pytest.mark.models, pytest.mark.timeout(600)]

CHROMIUM = "/usr/bin/chromium"
SCREENSHOT = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots" / "compare.png"


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from playground.engine.models import registry
    from playground.engine.server import EngineThread
    from playground.service import Service
    from playground.ui.app import build_app, serve
    from playground.ui.context import make_context

    models = [m for m in registry() if m.availability() is None]
    if not {"local/rembg", "local/real-esrgan"} <= {m.ref for m in models}:
        pytest.skip("the local models' weights are not installed (playground models pull)")
    if not shutil.which(CHROMIUM):
        pytest.skip("no chromium at /usr/bin/chromium")
    data = tmp_path_factory.mktemp("browser-data")
    with pytest.MonkeyPatch.context() as mp, EngineThread(
            models, tmp_path_factory.mktemp("engine")) as engine:
        mp.setenv("PLAYGROUND_DATA_DIR", str(data))
        ctx = make_context(Service(base_url=engine.url, data_dir=data, backend="local"))
        demo = build_app(ctx, tabs=["compare"])
        _, url, _ = serve(demo, data, block=False)
        try:
            yield url
        finally:
            close_app(demo)


@pytest.fixture
def portrait(tmp_path: Path) -> Path:
    from skimage import data

    path = tmp_path / "astronaut.png"
    Image.fromarray(data.astronaut()).resize((256, 256), Image.Resampling.LANCZOS).save(path)
    return path


# The package's one browser (conftest.py): a second sync Playwright in the same process would
# find the first one's event loop running and refuse to start.
def test_compare_three_local_runs_in_the_browser(app_url: str, portrait: Path,
                                                 browser: Any) -> None:
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1500, "height": 1900})
    try:
        page = context.new_page()
        page.goto(app_url)
        page.locator("#compare-image input[type=file]").set_input_files(str(portrait))
        expect(page.locator("#compare-image img")).to_be_visible(timeout=30_000)
        page.locator("#compare-run").click()
        status = page.locator("#compare-status")
        expect(status).to_contain_text("Round 1: 3 of 3 succeeded.", timeout=300_000)
        for i in range(3):
            expect(page.locator(f"#compare-pane-{i}-head")).to_contain_text("succeeded")
            expect(page.locator(f"#compare-pane-{i}-head")).to_contain_text(
                    "free, on this computer")  # no dollar estimate for a local run
            expect(page.locator(f"#compare-pane-{i}-image img")).to_be_visible()
        expect(page.locator("#compare-pane-3")).to_be_hidden()  # only three entries
        expect(page.locator("#compare-pane-0-text")).to_be_hidden()  # no text output
        page.locator("#compare-pane-0-vote").get_by_label("better").check()
        expect(page.locator("#compare-summary")).to_contain_text(
            "local/rembg (model=modnet)")
        expect(page.locator("#compare-summary tr").nth(1)).to_contain_text("1")
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOT), full_page=True)
        summary_row = page.locator("#compare-summary tr").nth(1).inner_text()
        assert summary_row.split("\t")[1:4] == ["1", "1", "1"], summary_row  # runs, ok, wins
    finally:
        context.close()


def test_layout_follows_the_task(app_url: str, browser: Any) -> None:
    """The grid box is for image tasks only, the placeholders follow the task, the panes show
    transparency on a checkerboard and their titles are padded off the border."""
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1500, "height": 1900})
    try:
        page = context.new_page()
        page.goto(app_url)
        grid_box = page.locator("#compare-grid-box")
        expect(grid_box).to_be_visible(timeout=30_000)
        expect(page.locator("#compare-pane-0-image.checker")).to_have_count(1)
        # the pane is named after its entry once the page has read the entries' models
        head = page.locator("#compare-pane-0-head strong")
        expect(head).to_contain_text("local/rembg", timeout=30_000)
        title = head.bounding_box()
        pane = page.locator("#compare-pane-0").bounding_box()
        assert title and pane and title["x"] - pane["x"] >= 4, (title, pane)  # off the border
        page.locator("#compare-task").get_by_label("Chat").check()
        expect(grid_box).to_be_hidden()
        page.locator("#compare-shared-box").get_by_role("button", name="Advanced").click()
        expect(page.locator("#compare-shared textarea")).to_have_attribute(
            "placeholder", '{"max_tokens": 64}')
        page.locator("#compare-entry-3-form-box").click()
        page.locator("#compare-entry-3-advanced").click()
        expect(page.locator("#compare-overrides-3 textarea")).to_have_attribute(
            "placeholder", '{"temperature": 0.9}')
        page.locator("#compare-task").get_by_label("Image to image", exact=False).check()
        expect(grid_box).to_be_visible()
        grid_box.get_by_role("button", name="X/Y grid").click()  # the accordion opens
        expect(page.locator("#compare-grid-xv textarea")).to_have_value("modnet, u2netp")
        expect(page.locator("#compare-shared textarea")).to_have_attribute(
            "placeholder", '{"scale": 2}')
    finally:
        context.close()
