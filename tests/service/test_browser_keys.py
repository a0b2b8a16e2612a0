"""The owner cookie and the sealed token: what opens what (no server needed)."""

from __future__ import annotations

import pytest

from playground.history import is_owner_id
from playground.service import BrowserKeys, is_sealed

TOKEN = "r8_keysTestToken0123456789abcdefXYZ"


@pytest.fixture
def keys() -> BrowserKeys:
    return BrowserKeys(b"keys-tests-server-secret-0123456789")


def test_a_cookie_names_one_browser_and_its_owner(keys: BrowserKeys) -> None:
    cookie = keys.new_cookie()
    browser = keys.browser(cookie)
    assert browser is not None and is_owner_id(browser.owner)
    assert keys.browser(cookie) == browser  # the same cookie, the same browser
    other = keys.browser(keys.new_cookie())
    assert other is not None and other.owner != browser.owner
    # the cookie is not the owner id: the history (and the disk) never holds the cookie
    assert browser.owner not in cookie and "token_key" not in repr(browser)


def _altered(cookie: str, at: int) -> str:
    flipped = "A" if cookie[at] != "A" else "B"
    return cookie[:at] + flipped + cookie[at + 1:]


def test_forged_altered_and_foreign_cookies_name_no_browser(keys: BrowserKeys) -> None:
    cookie = keys.new_cookie()
    part, mac = cookie.split(".")
    foreign = BrowserKeys(b"another-servers-secret-0123456789")
    refused = [
        None, "", "garbage", cookie + "x", part, f"{part}.", f".{mac}",
        _altered(cookie, 3),                       # the random part
        _altered(cookie, len(cookie) - 3),         # the signature
        f"{part}.{mac}=",                          # padding base64 would tolerate
        f"{part}.{mac[:-1]}",                      # a signature cut short
        foreign.new_cookie(),                      # made with another server's key
        "x" * 300,
    ]
    for value in refused:
        assert keys.browser(value) is None, value
    assert foreign.cookie_name != keys.cookie_name  # two servers on one host: two cookies


def test_a_sealed_token_opens_only_for_its_browser(keys: BrowserKeys) -> None:
    mine = keys.browser(keys.new_cookie())
    theirs = keys.browser(keys.new_cookie())
    assert mine is not None and theirs is not None
    sealed = mine.seal(TOKEN)
    assert is_sealed(sealed) and TOKEN not in sealed and not is_sealed(TOKEN)
    assert mine.seal(TOKEN) != sealed  # a fresh nonce each time
    assert mine.unseal(sealed) == TOKEN
    assert theirs.unseal(sealed) is None
    body = sealed.removeprefix("sealed-token:v1:")
    for bad in (sealed[:-2], "sealed-token:v1:" + body[:10], "sealed-token:v1:!!",
                "sealed-token:v1:" + ("A" if body[0] != "A" else "B") + body[1:], TOKEN):
        assert mine.unseal(bad) is None, bad
    # the server's disk alone (its key, the history's owner ids) does not open it either: the
    # key is the cookie's, and the same server key with another cookie makes another key
    again = BrowserKeys(b"keys-tests-server-secret-0123456789")
    assert again.browser(keys.new_cookie()).unseal(sealed) is None  # type: ignore[union-attr]


def test_a_short_key_is_refused() -> None:
    with pytest.raises(ValueError):
        BrowserKeys(b"short")
