"""Small building blocks for the inline Starlette apps of the client tests."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request

TOKEN = "r8_SECRETsecretSECRETsecret1234"  # a fake token the tests must never see leak


def prediction_json(request: Request, pid: str, status: str = "starting", *,
                    output: Any = None, error: str | None = None, logs: str = "",
                    stream_url: str | None = None) -> dict[str, Any]:
    """A prediction as the API returns it, with absolute URLs on the test server."""
    base = str(request.base_url).rstrip("/")
    urls = {"get": f"{base}/v1/predictions/{pid}", "cancel": f"{base}/v1/predictions/{pid}/cancel",
            "web": f"https://replicate.com/p/{pid}"}
    if stream_url:
        urls["stream"] = stream_url
    return {"id": pid, "model": "acme/model", "version": "v" * 64, "input": {}, "output": output,
            "error": error, "logs": logs, "status": status, "data_removed": False,
            "created_at": "2026-01-01T00:00:00Z", "urls": urls}


@dataclass
class Seen:
    """What the server received: per-route counts and every request's headers."""

    counts: Counter[str] = field(default_factory=Counter)
    headers: list[dict[str, str]] = field(default_factory=list)
    bodies: list[bytes] = field(default_factory=list)

    async def note(self, request: Request) -> None:
        self.counts[f"{request.method} {request.url.path}"] += 1
        self.headers.append(dict(request.headers))
        self.bodies.append(await request.body())
