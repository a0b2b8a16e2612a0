"""Server-sent events for `urls.stream`, in the exact format both official clients parse.

Every event has `event:` and `id:` lines; data is split into one `data:` line per text line, with
a single space after the colon (so a token " a" is sent as `data:  a`); comment keep-alives.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from .jobs import Job
from .outputs import render
from .runner import done_data

KEEPALIVE = ": keep-alive\n\n"


def format_event(name: str, event_id: int, data: str) -> str:
    lines = [f"event: {name}", f"id: {event_id}"]
    text = data.replace("\r\n", "\n").replace("\r", "\n")
    lines += [f"data: {line}" for line in text.split("\n")]
    return "\n".join(lines) + "\n\n"


def _data(name: str, data: Any, base_url: str) -> str:
    if name != "output":
        return str(data)
    value = render(data, base_url)
    return value if isinstance(value, str) else json.dumps(value)


def replay_events(rec: dict[str, Any], streams_pieces: bool) -> list[tuple[str, Any]]:
    """The events of a finished prediction, for a stream opened after it ended."""
    events: list[tuple[str, Any]] = []
    output = rec.get("output")
    if rec.get("status") == "succeeded" and output is not None:
        if streams_pieces and isinstance(output, list):
            events += [("output", piece) for piece in output]
        else:
            events.append(("output", output))
    for line in (rec.get("logs") or "").splitlines():
        events.append(("logs", line))
    if rec.get("error"):
        events.append(("error", json.dumps({"detail": rec["error"]})))
    events.append(("done", done_data(str(rec.get("status")))))
    return events


async def job_stream(job: Job, base_url: str, keepalive: float) -> AsyncIterator[str]:
    seen = 0
    while True:
        with job.lock:
            new = job.events[seen:]
        for name, data in new:
            seen += 1
            yield format_event(name, seen, _data(name, data, base_url))
            if name == "done":
                return
        if not new and not await job.changed(seen, keepalive):
            yield KEEPALIVE


async def replay_stream(events: list[tuple[str, Any]], base_url: str) -> AsyncIterator[str]:
    for i, (name, data) in enumerate(events, start=1):
        yield format_event(name, i, _data(name, data, base_url))
