"""Bearer/Token authentication when the engine has a token (stream and output URLs exempt:
they are unguessable, and the JS client sends no Authorization header to a stream)."""

from __future__ import annotations

import hmac

from starlette.types import ASGIApp, Receive, Scope, Send

from .problems import problem_response

EXEMPT_PREFIXES = ("/v1/streams/", "/v1/outputs/")


def token_matches(header: str, token: str) -> bool:
    scheme, _, given = header.partition(" ")
    if scheme.lower() not in ("bearer", "token"):
        return False
    return hmac.compare_digest(given.strip().encode(), token.encode())


class TokenAuth:
    def __init__(self, app: ASGIApp, token: str | None) -> None:
        self.app = app
        self.token = token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = [value for name, value in scope.get("headers", []) if name == b"authorization"]
        if len(given) > 1:  # which one counts is ambiguous between proxies: take neither
            detail = "send one Authorization header, not several"
            await problem_response(400, detail)(scope, receive, send)
            return
        if not self.token or scope["path"].startswith(EXEMPT_PREFIXES):
            await self.app(scope, receive, send)
            return
        header = given[0].decode("latin-1") if given else ""
        if not token_matches(header, self.token):
            detail = "You did not pass a valid authentication token"
            await problem_response(401, detail, "Unauthenticated")(scope, receive, send)
            return
        await self.app(scope, receive, send)
