"""Demo mode in the real browser: what a visitor and the host see in a room.

A visitor's third upscale in the hour is refused in words in the status line (the engine got
two), the tabs not on show are not in the page, the banner says how the screen behaves; the
host (a browser on this computer) sees the Host tab with the room, the spend and the join
link's QR code; a kiosk forgets its browser when idle. At 1280 px and on a 390 px phone."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image
from playwright.sync_api import expect

from .conftest import _free_port, axe_report, axe_violations, close_app, open_page, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.models, pytest.mark.timeout(600)]
DONE = 120_000

ROOM = """
[limits]
runs_per_visitor_per_hour = 2
[show]
tabs = ["chat", "upscale", "background", "compare"]
models = ["local/*"]
[kiosk]
idle_reset_minutes = 0.25
banner = "Try it: these models run on this laptop; be kind, it is shared."
"""


def start(tmp: Path, toml: str) -> tuple[Any, str, Any]:
    from playground.cli import open_demo
    from playground.demo import parse
    from playground.engine.models import registry
    from playground.engine.server import EngineThread
    from playground.history import RunStore
    from playground.service import RunHistory, Service
    from playground.ui.app import TAB_IDS, build_app, serve
    from playground.ui.context import make_context

    engine = EngineThread(registry(), tmp / "engine").start()
    service = Service(engine.url, data_dir=tmp / "app", history=RunHistory(RunStore(tmp / "app")))
    port = _free_port()
    settings = open_demo(parse(toml, TAB_IDS, source="demo.toml"), service, host="127.0.0.1",
                         port=port)
    ctx = make_context(service, browser_secret="browser-demo-secret-0123", demo=settings)
    demo = build_app(ctx, tabs=list(settings.show.tabs))
    _, url, _ = serve(demo, ctx, port=port, block=False)
    return demo, url.rstrip("/") + "/", engine


@pytest.fixture(scope="module")
def room(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    demo, url, engine = start(tmp_path_factory.mktemp("demo-room"), ROOM)
    yield url, engine.url
    close_app(demo)
    engine.stop()


def pictures(folder: Path) -> list[Path]:
    out = []
    for shade in (30, 90, 150):
        path = folder / f"shade-{shade}.png"
        Image.new("RGB", (96, 96), (shade, 120, 200)).save(path)
        out.append(path)
    return out


def upscales(engine_url: str) -> int:
    found = httpx.get(f"{engine_url}/v1/predictions", timeout=10).json()["results"]
    return sum(p.get("model") == "local/real-esrgan" for p in found)


def test_a_visitor_s_third_upscale_is_refused_in_the_status_line(
        browser: Any, room: tuple[str, str], tmp_path: Path) -> None:
    url, engine_url = room
    for page in open_page(browser, url, viewport={"width": 1280, "height": 900}):
        tabs = page.locator("#tabs button[role=tab]")
        expect(tabs).to_have_count(5)  # chat, upscale, background, compare and Host
        for hidden in ("image", "transcribe", "faces", "models", "history"):
            assert page.locator(f"#{hidden}-tab").count() == 0
        expect(page.locator("#demo-banner")).to_contain_text("be kind, it is shared")
        expect(page.locator("#demo-banner")).to_contain_text("clears itself after 15 seconds")
        page.get_by_role("tab", name="Upscale").click()
        status = page.locator("#upscale-status")
        before = upscales(engine_url)
        for n, picture in enumerate(pictures(tmp_path)):
            page.locator("#upscale-image input[type=file]").set_input_files(str(picture))
            expect(page.locator("#upscale-image img").first).to_be_visible()
            page.locator("#upscale-run").click()
            if n < 2:
                expect(status).to_contain_text("Done", timeout=DONE)
            else:
                expect(status).to_contain_text("This demo allows 2 runs per visitor per hour",
                                               timeout=DONE)
        expect(status).to_contain_text("Try again in 60 minutes")
        assert upscales(engine_url) == before + 2  # the refused run was never sent
        screenshot(page, "demo-refused-1280")


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_the_host_sees_the_room_and_the_join_link(browser: Any, room: tuple[str, str],
                                                  size: str) -> None:
    url, _ = room
    options: dict[str, Any] = ({"viewport": {"width": 1280, "height": 900}} if size == "desktop"
                               else {"viewport": {"width": 390, "height": 844},
                                     "has_touch": True, "is_mobile": True})
    for page in open_page(browser, url, **options):
        page.get_by_role("tab", name="Host").click()
        stats = page.locator("#host-stats")
        expect(stats).to_contain_text("visitors now")
        expect(stats).to_contain_text("runs in the last hour")
        expect(stats).to_contain_text("Spend")
        expect(page.locator("#host-qr")).to_be_visible()
        expect(page.locator("#host-join-link")).to_contain_text(url.rstrip("/"))
        expect(page.locator("#host-join-note")).to_contain_text("--host 0.0.0.0")
        page.locator("#host-pause").click()
        expect(stats).to_contain_text("Paused")
        page.locator("#host-resume").click()
        expect(stats).to_contain_text("Running")
        screenshot(page, f"demo-host-{size}")
        found = axe_violations(page)
        assert not found, axe_report(found)


def test_a_kiosk_forgets_its_browser_when_idle(browser: Any, room: tuple[str, str]) -> None:
    url, _ = room
    for page in open_page(browser, url, viewport={"width": 1280, "height": 900}):
        cookies = {c["name"]: c["value"] for c in page.context.cookies()}
        page.evaluate("() => localStorage.setItem('replicate-playground-sealed-token', 'x')")
        # nothing touched for 15 s: the page asks for a new owner cookie and opens afresh
        page.wait_for_function(
            "() => localStorage.getItem('replicate-playground-sealed-token') === null",
            timeout=60_000)
        page.wait_for_selector("#tabs")
        fresh = {c["name"]: c["value"] for c in page.context.cookies()}
        changed = [name for name in cookies if fresh.get(name) != cookies[name]]
        assert changed, "the owner cookie was not replaced"


def test_only_the_host_sees_the_host_tab(browser: Any, tmp_path_factory: Any) -> None:
    demo, url, engine = start(tmp_path_factory.mktemp("demo-nohost"),
                              "[host]\non_this_computer = false\n[show]\ntabs = [\"chat\"]\n")
    try:
        for page in open_page(browser, url, viewport={"width": 1280, "height": 900}):
            expect(page.locator("#chat-input textarea")).to_be_visible()
            expect(page.get_by_role("tab", name="Host")).to_have_count(0)
        from gradio_client import Client

        said = Client(url, verbose=False).predict(api_name="/host_stats")
        assert said == "Only the host of this demo sees this."
        pause = Client(url, verbose=False).predict(api_name="/host_pause")
        assert pause == "Only the host of this demo sees this."
    finally:
        close_app(demo)
        engine.stop()
