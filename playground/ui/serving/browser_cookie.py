"""The owner cookie: every browser (and every API client that keeps cookies) gets one from the
server, HttpOnly so the page's scripts never read it. What it names, and why a forged one is
never used: `playground.service.browser_keys`.

An ASGI middleware, handed to Gradio's FastAPI app through `launch(app_kwargs=...)` (a public
parameter): a request without a valid cookie gets a new one on its response; the request
itself goes on without one (its handlers then use an owner of the page session's own, as for
an API client that keeps no cookies), and every later request of that browser carries it.
"""

from __future__ import annotations

from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from playground.service import Browser, BrowserKeys

# Chrome keeps a cookie 400 days at most; the page itself renews it, so a browser that comes
# back within that keeps its history.
MAX_AGE = 400 * 24 * 3600
KIOSK_RESET = "/playground/kiosk-reset"  # ui/demo/page.py's script posts here
KIOSK_HEADER = "x-playground-kiosk"


def browser_of(keys: BrowserKeys, request: Any) -> Browser | None:
    """The browser that sent `request` (a `gr.Request`), known by its cookie; None for a
    request without a valid one (an API client that keeps no cookies, a forged cookie)."""
    if request is None:
        return None
    try:
        cookies = request.cookies
    except AttributeError:  # a request Gradio made up for a load without any HTTP request
        return None
    return keys.browser(cookies.get(keys.cookie_name) if cookies is not None else None)


class BrowserCookie:
    """Sets the owner cookie on a response when the request had none (or a forged one), and
    renews it on the page itself."""

    def __init__(self, app: ASGIApp, keys: BrowserKeys, *, kiosk: bool = False) -> None:
        self.app = app
        self.keys = keys
        # A public screen (demo mode's [kiosk]) forgets its browser when idle: a POST with
        # the kiosk header (which no other site's page can send) gets a new cookie.
        self.kiosk = kiosk

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        connection = HTTPConnection(scope)
        if self.kiosk and scope["path"].endswith(KIOSK_RESET) and scope["method"] == "POST" \
                and connection.headers.get(KIOSK_HEADER) == "1":
            fresh = self.header(self.keys.new_cookie(), secure=scope.get("scheme") == "https")
            await send({"type": "http.response.start", "status": 204,
                        "headers": [(b"set-cookie", fresh.encode()),
                                    (b"cache-control", b"no-store")]})
            await send({"type": "http.response.body", "body": b""})
            return
        sent = connection.cookies.get(self.keys.cookie_name)
        valid = self.keys.browser(sent) is not None
        value = sent if valid and sent else self.keys.new_cookie()
        secure = scope.get("scheme") == "https"

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                page = headers.get("content-type", "").startswith("text/html")
                if not valid or page:  # a new cookie, or the page: its 400 days start again
                    headers.append("set-cookie", self.header(value, secure=secure))
            await send(message)

        await self.app(scope, receive, send_with_cookie)

    def header(self, value: str, *, secure: bool) -> str:
        # HttpOnly: no script reads it; SameSite=Lax: another site's page cannot use it in
        # the background; Secure when served over https.
        return (f"{self.keys.cookie_name}={value}; Max-Age={MAX_AGE}; Path=/; HttpOnly; "
                f"SameSite=Lax{'; Secure' if secure else ''}")
