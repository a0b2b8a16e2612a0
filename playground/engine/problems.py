"""Errors as `application/problem+json` ({title, detail, status}), the shape Replicate uses."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from .responses import JSON

TITLES = {
    400: "Bad request",
    401: "Unauthenticated",
    404: "Not found",
    405: "Method not allowed",
    413: "Request entity too large",
    422: "Input validation failed",
    429: "Too many requests",
    500: "Internal server error",
}


class Problem(Exception):
    """Raised by handlers; rendered as a problem+json response."""

    def __init__(self, status: int, detail: str, title: str | None = None, *,
                 headers: dict[str, str] | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.title = title or TITLES.get(status, "Error")
        self.headers = headers  # e.g. Retry-After on a 429
        self.extra = extra


def problem_response(
    status: int, detail: str, title: str | None = None, *,
    headers: dict[str, str] | None = None, **extra: Any
) -> JSON:
    body = {"title": title or TITLES.get(status, "Error"), "detail": detail, "status": status}
    body.update(extra)
    return JSON(body, status_code=status, media_type="application/problem+json",
                headers=headers)


async def handle_problem(request: Request, exc: Exception) -> JSON:
    assert isinstance(exc, Problem)
    return problem_response(exc.status, exc.detail, exc.title, headers=exc.headers,
                            **exc.extra)


async def handle_http_exception(request: Request, exc: Exception) -> JSON:
    status = getattr(exc, "status_code", 500)
    detail = getattr(exc, "detail", None) or TITLES.get(status, "Error")
    return problem_response(status, str(detail))


def not_found(what: str) -> Problem:
    return Problem(404, f"{what} not found")


MAX_INVALID_FIELDS = 50  # an input with 100,000 unknown keys gets a short answer


def invalid_input(fields: list[dict[str, str]]) -> Problem:
    shown = fields[:MAX_INVALID_FIELDS]
    detail = "; ".join(f["description"][:300] for f in shown) or "Invalid input"
    if len(fields) > len(shown):
        detail += f"; and {len(fields) - len(shown)} more"
    return Problem(422, detail, invalid_fields=shown)
