"""AsyncClient: configuration, the resource namespaces, run() and stream()."""

from __future__ import annotations

import os
from types import TracebackType
from typing import Any, Unpack

import httpx

from .. import __version__
from ._account import AccountResource, Collections, HardwareResource, WebhooksResource
from ._deployments import Deployments
from ._files import Files
from ._http import DEFAULT_TIMEOUT, Requester
from ._models import Models
from ._predictions import Predictions, RunOptions
from ._redact import redact
from ._retry import Retries
from ._stream import PredictionStream
from .types import SearchResults

DEFAULT_BASE_URL = "https://api.replicate.com"


def _base_url(value: str) -> str:
    """Host only; tolerate a trailing slash or `/v1` (the JS client's convention)."""
    value = value.strip().rstrip("/")
    if value.endswith("/v1"):
        value = value[: -len("/v1")]
    return value


class AsyncClient:
    """An async client for the Replicate HTTP API (or a compatible server).

    `token` and `base_url` default, once, to REPLICATE_API_TOKEN and REPLICATE_BASE_URL.
    Every resource method also takes `token=` to use another token for that call; with
    `per_call_tokens=False` those are ignored (a server that must not see a Replicate token,
    e.g. the embedded engine beside Replicate, gets only the client's own, if any).
    """

    def __init__(
        self,
        token: str | None = None,
        base_url: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float | httpx.Timeout | None = None,
        *,
        retries: Retries | None = None,
        per_call_tokens: bool = True,
    ) -> None:
        if token is None:
            token = os.environ.get("REPLICATE_API_TOKEN") or None
        self.base_url = _base_url(
            base_url or os.environ.get("REPLICATE_BASE_URL") or DEFAULT_BASE_URL)
        if timeout is None:
            timeout = DEFAULT_TIMEOUT
        elif not isinstance(timeout, httpx.Timeout):
            timeout = httpx.Timeout(timeout)
        self._token = token or None
        self._http = httpx.AsyncClient(
            base_url=self.base_url,
            transport=transport,
            timeout=timeout,
            follow_redirects=False,  # a redirect must never carry our token elsewhere
            headers={"User-Agent": f"replicate-playground/{__version__}"},
        )
        self._requester = Requester(self._http, self.base_url, self._token, retries or Retries(),
                                    per_call_tokens)
        self.predictions = Predictions(self._requester)
        self.deployments = Deployments(self._requester)
        self.models = Models(self._requester)
        self.files = Files(self._requester)
        self.account = AccountResource(self._requester)
        self.hardware = HardwareResource(self._requester)
        self.collections = Collections(self._requester)
        self.webhooks = WebhooksResource(self._requester)

    def __repr__(self) -> str:
        return f"AsyncClient(base_url={self.base_url!r}, token={redact(self._token)!r})"

    @property
    def has_token(self) -> bool:
        return self._token is not None

    async def run(self, ref: str, input: dict[str, Any] | None = None,
                  **options: Unpack[RunOptions]) -> Any:
        """Run a model to the end and return its output.

        Creates with `Prefer: wait`, then polls until terminal; raises PredictionFailed,
        PredictionCanceled, or PredictionTimedOut (after canceling) when `timeout` passes.
        """
        return (await self.predictions.run(ref, input, **options)).output

    async def search(self, query: str, *, limit: int = 20,
                     token: str | None = None) -> SearchResults:
        """Public models and collections matching a text query (`GET /v1/search`, Replicate's
        cloud; in beta there). `limit` caps the models at 1-50."""
        response = await self._requester.request(
            "GET", "/v1/search", token=token,
            params={"query": query, "limit": max(1, min(50, limit))})
        return SearchResults.model_validate(response.json())

    def stream(
        self,
        ref: str,
        input: dict[str, Any] | None = None,
        *,
        timeout: float | None = None,
        token: str | None = None,
        **create_kwargs: Any,
    ) -> PredictionStream:
        """Iterate a prediction's events (`output`, `logs`, `done`); `error` raises.

        Nothing is sent until iteration starts. `timeout` bounds the polling fallback.
        """
        return PredictionStream(self._requester, self.predictions, ref, input, timeout=timeout,
                                token=token, create_kwargs=create_kwargs)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        await self.aclose()
