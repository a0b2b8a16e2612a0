"""Small read-only resources: account, hardware, collections, the webhook signing secret."""

from __future__ import annotations

from ._http import Requester
from ._resource import Resource, page_path
from .types import Account, Collection, Hardware, Page, WebhookSecret


class AccountResource(Resource):
    async def get(self, *, token: str | None = None) -> Account:
        """Who the token belongs to (a cheap way to check a token)."""
        return await self._get(Account, "/v1/account", token=token)


class HardwareResource(Resource):
    async def list(self, *, token: str | None = None) -> list[Hardware]:
        response = await self._requester.request("GET", "/v1/hardware", token=token)
        return [Hardware.model_validate(item) for item in response.json()]  # a bare array


class Collections(Resource):
    async def list(self, cursor: str | None = None, *,
                   token: str | None = None) -> Page[Collection]:
        return await self._get(Page[Collection], page_path("/v1/collections", cursor),
                               token=token)

    async def get(self, slug: str, *, token: str | None = None) -> Collection:
        return await self._get(Collection, f"/v1/collections/{slug}", token=token)


class DefaultWebhook(Resource):
    async def secret(self, *, token: str | None = None) -> WebhookSecret:
        """The `whsec_...` key that signs this account's webhook deliveries."""
        return await self._get(WebhookSecret, "/v1/webhooks/default/secret", token=token)


class WebhooksResource:
    def __init__(self, requester: Requester) -> None:
        self.default = DefaultWebhook(requester)
