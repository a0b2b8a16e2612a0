"""Whose runs, and whose token: each request's browser, known by its HttpOnly owner cookie
(`browser_cookie`), never by a value the page could read or send.

A request without a valid cookie (an API client that keeps no cookies, a browser that refuses
them) gets an owner of its own for its page session, which nothing else holds: its runs are
its own, and no one else's are its.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

import gradio as gr

from playground.service import BrowserKeys, is_sealed, new_owner_id
from playground.ui.gradio_compat import label_in_config
from playground.ui.serving.browser_cookie import browser_of

MAX_SESSIONS = 20_000  # cookieless page sessions remembered at once; the oldest forgotten first


class Owners:
    """The owner of each request: its browser's (from the cookie), else its session's."""

    def __init__(self, keys: BrowserKeys, limit: int = MAX_SESSIONS) -> None:
        self.keys = keys
        self._ids: OrderedDict[str, str] = OrderedDict()
        self._lock = threading.Lock()
        self._limit = limit

    def of(self, request: gr.Request | None) -> str:
        """The owner of the browser that sent `request`; without a valid cookie, an id of the
        page session's own, which no browser holds."""
        browser = browser_of(self.keys, request)
        if browser is not None:
            return browser.owner
        session = (request.session_hash if request is not None else None) or ""
        with self._lock:
            found = self._ids.get(session)
            if found is None:
                found = new_owner_id()
                if session:
                    self._ids[session] = found
                    while len(self._ids) > self._limit:
                        self._ids.popitem(last=False)
            else:
                self._ids.move_to_end(session)
        return found

    def forget(self, request: gr.Request | None) -> None:
        session = request.session_hash if request is not None else None
        with self._lock:
            self._ids.pop(session or "", None)

    def token(self, value: Any, request: gr.Request | None) -> str | None:
        """The API token an event carries (None: use the server's own). From the page it is
        sealed for its browser and opens only with that browser's cookie; an API client sends
        its own token as it is."""
        if not isinstance(value, str) or not value.strip():
            return None
        if not is_sealed(value):
            return value.strip()
        browser = browser_of(self.keys, request)
        return browser.unseal(value) if browser is not None else None

    def seal(self, token: str, request: gr.Request | None) -> str | None:
        """`token` as this browser may keep it; None when the request has no cookie to bind
        it to (a browser that refuses cookies)."""
        browser = browser_of(self.keys, request)
        return browser.seal(token) if browser is not None else None


def address_of(request: gr.Request | None) -> str:
    """The client's address as the server saw it (never a header a client may write)."""
    if request is None:
        return ""
    try:
        client = request.client
    except AttributeError:  # a request Gradio made up for a load without an HTTP request
        return ""
    return str(client.host or "")[:64] if client is not None else ""


def wire(demo: gr.Blocks, owners: Owners) -> None:
    """A closed page's session owner is forgotten (cookieless pages only keep one)."""

    def closed(request: gr.Request) -> None:
        owners.forget(request)

    demo.unload(closed)


# A new key: what earlier releases kept under theirs ("replicate-playground-token" and
# "-owner") was encrypted with a key every page was given, so page.js deletes it.
TOKEN_STORAGE_KEY = "replicate-playground-sealed-token"
# BrowserState always encrypts in the browser, with a key it puts in the page's config: that
# layer hides nothing (anyone can read the config), so its key is this public constant. What it
# wraps is already sealed by the server (`Owners.seal`).
STATE_KEY = "public-not-a-secret:the-token-is-sealed-by-the-server"


def token_state() -> gr.BrowserState:
    """The browser's saved token (sealed), labelled so the API documents it as "API token"
    (every event's `token` parameter is optional: none means the server's own token; an API
    client sends its own token as it is).

    BrowserState takes no label (ui/gradio_compat.py adds one to this instance's config)."""
    state = gr.BrowserState(None, storage_key=TOKEN_STORAGE_KEY, secret=STATE_KEY, render=False)
    label_in_config(state, "API token")
    return state
