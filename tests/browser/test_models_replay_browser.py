"""The Models tab on Replicate's cloud path, in a real browser, against recorded API responses:
the model list, search as you type, collections, SDXL's form from its real schema, and a run."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect
from replay_server import ReplayServer

from .conftest import _free_port, screenshot

pytestmark = pytest.mark.browser

TOKEN = "r8_modelsReplayToken0123456789abcdefXYZ"
SDXL_VERSION = "39ed52f2a78e934b3ba6e2a89f5b1c712de7dfea535525255b1aa35c5565e08b"


@pytest.fixture(scope="module")
def cloud_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, ReplayServer]]:
    from playground.service import Service
    from playground.ui.app import build_app, serve
    from playground.ui.context import make_context

    data = tmp_path_factory.mktemp("browser-models-replay")
    cassettes = ["models-list", "models-search", "collections-list", "collections-get",
                 "models-get", "run", "file-prediction"]
    with ReplayServer(cassettes) as srv:
        service = Service(srv.url, data_dir=data / "app", backend="replicate",
                          trusted_origins=[srv.delivery_url])  # the CDN's stand-in, on loopback
        ctx = make_context(service, browser_secret="browser-models-replay-secret")
        demo = build_app(ctx, tabs=["models"])
        _, url, _ = serve(demo, ctx, port=_free_port(), block=False)
        try:
            yield url.rstrip("/") + "/", srv
        finally:
            demo.close()


def test_sdxl_from_the_recorded_api(browser: Any, cloud_app: tuple[str, ReplayServer]) -> None:
    url, srv = cloud_app
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(60_000)
    try:
        page.goto(url)
        page.locator("#token-input input, #token-input textarea").first.fill(TOKEN)
        page.locator("#token-save").click()
        expect(page.locator("#token-status")).to_contain_text("your token")
        # The token opens the list: covers (fetched by the app, served as its own files), run
        # counts and descriptions; a model without a cover shows none.
        rows = page.locator("#models-list tbody tr")
        expect(rows.first).to_contain_text("catio-apps/controlnet-interior-design")
        expect(rows.first).to_contain_text("runs")
        cover = rows.first.locator("img")
        expect(cover).to_be_visible(timeout=60_000)  # 23 recorded 1.6 MB PNGs to thumbnail
        src = cover.get_attribute("src") or ""
        assert "/gradio_api/file=" in src and src.endswith(".webp")  # the thumbnail
        assert "replicate.delivery" not in src and srv.delivery_url not in src
        # loaded, not broken (visible comes first: wait for the image to finish loading)
        cover.evaluate("img => img.complete || new Promise(done => img.onload = img.onerror"
                       " = done)")
        assert cover.evaluate("img => img.naturalWidth") > 0
        broken = page.locator("#models-list img").evaluate_all(
            "imgs => imgs.filter(i => i.complete && i.naturalWidth === 0).length")
        assert broken == 0
        screenshot(page, "models-cloud-list")
        # A click opens that model (this one is not recorded: the API's 404, said plainly).
        ref = rows.nth(1).locator("b").first.inner_text().strip()
        rows.nth(1).click()
        expect(page.locator("#models-ref input")).to_have_value(re.compile(
            "^" + re.escape(ref) + " · 359 runs"))  # the list's label for it
        expect(page.locator("#models-status")).to_contain_text(f"There is no model {ref}")
        assert srv.count("GET", f"/v1/models/{ref}") >= 1
        # Collections (cloud only) and search as you type (QUERY /v1/models).
        expect(page.locator("#models-collection")).to_be_visible()
        box = page.locator("#models-ref input")
        box.click()
        box.fill("")
        box.press_sequentially("llama", delay=60)
        expect(page.get_by_role("option", name="meta/meta-llama-3-8b").first).to_be_visible()
        assert srv.count("QUERY", "/v1/models") >= 1
        box.fill("stability-ai/sdxl")
        box.press("Enter")
        card = page.locator("#models-card")
        expect(card).to_contain_text("stability-ai/sdxl")
        expect(card).to_contain_text("19,361,490 runs")
        expect(card).not_to_contain_text("Official")
        expect(page.locator("#models-in-prompt textarea")).to_have_value(
            "An astronaut riding a rainbow unicorn")  # the schema's default
        expect(page.locator("#models-in-scheduler input")).to_have_value("K_EULER")
        page.locator("#models-in-prompt textarea").fill(
            "a studio photo of a rainbow colored corgi")
        page.locator("#models-run").click()
        status = page.locator("#models-status")
        expect(status).to_contain_text("Done", timeout=120_000)
        expect(page.locator("#models-out-gallery img").first).to_be_visible()  # a list: gallery
        sent = [r for r in srv.requests if r.method == "POST" and r.path == "/v1/predictions"]
        assert sent and b'"version": "' + SDXL_VERSION.encode() in sent[-1].body.replace(
            b'":"', b'": "')
        assert TOKEN.encode() in sent[-1].headers.get("authorization", "").encode()
        page.locator("#models-code-box").click()
        python = page.locator("#models-code-python").inner_text()
        assert f"stability-ai/sdxl:{SDXL_VERSION}" in python and TOKEN not in python
        assert "a studio photo of a rainbow colored corgi" in python
        screenshot(page, "models-cloud-sdxl")
    finally:
        context.close()
