"""What a browser keeps, in a real browser: the token saved in the page is in localStorage only
sealed, the owner cookie is HttpOnly, and a browser given this one's localStorage without its
cookie (or with a forged cookie) sees no token and no history; with the cookie it sees both.
What earlier releases kept in localStorage is deleted."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from .conftest import _free_port, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.models]

TOKEN = "r8_ownerBrowserTestToken0123456789abcdef"
OLD_KEYS = ("replicate-playground-token", "replicate-playground-owner")


@pytest.fixture(scope="module")
def token_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A page with the token box whose runs really run: a Replicate-compatible server (the
    local engine, which takes any token) with presets that name its models as their own."""
    from playground.engine.models import registry
    from playground.engine.server import EngineThread
    from playground.history import RunStore
    from playground.presets import load_presets
    from playground.service import RunHistory, Service
    from playground.ui.app import build_app, serve
    from playground.ui.context import make_context

    data = tmp_path_factory.mktemp("owner-app")
    engine = EngineThread(registry(), data / "engine").start()
    presets = {
        pid: p.model_copy(update={
            "model": p.local_model, "defaults": p.inputs_for("local"),
            "chat": p.chat_for("local"), "max_image_side": p.image_side_for("local") or 0})
        for pid, p in load_presets().items() if p.local_model
    }
    store = RunStore(data / "app")
    service = Service(engine.url, data_dir=data / "app", presets=presets, backend="custom",
                      history=RunHistory(store))
    ctx = make_context(service)  # the data dir's own key, as `playground` runs
    demo = build_app(ctx, tabs=["upscale", "history"])
    _, url, _ = serve(demo, ctx, port=_free_port(), block=False)
    yield url.rstrip("/") + "/"
    demo.close()
    store.close()
    engine.stop()


def _open(browser: Any, url: str, state: dict[str, Any] | None = None) -> tuple[Any, Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, storage_state=state)
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(url)
    page.wait_for_selector("#tabs")
    return context, page


def _history_says(page: Any, text: str) -> None:
    page.get_by_role("tab", name="History").click()
    page.locator("#history-refresh").click()
    expect(page.locator("#history-summary")).to_contain_text(text, timeout=30_000)


def _token_line(page: Any) -> Any:
    return page.locator("#token-status")


def test_localstorage_without_the_cookie_opens_nothing(browser: Any, token_app: str,
                                                        files: dict[str, Path]) -> None:
    context, page = _open(browser, token_app)
    try:
        # the box is open: no token yet
        page.locator("#token-input input").fill(TOKEN)
        page.locator("#token-save").click()
        expect(_token_line(page)).to_contain_text("your token")
        page.get_by_role("tab", name="Upscale").click()
        page.locator("#upscale-image input[type=file]").set_input_files(str(files["small"]))
        expect(page.locator("#upscale-image img")).to_be_visible()
        page.locator("#upscale-run").click()
        expect(page.locator("#upscale-status")).to_contain_text("Done", timeout=120_000)
        _history_says(page, "of 1")
        state = context.storage_state()
        script_cookies = page.evaluate("() => document.cookie")
        assert TOKEN not in json.dumps(state["origins"]) and TOKEN not in page.content()
    finally:
        context.close()

    # The same localStorage in another browser, without the cookie: no token, no history.
    thief, page = _open(browser, token_app, {"cookies": [], "origins": state["origins"]})
    try:
        expect(_token_line(page)).to_contain_text("can no longer be opened")
        expect(_token_line(page)).not_to_contain_text("your token")
        _history_says(page, "No runs yet")
        screenshot(page, "owner-localstorage-without-cookie")
    finally:
        thief.close()

    # The owner cookie: HttpOnly (the page's scripts never read it), SameSite=Lax.
    cookies = [c for c in state["cookies"] if c["name"].startswith("playground-browser-")]
    assert len(cookies) == 1 and cookies[0]["httpOnly"] and cookies[0]["sameSite"] == "Lax"
    assert cookies[0]["name"] not in script_cookies
    assert "replicate-playground-sealed-token" in json.dumps(state["origins"])

    # A forged cookie (this browser's, altered) is refused and replaced: nothing either.
    forged = dict(cookies[0], value=cookies[0]["value"][:-4] + "AAAA")
    if forged["value"] == cookies[0]["value"]:
        forged["value"] = cookies[0]["value"][:-4] + "BBBB"
    faker, page = _open(browser, token_app, {"cookies": [forged], "origins": state["origins"]})
    try:
        expect(_token_line(page)).not_to_contain_text("your token")
        _history_says(page, "No runs yet")
        now = [c["value"] for c in faker.cookies() if c["name"] == forged["name"]]
        assert now and now[0] not in (forged["value"], cookies[0]["value"])
    finally:
        faker.close()

    # With its cookie, the same browser comes back to its token and its runs.
    back, page = _open(browser, token_app, state)
    try:
        expect(_token_line(page)).to_contain_text("your token")
        _history_says(page, "of 1")
        first = page.locator("#history-list tbody tr").first
        expect(first).to_contain_text("local/real-esrgan")
        first.click()  # its own run opens (every History handler scopes by the cookie)
        expect(page.locator("#history-detail-head")).to_contain_text("Upscale")
        expect(page.locator("#history-inputs")).to_contain_text('"scale"')
    finally:
        back.close()


def test_what_earlier_releases_kept_is_deleted(browser: Any, token_app: str) -> None:
    origin = token_app.rstrip("/")
    old = {"cookies": [], "origins": [{"origin": origin, "localStorage": [
        {"name": key, "value": "U2FsdGVkX1+an/old/encrypted/value="} for key in OLD_KEYS]}]}
    context, page = _open(browser, token_app, old)
    try:
        kept = page.evaluate("(keys) => keys.map((k) => localStorage.getItem(k))",
                             list(OLD_KEYS))
        assert kept == [None, None]
        expect(_token_line(page)).to_contain_text("No token yet")
    finally:
        context.close()
