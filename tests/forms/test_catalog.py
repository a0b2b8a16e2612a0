"""Finding a model: the local engine, the recorded Replicate API, and servers that refuse."""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from replay_server import ReplayServer, serve
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from playground.replicate import AsyncClient
from playground.service.catalog import (
    SEARCHES,
    ModelCard,
    ModelProblem,
    collection_models,
    collections,
    find_model,
    list_models,
    rank,
    read_ref,
    search_models,
)

SDXL_VERSION = "39ed52f2a78e934b3ba6e2a89f5b1c712de7dfea535525255b1aa35c5565e08b"


@pytest.fixture
async def engine_client(engine_url: str) -> AsyncIterator[AsyncClient]:
    async with AsyncClient(token="", base_url=engine_url) as client:
        yield client


@pytest.mark.parametrize(("text", "expected"), [
    ("stability-ai/sdxl", ("stability-ai/sdxl", None)),
    (f" stability-ai/sdxl:{SDXL_VERSION} ", ("stability-ai/sdxl", SDXL_VERSION)),
    ("https://replicate.com/openai/whisper", ("openai/whisper", None)),
    (f"replicate.com/stability-ai/sdxl/versions/{SDXL_VERSION}",
     ("stability-ai/sdxl", SDXL_VERSION)),
    ("https://replicate.com/black-forest-labs/flux-schnell?input=python",
     ("black-forest-labs/flux-schnell", None)),
])
def test_read_ref(text: str, expected: tuple[str, str | None]) -> None:
    assert read_ref(text) == expected


@pytest.mark.parametrize("text", ["", "sdxl", "a/b/c", "a/b:latest", "../etc/passwd",
                                  "a/b:" + "g" * 64, "x" * 500, "owner/na me"])
def test_read_ref_refuses_what_is_not_a_model(text: str) -> None:
    with pytest.raises(ModelProblem, match="is not a model name. A model is named by its owner"):
        read_ref(text)


async def test_a_local_model_from_the_engine(engine_client: AsyncClient) -> None:
    setup = await find_model(engine_client, "local/real-esrgan", where="the local engine")
    assert setup.card.ref == "local/real-esrgan" and setup.card.official
    assert "Real-ESRGAN" in setup.card.description
    assert setup.run_ref == "local/real-esrgan"  # official: runs without a version
    assert len(setup.version) == 64 and setup.card.latest_version == setup.version
    assert setup.form.names == ["image", "scale", "face_enhance"]
    assert setup.output.kind == "file"
    pinned = await find_model(engine_client, f"local/real-esrgan:{setup.version}")
    assert pinned.run_ref == f"local/real-esrgan:{setup.version}"


async def test_unknown_model_and_version_on_the_engine(engine_client: AsyncClient) -> None:
    with pytest.raises(ModelProblem) as info:
        await find_model(engine_client, "local/nope", where="the local engine")
    assert str(info.value).startswith("There is no model local/nope on the local engine")
    with pytest.raises(ModelProblem, match=r"local/rembg has no version 000000000000…"):
        await find_model(engine_client, "local/rembg:" + "0" * 64)


async def test_list_and_search_on_the_engine(engine_client: AsyncClient) -> None:
    cards = await list_models(engine_client)
    assert {c.ref for c in cards} >= {"local/rembg", "local/whisper-tiny-en"}
    assert all(c.cover_image_url is None for c in cards)  # the engine has no covers
    ways = list(SEARCHES)
    found = await search_models(engine_client, "whisper", listed=cards, ways=ways)
    assert [c.ref for c in found] == ["local/whisper-tiny-en"]
    assert ways == []  # GET /v1/search 404, QUERY /v1/models 405: both dropped quietly
    assert [c.ref for c in await search_models(engine_client, "background")] == ["local/rembg"]
    engine_collections = await collections(engine_client)
    assert isinstance(engine_collections, list)


async def test_sdxl_from_the_recorded_api() -> None:
    with ReplayServer(["models-get"]) as server:
        async with AsyncClient(token="r8_test", base_url=server.url) as client:
            setup = await find_model(client, "stability-ai/sdxl", where="Replicate")
            empty = None
            with pytest.raises(ModelProblem) as info:
                empty = await find_model(client, "mattt/empty", where="Replicate")
    assert empty is None
    assert str(info.value) == ("mattt/empty has no published version yet, so there is "
                               "nothing to run.")
    assert setup.run_ref == f"stability-ai/sdxl:{SDXL_VERSION}"  # not official: pinned
    assert setup.card.run_count == 19361490 and not setup.card.official
    assert setup.card.label().startswith("stability-ai/sdxl · 19.4M runs · A text-to-image")
    assert setup.form["scheduler"].default == "K_EULER"
    assert setup.output.kind == "files"


async def test_search_list_and_collections_from_the_recorded_api() -> None:
    with ReplayServer(["models-search", "models-list", "collections-list",
                       "collections-get"]) as server:
        async with AsyncClient(token="r8_test", base_url=server.url) as client:
            found = await search_models(client, "llama")
            listed = await list_models(client, pages=1)
            groups = await collections(client)
            members = await collection_models(client, "text-to-image")
        assert server.count("QUERY", "/v1/models") == 1
        assert server.count("GET", "/v1/search") == 1  # not recorded: 404, then QUERY
    assert found[0].ref == "meta/meta-llama-3-8b" and len(found) == 25
    assert found[0].latest_version == \
        "9a9e68fc8695f5847ce944a5cecf9967fd7c64d0fb8c8af1d5bdcc71f03c5e47"
    assert len(listed) == 25 and listed[0].ref == "catio-apps/controlnet-interior-design"
    assert groups[0].slug == "vision-models" and groups[0].name == "Vision models"
    assert members and all("/" in m.ref for m in members)
    with pytest.raises(ModelProblem):
        await collection_models(AsyncClient(token="", base_url=server.url), "../x")


