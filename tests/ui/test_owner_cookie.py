"""Whose runs and whose token, through the real app: the HttpOnly owner cookie decides, the
page and its config hold no key that opens what a browser keeps, and a forged cookie opens
nothing (gradio_client and httpx against the app; the browser's side: tests/browser/
test_owner_browser.py)."""

from __future__ import annotations

from collections.abc import Iterator
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

import httpx
import pytest
from gradio_client import Client, handle_file

from playground.history import RunStore, Scope

from .conftest import RunningApp, free_port
from .helpers import call

pytestmark = pytest.mark.models

UI_SECRET = "ui-tests-browser-secret"  # what tests/ui/conftest.py gives its app
TOKEN = "r8_ownerCookieTestToken0123456789abcdef"


def _cookie_name() -> str:
    from playground.service import BrowserKeys

    return BrowserKeys(UI_SECRET.encode()).cookie_name


def _owner(cookie: str) -> str:
    from playground.service import BrowserKeys

    browser = BrowserKeys(UI_SECRET.encode()).browser(cookie)
    assert browser is not None, "the app's own cookie names a browser"
    return browser.owner


def _owners(data: Path) -> dict[str, str]:
    """prediction id -> owner, of every recorded run."""
    store = RunStore(data)
    try:
        runs = store.page(Scope.shared(), limit=500).runs
    finally:
        store.close()
    return {r.prediction_id: r.owner for r in runs if r.prediction_id}


def _owners_of_new_runs(data: Path, before: dict[str, str]) -> set[str]:
    return {owner for pid, owner in _owners(data).items() if pid not in before}


def _upscale(client: Client, image: Path) -> None:
    out = call(client, "/upscale", handle_file(image), 2, False, "real-esrgan-4x", "full")
    assert out.error is None, out.error


def _set_cookie(response: httpx.Response) -> dict[str, Any] | None:
    """The owner cookie the response sets, with its attributes; None when it sets none."""
    name = _cookie_name()
    for header in response.headers.get_list("set-cookie"):
        jar: SimpleCookie = SimpleCookie()
        jar.load(header)
        if name in jar:
            morsel = jar[name]
            return {"value": morsel.value, "httponly": bool(morsel["httponly"]),
                    "samesite": morsel["samesite"], "path": morsel["path"],
                    "secure": bool(morsel["secure"]), "max-age": morsel["max-age"]}
    return None


def _browser_states(config: dict[str, Any]) -> list[dict[str, Any]]:
    return [c.get("props", {}) for c in config.get("components", [])
            if c.get("type") == "browserstate"]


# --- (a) nothing served opens what a browser keeps -------------------------------------------

