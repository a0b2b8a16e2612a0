"""Error responses become typed, readable exceptions without the token in them."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from client_helpers import TOKEN
from replay_server import serve
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from playground.replicate import (
    APIError,
    AsyncClient,
    InvalidInput,
    NotFound,
    PayloadTooLarge,
    PaymentRequired,
    ReplicateError,
    ServerError,
    Unauthenticated,
)

PROBLEM = "application/problem+json"


def _app(status: int, body: dict | None = None, text: str | None = None) -> Starlette:
    async def endpoint(request: Request) -> Response:
        if text is not None:
            return PlainTextResponse(text, status_code=status)
        return JSONResponse(body, status_code=status, media_type=PROBLEM)

    return Starlette(routes=[Route("/v1/{rest:path}", endpoint, methods=["GET", "POST"])])


async def test_422_names_the_invalid_fields(make_client: Callable[..., AsyncClient]) -> None:
    body = {"title": "Input validation failed", "status": 422, "detail": "- input: prompt is "
            "required\n- input.steps: must be <= 50",
            "invalid_fields": [
                {"type": "required", "field": "input", "description": "prompt is required"},
                {"type": "less_equal", "field": "input.steps", "description": "must be <= 50"}]}
    with serve(_app(422, body)) as url:
        with pytest.raises(InvalidInput) as info:
            await make_client(url).predictions.create("acme/model", {"steps": 99})
    exc = info.value
    assert exc.status == 422 and exc.title == "Input validation failed"
    assert exc.fields == ["input", "input.steps"]
    assert "input.steps: must be <= 50" in str(exc) and "prompt is required" in str(exc)
    assert isinstance(exc, APIError) and isinstance(exc, ReplicateError)


async def test_401_message_has_no_token(make_client: Callable[..., AsyncClient]) -> None:
    body = {"title": "Unauthenticated", "status": 401,
            "detail": f"You did not pass a valid authentication token ({TOKEN})"}
    with serve(_app(401, body)) as url:
        client = make_client(url)
        with pytest.raises(Unauthenticated) as info:
            await client.account.get()
    text = str(info.value) + repr(info.value) + repr(client)
    assert "Unauthenticated" in text and "valid authentication token" in text
    assert TOKEN not in text and TOKEN[3:-4] not in text  # even an echoed token is scrubbed
    assert "r8_****1234" in str(info.value)


@pytest.mark.parametrize(
    ("status", "cls"),
    [(402, PaymentRequired), (404, NotFound), (413, PayloadTooLarge), (500, ServerError),
     (418, APIError)],
)
async def test_status_maps_to_its_exception(
    status: int, cls: type[APIError], make_client: Callable[..., AsyncClient]
) -> None:
    body = {"title": "Problem", "status": status, "detail": f"detail {status}"}
    with serve(_app(status, body)) as url:
        with pytest.raises(cls) as info:
            await make_client(url).models.get("acme/model")
    assert type(info.value) is cls
    assert info.value.status == status and info.value.detail == f"detail {status}"
    assert str(info.value).startswith(f"{status} Problem: detail {status}")
    assert "/v1/models/acme/model" in str(info.value)


async def test_non_json_error_body_becomes_the_detail(
    make_client: Callable[..., AsyncClient],
) -> None:
    with serve(_app(400, text="bad request, plainly")) as url:
        with pytest.raises(APIError) as info:
            await make_client(url).models.get("acme/model")
    assert info.value.status == 400 and info.value.detail == "bad request, plainly"


async def test_bad_refs_are_refused_before_sending(
    make_client: Callable[..., AsyncClient],
) -> None:
    client = make_client("http://127.0.0.1:9")
    for ref in ("acme", "acme/model:", "a/b/c", ""):
        with pytest.raises(ValueError, match="model reference"):
            await client.predictions.create(ref, {})
