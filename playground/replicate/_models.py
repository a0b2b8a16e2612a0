"""client.models and client.models.versions."""

from __future__ import annotations

from typing import Any

from ._http import Requester
from ._refs import parse_model
from ._resource import Resource, page_path
from .types import Model, Page, Version


class Versions(Resource):
    async def list(self, ref: str, cursor: str | None = None, *,
                   token: str | None = None) -> Page[Version]:
        owner, name = parse_model(ref)
        path = page_path(f"/v1/models/{owner}/{name}/versions", cursor)
        return await self._get(Page[Version], path, token=token)

    async def get(self, ref: str, id: str, *, token: str | None = None) -> Version:
        """One version, with its `openapi_schema` (the model's input and output)."""
        owner, name = parse_model(ref)
        return await self._get(Version, f"/v1/models/{owner}/{name}/versions/{id}", token=token)


class Models(Resource):
    def __init__(self, requester: Requester) -> None:
        super().__init__(requester)
        self.versions = Versions(requester)

    async def get(self, ref: str, *, token: str | None = None) -> Model:
        owner, name = parse_model(ref)
        return await self._get(Model, f"/v1/models/{owner}/{name}", token=token)

    async def list(self, cursor: str | None = None, *, token: str | None = None) -> Page[Model]:
        return await self._get(Page[Model], page_path("/v1/models", cursor), token=token)

    async def search(self, query: str, *, token: str | None = None) -> Page[Model]:
        """Search public models (the API's `QUERY /v1/models` with a plain-text body)."""
        response = await self._requester.request(
            "QUERY", "/v1/models", token=token, content=query.encode(),
            headers={"Content-Type": "text/plain"},
        )
        return Page[Model].model_validate(response.json())

    async def create(self, owner: str, name: str, *, visibility: str, hardware: str,
                     token: str | None = None, **fields: Any) -> Model:
        """Create a model (description, github_url, paper_url, ... go in `fields`)."""
        body = {"owner": owner, "name": name, "visibility": visibility, "hardware": hardware,
                **fields}
        response = await self._requester.request(
            "POST", "/v1/models", retry="create", token=token, json=body)
        return Model.model_validate(response.json())
