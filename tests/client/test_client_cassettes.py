"""The client against recorded exchanges with api.replicate.com, replayed over loopback."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from replay_server import Exchange, ReplayServer, cassette_names, load_cassette

from playground.replicate import AsyncClient, Unauthenticated, types

API_HOST = "api.replicate.com"
CASSETTES = [name for name in cassette_names() if load_cassette(name)]


def test_every_cassette_but_the_empty_one_is_used() -> None:
    assert "models-list__pagination" not in CASSETTES
    assert len(CASSETTES) == len(cassette_names()) - 1


async def _call(client: AsyncClient, ex: Exchange) -> Any:
    """Send the request this exchange recorded, through the matching client method."""
    parts = ex.path.strip("/").split("/")[1:]  # drop "v1"
    body = json.loads(ex.request_body) if ex.request_body.startswith(b"{") else None
    m = ex.method
    match (m, parts):
        case ("GET", ["hardware"]):
            return await client.hardware.list()
        case ("GET", ["collections"]):
            return await client.collections.list()
        case ("GET", ["collections", slug]):
            return await client.collections.get(slug)
        case ("GET", ["models"]):
            return await client.models.list()
        case ("QUERY", ["models"]):
            return await client.models.search(ex.request_body.decode())
        case ("POST", ["models"]):
            assert body is not None
            return await client.models.create(**body)
        case ("GET", ["models", owner, name]):
            return await client.models.get(f"{owner}/{name}")
        case ("GET", ["models", owner, name, "versions", version]):
            return await client.models.versions.get(f"{owner}/{name}", version)
        case ("POST", ["models", owner, name, "predictions"]):
            assert body is not None
            return await client.predictions.create(f"{owner}/{name}", body["input"])
        case ("POST", ["predictions"]):
            assert body is not None
            return await client.predictions.create(body["version"], body["input"])
        case ("GET", ["predictions", pid]):
            return await client.predictions.get(pid)
        case ("POST", ["predictions", pid, "cancel"]):
            return await client.predictions.cancel(pid)
        case ("POST", ["files"]):
            return await client.files.create(b"", filename="test.txt")
        case ("GET", ["files"]):
            return await client.files.list()
        case ("GET", ["files", fid]):
            return await client.files.get(fid)
        case ("DELETE", ["files", fid]):
            return await client.files.delete(fid)
    raise AssertionError(f"no client method for {m} {ex.path}")


@pytest.mark.parametrize("cassette", CASSETTES)
async def test_client_parses_every_recorded_response(
    cassette: str, make_client: Callable[..., AsyncClient]
) -> None:
    exchanges = [ex for ex in load_cassette(cassette) if ex.host == API_HOST]
    if not exchanges:
        pytest.skip("no api.replicate.com exchanges (a file download)")
    with ReplayServer([cassette]) as srv:
        client = make_client(srv.url)
        for ex in exchanges:
            if ex.status == 401:
                with pytest.raises(Unauthenticated) as info:
                    await _call(client, ex)
                assert "authentication token" in str(info.value)
                continue
            result = await _call(client, ex)
            recorded = json.loads(ex.body) if ex.body else None
            if isinstance(recorded, dict) and "id" in recorded:
                assert result.id == recorded["id"]
            elif isinstance(recorded, dict) and "results" in recorded:
                assert isinstance(result, types.Page)
                assert len(result.results) == len(recorded["results"])
            elif isinstance(recorded, list):
                assert len(result) == len(recorded)
            elif recorded is None:
                assert result is None
            else:
                assert result is not None
        # Every request reached the server, in order, with the method and path recorded.
        assert [(r.method, r.path) for r in srv.requests] == [(e.method, e.path)
                                                              for e in exchanges]


async def test_create_sends_the_version_id_for_each_ref_form(
    make_client: Callable[..., AsyncClient],
) -> None:
    version = "39ed52f2a78e934b3ba6e2a89f5b1c712de7dfea535525255b1aa35c5565e08b"
    with ReplayServer(["predictions-create", "models-predictions-create"]) as srv:
        client = make_client(srv.url)
        by_id = await client.predictions.create(version, {"prompt": "a"})
        by_ref = await client.predictions.create(f"stability-ai/sdxl:{version}", {"prompt": "b"})
        official = await client.predictions.create("meta/llama-2-70b-chat", {"prompt": "c"})
    assert by_id.id == "vgcm4plb7tgzlyznry5d5jkgvu" and by_ref.id == "vme6tftbgoggoxnjiwkzr6zrpa"
    assert official.urls is not None and official.urls.get
    posts = [r for r in srv.requests if r.method == "POST"]
    assert [r.path for r in posts] == ["/v1/predictions", "/v1/predictions",
                                       "/v1/models/meta/llama-2-70b-chat/predictions"]
    assert [json.loads(r.body).get("version") for r in posts] == [version, version, None]
    assert json.loads(posts[2].body) == {"input": {"prompt": "c"}}


async def test_list_follows_the_absolute_next_url(make_client: Callable[..., AsyncClient]) -> None:
    with ReplayServer(["models-list"]) as srv:
        client = make_client(srv.url)
        first = await client.models.list()
        assert first.next is not None and first.next.startswith(srv.url + "/v1/models?cursor=")
        await client.models.list(cursor=first.next)
    assert srv.requests[1].query == first.next.split("?", 1)[1]
    # The next URL is on our own host, so the token went along.
    assert srv.requests[1].headers["authorization"].startswith("Bearer r8_")


async def test_version_has_its_openapi_schema(make_client: Callable[..., AsyncClient]) -> None:
    with ReplayServer(["predictions-stream"]) as srv:
        client = make_client(srv.url)
        model = await client.models.get("meta/llama-2-70b-chat")
        assert model.latest_version is not None
        version = await client.models.versions.get(model.ref, model.latest_version.id)
    assert version.openapi_schema is not None
    assert "Input" in version.openapi_schema["components"]["schemas"]
