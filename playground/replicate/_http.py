"""Sending one API request: auth, retries, and turning error responses into exceptions."""

from __future__ import annotations

import logging
import re
from typing import Any

import httpx

from . import errors
from ._redact import scrub
from ._retry import Retries, RetryKind, RetryNotice, announce, parse_retry_after

logger = logging.getLogger("playground.replicate")

DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)

# What a bearer token can hold (RFC 6750's b64token): printable ASCII, no spaces
_TOKEN_CHARS = re.compile(r"[A-Za-z0-9\-._~+/=]+")
_STATUS_ERRORS: dict[int, type[errors.APIError]] = {
    401: errors.Unauthenticated,
    402: errors.PaymentRequired,
    404: errors.NotFound,
    413: errors.PayloadTooLarge,
    422: errors.InvalidInput,
    429: errors.RateLimited,
}


def same_origin(a: httpx.URL, b: httpx.URL) -> bool:
    return (a.scheme, a.host, a.port) == (b.scheme, b.host, b.port)


class Requester:
    """Owns the httpx client; every resource sends through `request`."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        base_url: str,
        token: str | None,
        retries: Retries,
        per_call_tokens: bool = True,
    ) -> None:
        self.http = http
        self.base_url = httpx.URL(base_url)
        self._token = token
        self.retries = retries
        self.per_call_tokens = per_call_tokens

    def token_for(self, token: str | None) -> str | None:
        """The per-call token wins over the client's (unless this client takes none: a
        server that must never see anyone's token); an empty string counts as none."""
        chosen = token if token is not None and self.per_call_tokens else self._token
        return chosen or None

    def url(self, path_or_url: str) -> httpx.URL:
        if path_or_url.startswith(("http://", "https://")):
            return httpx.URL(path_or_url)
        return self.base_url.join(path_or_url)

    def auth_headers(self, url: httpx.URL, token: str | None) -> dict[str, str]:
        """Authorization only with a token, and only for our own host (never leak it)."""
        token = self.token_for(token)
        if token and same_origin(url, self.base_url):
            if not _TOKEN_CHARS.fullmatch(token):
                # a line break would split the header, a non-ASCII letter cannot be sent: no
                # server would take it, so say so instead of failing inside httpx
                raise errors.Unauthenticated(
                    401, "Invalid token", "The API token has characters no token has (spaces, "
                    "line breaks or non-ASCII letters).", url=str(url))
            return {"Authorization": f"Bearer {token}"}
        return {}

    async def request(
        self,
        method: str,
        path: str,
        *,
        retry: RetryKind = "idempotent",
        token: str | None = None,
        headers: dict[str, str] | None = None,
        timeout: httpx.Timeout | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        url = self.url(path)
        all_headers = {**(headers or {}), **self.auth_headers(url, token)}
        attempt = 0
        while True:
            try:
                response = await self.http.request(
                    method, url, headers=all_headers,
                    timeout=timeout if timeout is not None else httpx.USE_CLIENT_DEFAULT,
                    **kwargs,
                )
            except httpx.TransportError as exc:
                if attempt < self.retries.max_retries and self.retries.should_retry_error(
                    retry, exc
                ):
                    wait = self.retries.delay(attempt, None)
                    logger.info("%s %s failed (%s); retrying in %.2f s",
                                method, url, type(exc).__name__, wait)
                    announce(RetryNotice(method, None, wait, attempt + 1))
                    await self.retries.sleep(wait)
                    attempt += 1
                    continue
                raise errors.ConnectionFailed(str(url), describe(exc)) from exc
            logger.debug("%s %s -> %s", method, url, response.status_code)
            if response.status_code < 400:
                return response
            retry_after = parse_retry_after(response.headers.get("retry-after"))
            if (
                attempt < self.retries.max_retries
                and self.retries.should_retry_status(retry, response.status_code)
                and (retry_after is None or retry_after <= self.retries.max_wait)
            ):
                wait = self.retries.delay(attempt, retry_after)
                logger.info("%s %s -> %s; retrying in %.2f s",
                            method, url, response.status_code, wait)
                announce(RetryNotice(method, response.status_code, wait, attempt + 1))
                await self.retries.sleep(wait)
                attempt += 1
                continue
            raise error_from_response(response, token=self.token_for(token))


def describe(exc: httpx.TransportError) -> str:
    text = str(exc) or "no details"
    if isinstance(exc, httpx.ConnectError):
        return f"connection failed ({text})"
    if isinstance(exc, httpx.TimeoutException):
        return f"timed out ({type(exc).__name__})"
    return f"{type(exc).__name__}: {text}"


def error_from_response(response: httpx.Response, *, token: str | None = None) -> errors.APIError:
    """Build the typed error from a problem+json (or any) error response, token scrubbed."""
    status = response.status_code
    body: Any = None
    try:
        body = response.json()
    except ValueError:
        pass
    title = detail = None
    invalid_fields: list[dict[str, Any]] = []
    if isinstance(body, dict):
        title = _text(body.get("title"))
        detail = _text(body.get("detail"))
        fields = body.get("invalid_fields")
        if isinstance(fields, list):
            invalid_fields = [f for f in fields if isinstance(f, dict)]
    elif response.text.strip():
        detail = response.text.strip()[:500]
    title = scrub(title, token) if title else (response.reason_phrase or None)
    detail = scrub(detail, token) if detail else None
    request = response.request
    common: dict[str, Any] = {"method": request.method, "url": str(request.url), "body": body}
    cls = _STATUS_ERRORS.get(status) or (errors.ServerError if status >= 500 else errors.APIError)
    if cls is errors.InvalidInput:
        return errors.InvalidInput(status, title, detail, invalid_fields=invalid_fields, **common)
    if cls is errors.RateLimited:
        retry_after = parse_retry_after(response.headers.get("retry-after"))
        return errors.RateLimited(status, title, detail, retry_after=retry_after, **common)
    return cls(status, title, detail, **common)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)
