"""`/v1/models`, versions, and the small account/hardware/collections/webhook endpoints."""

from __future__ import annotations

import datetime as dt

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .paging import offset_page
from .problems import not_found
from .responses import JSON
from .runner import ModelEntry
from .schema import COG_VERSION
from .state import Engine


def _engine(request: Request) -> Engine:
    return request.app.state.engine  # type: ignore[no-any-return]


def _version_created(engine: Engine, entry: ModelEntry) -> str:
    """When this engine first served the version; stable across restarts."""
    key = f"version_created:{entry.version_id}"
    created = engine.store.get_kv(key)
    if not created:
        created = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        engine.store.set_kv(key, created)
    return created


def version_json(engine: Engine, entry: ModelEntry) -> dict[str, object]:
    return {
        "id": entry.version_id,
        "created_at": _version_created(engine, entry),
        "cog_version": COG_VERSION,
        "openapi_schema": entry.schema,
    }


def model_json(engine: Engine, entry: ModelEntry, base: str) -> dict[str, object]:
    model = entry.model
    description = model.description
    reason = model.availability()
    if reason:
        description = f"{description} (unavailable: {reason})"
    return {
        "url": f"{base}/v1/models/{model.ref}",
        "owner": model.owner,
        "name": model.name,
        "description": description,
        "visibility": "public",
        "is_official": True,
        "run_count": engine.store.run_count(model.ref),
        "latest_version": version_json(engine, entry),
        "default_example": None,
        "cover_image_url": None,
        "github_url": None,
        "paper_url": None,
        "license_url": None,
        # Not in Replicate's schema (clients ignore it): how the playground's page names this
        # stand-in, so the page keeps no copy of the engine's models; and a language model's
        # context window in tokens (prompt and answer together).
        "playground": {"title": model.title or model.name, "caveat": model.caveat,
                       "stands_in_for": model.stands_in_for, "available": reason is None,
                       **({"context_tokens": model.context_tokens}
                          if model.context_tokens else {})},
    }


def _entry(request: Request) -> ModelEntry:
    ref = f"{request.path_params['owner']}/{request.path_params['name']}"
    entry = _engine(request).models.get(ref)
    if entry is None:
        raise not_found(f"model {ref}")
    return entry


async def list_models(request: Request) -> Response:
    engine = _engine(request)
    base = engine.base_url(request)
    items: list[object] = [model_json(engine, e, base) for e in engine.models.values()]
    return JSON(offset_page(request, base, items))


async def get_model(request: Request) -> Response:
    engine = _engine(request)
    return JSON(model_json(engine, _entry(request), engine.base_url(request)))


async def list_versions(request: Request) -> Response:
    engine = _engine(request)
    items: list[object] = [version_json(engine, _entry(request))]
    return JSON(offset_page(request, engine.base_url(request), items))


async def get_version(request: Request) -> Response:
    entry = _entry(request)
    if request.path_params["version"] != entry.version_id:
        raise not_found(f"version {request.path_params['version']}")
    return JSON(version_json(_engine(request), entry))


async def account(request: Request) -> Response:
    return JSON({"type": "user", "username": "local", "name": "Local engine"})


async def hardware(request: Request) -> Response:
    return JSON([{"name": "CPU", "sku": "cpu"}])


async def collections(request: Request) -> Response:
    return JSON({"previous": None, "next": None, "results": []})


async def collection(request: Request) -> Response:
    raise not_found("collection")


async def webhook_secret(request: Request) -> Response:
    return JSON({"key": _engine(request).webhooks.secret})


routes = [
    Route("/v1/models", list_models, methods=["GET"]),
    Route("/v1/models/{owner}/{name}", get_model, methods=["GET"]),
    Route("/v1/models/{owner}/{name}/versions", list_versions, methods=["GET"]),
    Route("/v1/models/{owner}/{name}/versions/{version}", get_version, methods=["GET"]),
    Route("/v1/account", account, methods=["GET"]),
    Route("/v1/hardware", hardware, methods=["GET"]),
    Route("/v1/collections", collections, methods=["GET"]),
    Route("/v1/collections/{slug}", collection, methods=["GET"]),
    Route("/v1/webhooks/default/secret", webhook_secret, methods=["GET"]),
]
