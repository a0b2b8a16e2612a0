"""Cursor pages `{previous, next, results}` with absolute URLs (JS resolves relative ones wrong)."""

from __future__ import annotations

import base64
import re
from urllib.parse import urlencode

from starlette.requests import Request

from .problems import Problem

MAX_PAGE = 100
MAX_CURSOR = 2**62  # cursors hold SQLite row numbers (64-bit integers)
_NUMBER = re.compile(r"[0-9]{1,18}")  # ASCII digits only: str.isdigit() also takes "²"


def page_size(request: Request, default: int = MAX_PAGE) -> int:
    raw = request.query_params.get("page_size")
    if raw is None:
        return default
    if not _NUMBER.fullmatch(raw) or int(raw) < 1:
        raise Problem(400, "page_size must be a positive integer")
    return min(int(raw), MAX_PAGE)


def encode_cursor(kind: str, value: int) -> str:
    return base64.urlsafe_b64encode(f"{kind}:{value}".encode()).decode().rstrip("=")


def decode_cursor(request: Request) -> tuple[str, int] | None:
    raw = request.query_params.get("cursor")
    if not raw:
        return None
    try:
        kind, _, value = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode().partition(
            ":")
    except ValueError:
        kind, value = "", ""
    if kind not in ("o", "lt", "gt") or not _NUMBER.fullmatch(value) or int(value) > MAX_CURSOR:
        raise Problem(400, "invalid cursor")
    return kind, int(value)


def link(request: Request, base_url: str, kind: str, value: int) -> str:
    params = {"cursor": encode_cursor(kind, value)}
    if "page_size" in request.query_params:
        params["page_size"] = request.query_params["page_size"]
    return f"{base_url}{request.url.path}?{urlencode(params)}"


def offset_page(request: Request, base_url: str, items: list[object]) -> dict[str, object]:
    """A page over an in-memory list (models, versions, files)."""
    size = page_size(request)
    cursor = decode_cursor(request)
    start = cursor[1] if cursor else 0
    start = max(0, min(start, len(items)))
    results = items[start : start + size]
    nxt = link(request, base_url, "o", start + size) if start + size < len(items) else None
    prev = link(request, base_url, "o", max(0, start - size)) if start > 0 else None
    return {"previous": prev, "next": nxt, "results": results}