def server_with(models: dict[str, Any], status: dict[str, int] | None = None) -> Starlette:
    """A small Replicate-compatible server: `models` by ref, or an error `status` by ref."""

    async def get_model(request: Request) -> JSONResponse:
        ref = f"{request.path_params['owner']}/{request.path_params['name']}"
        if status and ref in status:
            code = status[ref]
            return JSONResponse({"title": "Forbidden" if code == 403 else "Not found",
                                 "detail": "nope", "status": code}, status_code=code,
                                media_type="application/problem+json")
        return JSONResponse(models[ref])

    return Starlette(routes=[Route("/v1/models/{owner}/{name}", get_model)])


def model_json(ref: str, schema: Any) -> dict[str, Any]:
    owner, name = ref.split("/")
    version_id = hashlib.sha256(json.dumps(schema).encode()).hexdigest()
    return {"owner": owner, "name": name, "description": "test", "visibility": "public",
            "latest_version": {"id": version_id, "cog_version": "0.9", "created_at": None,
                               "openapi_schema": schema}}


async def test_private_missing_and_malformed() -> None:
    good_input = {"type": "object", "properties": {"x": {"type": "string"}}}
    models = {
        "a/no-schema": model_json("a/no-schema", {}),
        "a/no-input": model_json("a/no-input", {"components": {"schemas": {"Output": {}}}}),
        "a/bad-props": model_json("a/bad-props", {"components": {"schemas": {
            "Input": {"properties": "nope"}}}}),
        "a/fine": model_json("a/fine", {"components": {"schemas": {"Input": good_input}}}),
    }
    app = server_with(models, status={"a/secret": 403, "a/gone": 404})
    with serve(app) as url:
        async with AsyncClient(token="r8_test", base_url=url) as client:
            async def problem(ref: str) -> str:
                with pytest.raises(ModelProblem) as info:
                    await find_model(client, ref, where="this server")
                return str(info.value)

            assert await problem("a/secret") == \
                "a/secret is private: this token may not use it (403)."
            assert (await problem("a/gone")).startswith("There is no model a/gone on this "
                                                        "server, or it is private")
            assert await problem("a/no-schema") == \
                "a/no-schema: This version publishes no schema, so there is no form for it."
            assert await problem("a/no-input") == ("a/no-input: This version's schema has "
                                                   "no Input, so its inputs are unknown.")
            assert "malformed" in await problem("a/bad-props")
            fine = await find_model(client, "a/fine")
    assert fine.form.names == ["x"] and fine.output.kind == "json"


def test_rank_puts_names_first_then_the_most_run() -> None:
    cards = [ModelCard("x/image-upscaler", "sharper pictures", run_count=5),
             ModelCard("openai/whisper", "speech to text", run_count=100),
             ModelCard("y/whisper-large", "whisper, larger", run_count=1000),
             ModelCard("z/transcriber", "uses whisper inside", run_count=10**6)]
    assert [c.ref for c in rank(cards, "whisper")] == [
        "y/whisper-large", "openai/whisper", "z/transcriber"]
    assert rank(cards, "nothing like it") == []


SPEC = json.loads((Path(__file__).parents[1] / "fixtures" / "replicate-openapi.json").read_text())
SEARCH_EXAMPLE = SPEC["paths"]["/search"]["get"]["responses"]["200"]["content"][
    "application/json"]["example"]


async def test_search_endpoint_first_then_remembered() -> None:
    """Replicate's `GET /v1/search` (its answer as the API document's example gives it) is
    asked first; a server without it is asked once, then searched the next way."""
    asked: list[tuple[str, str]] = []

    async def search(request: Request) -> JSONResponse:
        asked.append((request.query_params["query"], request.query_params["limit"]))
        return JSONResponse(SEARCH_EXAMPLE)

    with serve(Starlette(routes=[Route("/v1/search", search)])) as url:
        async with AsyncClient(token="r8_test", base_url=url) as client:
            ways = list(SEARCHES)
            found = await search_models(client, "  nano   banana ", ways=ways)
    assert asked == [("nano banana", "50")] and ways == list(SEARCHES)
    card = found[0]
    assert card.ref == "google/nano-banana"
    assert card.description == "Google's latest image editing model in Gemini 2.5"
    assert card.cover_image_url and card.cover_image_url.startswith("https://")
    assert card.run_count == SEARCH_EXAMPLE["models"][0]["model"]["run_count"]

    listed = [ModelCard("a/banana-split", "desserts"), ModelCard("b/other", "nothing")]
    only_list = Starlette(routes=[Route("/v1/models", lambda r: JSONResponse(
        {"results": [], "next": None}))])
    with serve(only_list) as url:
        async with AsyncClient(token="r8_test", base_url=url) as client:
            ways = list(SEARCHES)
            found = await search_models(client, "banana", listed=listed, ways=ways)
            assert ways == []  # 404 and 405: both ways dropped, no error shown
            again = await search_models(client, "dessert", listed=listed, ways=ways)
    assert [c.ref for c in found] == ["a/banana-split"] == [c.ref for c in again]