@pytest.fixture
def token_app(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A page with the token box (a Replicate-compatible server elsewhere: nothing here runs a
    model), on a real data dir: its key made on first use, as `playground` makes it."""
    from playground.service import Service
    from playground.ui.app import build_app, serve
    from playground.ui.context import make_context

    data = tmp_path / "app"
    (data / "private").mkdir(parents=True)
    # the secret an earlier release kept here, and handed to every page in its config
    (data / "private" / "ui-browser-secret").write_text("an-old-secret-every-page-had-0123")
    ctx = make_context(Service("http://127.0.0.1:9", data_dir=data, backend="custom"))
    demo = build_app(ctx, tabs=["upscale"])
    _, url, _ = serve(demo, ctx, port=free_port(), block=False)
    try:
        yield url.rstrip("/") + "/", data
    finally:
        demo.close()


def test_no_key_that_opens_saved_state_is_in_the_page_or_its_config(
        token_app: tuple[str, Path], app: RunningApp) -> None:
    url, data = token_app
    page, config = httpx.get(url, timeout=30), httpx.get(url + "config", timeout=30)
    served = page.text + config.text
    assert "an-old-secret-every-page-had" not in served
    assert not (data / "private" / "ui-browser-secret").exists()  # it protected nothing
    key = (data / "private" / "browser-keys").read_text().strip()
    assert key and key not in served
    states = _browser_states(config.json())
    assert states, "the token box keeps its sealed token in a BrowserState"
    # the owner id is no longer anything the page holds
    assert all(s.get("storage_key") != "replicate-playground-owner" for s in states)
    assert all(key not in str(s.get("secret")) for s in states)
    # the shared test app's key (tests/ui/conftest.py) is nowhere in its page either
    mine = httpx.get(app.url, timeout=30).text + httpx.get(app.url + "config", timeout=30).text
    assert UI_SECRET not in mine


def test_a_saved_token_is_sealed_for_its_browser_only(token_app: tuple[str, Path]) -> None:
    url, data = token_app
    mine = Client(url, verbose=False)  # it keeps the cookie the app gives it, as a browser does
    sealed, _, said = mine.predict(TOKEN, api_name="/save_token")
    assert isinstance(sealed, str) and TOKEN not in sealed and "your token" in said
    assert "your token" in mine.predict(sealed, api_name="/token_status")
    # another browser (another cookie) with this browser's saved value: no token
    other = Client(url, verbose=False)
    said = other.predict(sealed, api_name="/token_status")
    assert "your token" not in said and "can no longer be opened" in said
    # an API client still sends its own token as it is
    assert "your token" in other.predict(TOKEN, api_name="/token_status")
    on_disk = "".join(p.read_bytes().decode("latin-1") for p in data.rglob("*") if p.is_file())
    assert TOKEN not in on_disk


# --- (c) the cookie ----------------------------------------------------------------------------

def test_the_owner_cookie_is_httponly_and_a_forged_one_is_replaced(app: RunningApp) -> None:
    first = _set_cookie(httpx.get(app.url, timeout=30))
    assert first is not None, "the page sets the owner cookie"
    assert first["httponly"] and first["samesite"] == "Lax" and first["path"] == "/"
    assert not first["secure"]  # plain http on loopback; Secure when served over https
    assert int(first["max-age"]) > 30 * 24 * 3600
    # behind a TLS proxy on this computer (uvicorn trusts its X-Forwarded-Proto): Secure
    proxied = _set_cookie(httpx.get(app.url, headers={"X-Forwarded-Proto": "https"},
                                    timeout=30))
    assert proxied is not None and proxied["secure"]
    cookies = {_cookie_name(): first["value"]}
    # a browser with its cookie keeps it: not replaced, renewed by the page itself
    assert _set_cookie(httpx.get(app.url + "config", cookies=cookies, timeout=30)) is None
    renewed = _set_cookie(httpx.get(app.url, cookies=cookies, timeout=30))
    assert renewed is not None and renewed["value"] == first["value"]
    # an altered cookie is replaced by a new one of the server's own
    value = first["value"]
    forged = value[:5] + ("A" if value[5] != "A" else "B") + value[6:]
    replaced = _set_cookie(httpx.get(app.url, cookies={_cookie_name(): forged}, timeout=30))
    assert replaced is not None and replaced["value"] not in (forged, value)
    assert _owner(replaced["value"]) != _owner(value)


def test_the_cookie_decides_whose_runs_and_a_forged_one_is_no_one(
        app: RunningApp, media: dict[str, Path], tmp_path: Path) -> None:
    cookie = _set_cookie(httpx.get(app.url, timeout=30))
    assert cookie is not None
    name, value = _cookie_name(), cookie["value"]
    before = _owners(app.data_dir)
    mine = Client(app.url, verbose=False, httpx_kwargs={"cookies": {name: value}})
    _upscale(mine, media["small"])
    assert _owners_of_new_runs(app.data_dir, before) == {_owner(value)}

    before = _owners(app.data_dir)
    forged = value[:-4] + ("AAAA" if not value.endswith("AAAA") else "BBBB")
    stranger = Client(app.url, verbose=False, httpx_kwargs={"cookies": {name: forged}})
    _upscale(stranger, media["small"])
    found = _owners_of_new_runs(app.data_dir, before)
    assert len(found) == 1 and _owner(value) not in found  # an owner of its own, not mine


def test_a_comparison_is_the_same_browsers_as_its_other_runs(
        client: Client, app: RunningApp, media: dict[str, Path]) -> None:
    before = _owners(app.data_dir)
    _upscale(client, media["small"])
    out = call(client, "/compare", "image-to-image", "local/rembg", "local/real-esrgan", None,
               None, '{"model": "u2netp"}', '{"scale": 2}', "", "", "",
               handle_file(media["small"]), None, 1, "")
    assert out.error is None, out.error
    assert len(_owners_of_new_runs(app.data_dir, before)) == 1  # 3 runs, one owner


def test_a_login_keeps_the_owner_cookie(engine: Any, tmp_path: Path,
                                        media: dict[str, Path]) -> None:
    """With `--auth`, the login's own cookie and the owner cookie live side by side."""
    from playground.history import RunStore as Store
    from playground.service import RunHistory, Service
    from playground.ui.app import build_app, serve
    from playground.ui.context import make_context

    data = tmp_path / "app"
    store = Store(data)
    service = Service(engine.url, data_dir=data, history=RunHistory(store))
    ctx = make_context(service, browser_secret=UI_SECRET)
    demo = build_app(ctx, tabs=["upscale"])
    _, url, _ = serve(demo, ctx, port=free_port(), block=False, auth=("alice", "wonder land"))
    try:
        assert httpx.get(url.rstrip("/") + "/config", timeout=30).status_code == 401
        client = Client(url, auth=("alice", "wonder land"), verbose=False)
        value = client.cookies.get(_cookie_name())
        assert value, client.cookies.keys()
        _upscale(client, media["small"])
        assert set(_owners(data).values()) == {_owner(value)}
    finally:
        demo.close()
        store.close()
