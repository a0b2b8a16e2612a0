"""The Image tab in a real browser, on a recorded real SDXL run served by the replay server.

What a person does with a Replicate token: paste it, write a prompt, press Generate; then the
picture appears in the gallery with the seed the model used.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from replay_server import ReplayServer

from .conftest import _free_port, screenshot

pytestmark = pytest.mark.browser

TOKEN = "r8_browserReplayToken0123456789abcdefXYZ"


@pytest.fixture(scope="module")
def replay_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, ReplayServer]]:
    from playground.service import Service
    from playground.ui.app import build_app, serve
    from playground.ui.context import make_context

    data = tmp_path_factory.mktemp("browser-image-replay")
    with ReplayServer(["run", "file-prediction"]) as srv:
        # Loopback would be taken for the local engine: this server stands in for Replicate.
        # Its stand-in for replicate.delivery is on loopback too: trusted like the backend.
        service = Service(srv.url, data_dir=data / "app", backend="custom",
                          trusted_origins=[srv.delivery_url])
        ctx = make_context(service, browser_secret="browser-image-replay-secret")
        demo = build_app(ctx, tabs=["image"])
        _, url, _ = serve(demo, ctx, port=_free_port(), block=False)
        try:
            yield url.rstrip("/") + "/", srv
        finally:
            demo.close()


@pytest.fixture
def replay_page(browser: Any, replay_app: tuple[str, ReplayServer]) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.set_default_timeout(60_000)
    tab.goto(replay_app[0])
    tab.wait_for_selector("#tabs")
    yield tab
    context.close()


def test_image_from_a_recorded_sdxl_run(replay_page: Any,
                                        replay_app: tuple[str, ReplayServer]) -> None:
    page, srv = replay_page, replay_app[1]
    expect(page.locator("#image-offline-note")).to_have_count(0)  # not the local engine
    page.locator("#token-input input, #token-input textarea").first.fill(TOKEN)
    page.locator("#token-save").click()
    expect(page.locator("#token-status")).to_contain_text("your token")

    page.locator("#image-prompt textarea").fill("A studio photo of a rainbow colored corgi")
    page.get_by_role("button", name="Advanced").click()  # where the seed box lives
    expect(page.locator("#image-randomize input")).to_be_checked()
    page.locator("#image-run").click()
    status = page.locator("#image-status")
    expect(status).to_contain_text("Processing", timeout=60_000)  # the recorded tqdm progress
    expect(status).to_contain_text("Done", timeout=120_000)
    expect(status).to_contain_text("seed 42069")

    image = page.locator("#image-output img").first
    expect(image).to_be_visible()
    page.wait_for_function(
        "() => { const i = document.querySelector('#image-output img');"
        " return i && i.complete && i.naturalWidth > 0; }")
    assert image.evaluate("i => i.naturalWidth") == 1024
    # The whole picture is in view inside the gallery, not cropped by its fixed height.
    box = page.locator("#image-output").bounding_box()
    shown = page.locator("#image-output img").first.bounding_box()
    assert box and shown and shown["height"] > 200
    assert box["y"] <= shown["y"] and shown["y"] + shown["height"] <= box["y"] + box["height"]
    expect(page.locator("#image-seed input")).to_have_value("42069")
    page.locator("#image-details-box").get_by_text("Details").first.click()  # one click away
    details = page.locator("#image-details")
    expect(details).to_contain_text("stability-ai/sdxl")
    expect(details).to_contain_text("Predict time 5.52 s")
    expect(details).to_contain_text("Seed used 42069")

    assert srv.requests[0].headers.get("authorization") == f"Bearer {TOKEN}"
    assert srv.delivery_requests and all(
        "authorization" not in r.headers for r in srv.delivery_requests)
    assert TOKEN not in page.content() and "Traceback" not in page.content()
    page.locator("#image-output").scroll_into_view_if_needed()
    path: Path = screenshot(page, "image-replay")
    assert path.stat().st_size > 0
