"""Operations of Replicate's API that the local engine does not implement.

Each answers 404 problem+json naming itself, rather than a 405 (which would say the path exists
but with other methods) or an HTML page: a client learns plainly that this engine lacks it. The
list mirrors Replicate's OpenAPI document (tests/fixtures/replicate-openapi.json); the tests
check that every operation there is either served or listed here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .problems import Problem

NOT_IMPLEMENTED: tuple[tuple[str, str], ...] = (
    ("GET", "/v1/deployments"),
    ("POST", "/v1/deployments"),
    ("GET", "/v1/deployments/{owner}/{name}"),
    ("PATCH", "/v1/deployments/{owner}/{name}"),
    ("DELETE", "/v1/deployments/{owner}/{name}"),
    ("POST", "/v1/models"),
    ("PATCH", "/v1/models/{owner}/{name}"),
    ("DELETE", "/v1/models/{owner}/{name}"),
    ("GET", "/v1/models/{owner}/{name}/examples"),
    ("GET", "/v1/models/{owner}/{name}/readme"),
    ("DELETE", "/v1/models/{owner}/{name}/versions/{version}"),
    ("POST", "/v1/models/{owner}/{name}/versions/{version}/trainings"),
    ("GET", "/v1/search"),
    ("GET", "/v1/trainings"),
    ("GET", "/v1/trainings/{id}"),
    ("POST", "/v1/trainings/{id}/cancel"),
)


def _handler(method: str, path: str) -> Callable[[Request], Awaitable[Response]]:
    async def not_implemented(request: Request) -> Response:
        raise Problem(404, f"{method} {path} is not implemented by the local engine")

    return not_implemented


routes = [Route(path, _handler(method, path), methods=[method]) for method, path in NOT_IMPLEMENTED]
