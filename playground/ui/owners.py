"""Whose runs: each browser's anonymous owner id, kept in its `gr.BrowserState` like the token.

On page load the browser's id (or a new one, stored back into the browser) is remembered for
that page's session, so every handler can say whose run it is from its `gr.Request` alone,
without one more input on every event. An id that is not well formed is replaced, never used.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

import gradio as gr

from playground.service import is_owner_id, new_owner_id

OWNER_STORAGE_KEY = "replicate-playground-owner"
MAX_SESSIONS = 20_000  # pages remembered at once; the oldest are forgotten first


class Owners:
    """session hash -> owner id, for the pages open now."""

    def __init__(self, limit: int = MAX_SESSIONS) -> None:
        self._ids: OrderedDict[str, str] = OrderedDict()
        self._lock = threading.Lock()
        self._limit = limit

    def remember(self, session: str, owner: str) -> None:
        with self._lock:
            self._ids[session] = owner
            self._ids.move_to_end(session)
            while len(self._ids) > self._limit:
                self._ids.popitem(last=False)

    def of(self, request: gr.Request | None) -> str:
        """The owner of the page that sent `request`; a page that never loaded (an API client)
        gets an id of its own for its session, which no browser holds."""
        session = (request.session_hash if request is not None else None) or ""
        with self._lock:
            found = self._ids.get(session)
        if found is None:
            found = new_owner_id()
            if session:
                self.remember(session, found)
        return found

    def forget(self, request: gr.Request | None) -> None:
        session = request.session_hash if request is not None else None
        with self._lock:
            self._ids.pop(session or "", None)


def owner_state(secret: str) -> gr.BrowserState:
    return gr.BrowserState(None, storage_key=OWNER_STORAGE_KEY, secret=secret)


def wire(demo: gr.Blocks, state: gr.BrowserState, owners: Owners) -> None:
    """On load: the browser's id (a new one the first time) for this page; on unload: forget."""

    def loaded(value: Any, request: gr.Request) -> str:
        owner = value if is_owner_id(value) else new_owner_id()
        if request is not None and request.session_hash:
            owners.remember(request.session_hash, owner)
        return owner

    def closed(request: gr.Request) -> None:
        owners.forget(request)

    demo.load(loaded, inputs=[state], outputs=[state], api_visibility="private",
              show_progress="hidden")
    demo.unload(closed)
