"""Owner ids per page session (requests without the owner cookie), and putting a saved run
back into a tab's form."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from playground.history import is_owner_id
from playground.service import BrowserKeys
from playground.ui.kit.reopen import Reopen
from playground.ui.serving.owners import Owners

KEYS = BrowserKeys(b"owners-tests-key-0123456789")


def _request(session: str | None, cookie: str | None = None) -> SimpleNamespace:
    # the two things Owners reads of a gr.Request
    cookies = {KEYS.cookie_name: cookie} if cookie else {}
    return SimpleNamespace(session_hash=session, cookies=cookies)


def test_a_session_without_cookie_keeps_its_owner_and_shares_it_with_no_one() -> None:
    owners = Owners(KEYS)
    page = owners.of(_request("page-1"))  # type: ignore[arg-type]
    assert is_owner_id(page) and page == owners.of(_request("page-1"))  # type: ignore[arg-type]
    assert owners.of(_request("page-2")) != page  # type: ignore[arg-type]
    nobody = {owners.of(_request(None)) for _ in range(3)}  # type: ignore[arg-type]
    assert len(nobody) == 3  # no session: never shared
    owners.forget(_request("page-1"))  # type: ignore[arg-type]
    assert owners.of(_request("page-1")) != page  # type: ignore[arg-type]


def test_the_cookie_decides_the_owner_whatever_the_session() -> None:
    owners = Owners(KEYS)
    cookie = KEYS.new_cookie()
    browser = KEYS.browser(cookie)
    assert browser is not None
    mine = owners.of(_request("page-1", cookie))  # type: ignore[arg-type]
    assert mine == owners.of(_request("page-2", cookie)) == browser.owner  # type: ignore[arg-type]
    assert owners.of(_request("page-1")) != mine  # type: ignore[arg-type]


def test_the_oldest_sessions_are_forgotten_past_the_limit() -> None:
    owners = Owners(KEYS, limit=3)
    first = [owners.of(_request(f"s{i}")) for i in range(5)]  # type: ignore[arg-type]
    assert owners.of(_request("s4")) == first[4]  # type: ignore[arg-type]
    assert owners.of(_request("s0")) != first[0]  # type: ignore[arg-type]


def test_reopen_fills_the_named_fields_and_skips_secrets() -> None:
    prompt, seed, randomize, image = object(), object(), object(), object()
    reopen = Reopen()
    reopen.add("image", {"prompt": prompt})
    reopen.add("image", {"seed": seed}, extras={randomize: False})
    reopen.add("upscale", {"image": image})
    assert reopen.inputs() == [prompt, seed, randomize, image]
    filled = reopen.fill("image", {"prompt": "a fox", "seed": 7, "width": 512})
    assert filled == {prompt: "a fox", seed: 7, randomize: False}
    assert reopen.fill("upscale", {"image": Path("/x/y.png")}) == {image: "/x/y.png"}
    assert reopen.fill("image", {"prompt": {"$secret": "not stored"}}) == {randomize: False}
    assert reopen.fill("nowhere", {"prompt": "x"}) == {}
