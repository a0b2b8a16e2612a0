"""A real browser (Debian's chromium, never a downloaded one) on the app and the local engine."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def browser_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from playground.engine.models import registry
    from playground.engine.server import EngineThread
    from playground.history import RunStore
    from playground.service import RunHistory, Service
    from playground.ui.app import build_app, serve
    from playground.ui.context import make_context

    data = tmp_path_factory.mktemp("browser-data")
    engine = EngineThread(registry(), data / "engine").start()
    service = Service(engine.url, data_dir=data / "app",
                      history=RunHistory(RunStore(data / "app")))
    ctx = make_context(service, browser_secret="browser-tests-secret-0123")
    demo = build_app(ctx)
    _, url, _ = serve(demo, ctx, port=_free_port(), block=False)
    yield url.rstrip("/") + "/"
    close_app(demo)
    engine.stop()


def close_app(demo: Any) -> None:
    """`demo.close()` sets an asyncio.Event of the server's loop from this thread: a waiter
    that timed out at that moment raises InvalidStateError before the server is closed. The
    event is set by then, so a second close goes on to close the server."""
    try:
        demo.close()
    except asyncio.InvalidStateError:
        demo.close()


# Package scope: sync Playwright keeps an event loop running in the main thread until it stops,
# which would break every later test that calls asyncio.run.
@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):  # CI installs it: a skip there would hide a broken setup
            pytest.fail("Debian's chromium is not installed (scripts/setup.sh --test installs it)")
        pytest.skip("Debian's chromium is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any, browser_app: str) -> Iterator[Any]:
    yield from open_page(browser, browser_app, viewport={"width": 1280, "height": 900})


def open_page(browser: Any, url: str, **options: Any) -> Iterator[Any]:
    """A new browser context (`options`: viewport, touch...) on the app, once its tabs are
    there; closed after."""
    context = browser.new_context(**options)
    tab = context.new_page()
    tab.set_default_timeout(60_000)
    tab.goto(url)
    tab.wait_for_selector("#tabs")
    yield tab
    context.close()


@pytest.fixture(scope="session")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    from skimage import data as skdata

    folder = tmp_path_factory.mktemp("browser-media")
    astronaut = Image.fromarray(skdata.astronaut())
    out = {"portrait": folder / "astronaut.png", "small": folder / "astronaut-small.png",
           "speech": folder / "speech.wav", "text": folder / "notes.png",
           "wide": folder / "astronaut-wide.png", "tiny": folder / "tiny.png",
           "noface": folder / "gradient.png", "photo": folder / "astronaut-photo.png"}
    astronaut.resize((256, 256)).save(out["portrait"])
    astronaut.resize((128, 128)).save(out["small"])
    astronaut.resize((1200, 800)).save(out["wide"])  # larger than a quick preview's 512 px
    astronaut.resize((16, 16)).save(out["tiny"])
    astronaut.resize((640, 400)).save(out["photo"])  # upscaled whole offline in seconds
    Image.linear_gradient("L").resize((200, 160)).convert("RGB").save(out["noface"])
    out["text"].write_text("not a picture\n")
    subprocess.run(["espeak-ng", "-w", str(out["speech"]), "The capital of France is Paris."],
                   check=True, capture_output=True)
    return out


def screenshot(page: Any, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
# What the audit must never find; minor and moderate findings are reported, not failed on.
AXE_BLOCKING = ("serious", "critical")


def axe_violations(page: Any, impacts: tuple[str, ...] = AXE_BLOCKING) -> list[dict[str, Any]]:
    """axe-core's violations of `impacts` on the page as it is now (WCAG 2.x A and AA rules)."""
    if not AXE.exists():
        if os.environ.get("CI"):
            pytest.fail("axe-core is not installed (scripts/setup.sh --test installs it)")
        pytest.skip("axe-core is not installed (run scripts/setup.sh --test)")
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        """async () => {
          const r = await axe.run(document, {resultTypes: ['violations'], runOnly: {type: 'tag',
            values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']}});
          return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map(n => ({target: n.target.join(' '), html: n.html.slice(0, 200),
                                      summary: n.failureSummary}))}));
        }""")
    return [v for v in found if v["impact"] in impacts]


def axe_report(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        lines.append(f"{v['impact']} {v['id']} ({len(v['nodes'])}): {v['help']}")
        lines += [f"    {n['target']}  {n['html'][:120]}" for n in v["nodes"][:6]]
    return "\n".join(lines)
