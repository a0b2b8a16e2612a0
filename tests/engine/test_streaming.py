"""Server-sent events: the exact wire format both official clients parse."""

from __future__ import annotations

import json
from typing import Any

import httpx

from .conftest import wait_status


def parse_sse(text: str) -> tuple[list[dict[str, Any]], list[str]]:
    """Raw SSE text -> events (event, id, data lines) and comment lines."""
    events: list[dict[str, Any]] = []
    comments: list[str] = []
    for block in text.split("\n\n"):
        if not block.strip():
            continue
        ev: dict[str, Any] = {"data": []}
        for line in block.split("\n"):
            if line.startswith(":"):
                comments.append(line)
                continue
            name, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if name == "data":
                ev["data"].append(value)
            else:
                ev[name] = value
        if "event" in ev:
            events.append(ev)
    return events, comments


def read_stream(url: str, headers: dict[str, str] | None = None) -> str:
    with httpx.stream("GET", url, headers={"Accept": "text/event-stream", **(headers or {})},
                      timeout=60) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        return r.read().decode()


def test_live_stream_format(client: httpx.Client) -> None:
    pred = client.post("/v1/models/test/counter/predictions",
                       json={"input": {"n": 3, "delay": 0.05}}).json()
    raw = read_stream(pred["urls"]["stream"])  # no Authorization header: the URL is the secret
    events, _ = parse_sse(raw)
    assert all("id" in e and e["id"] for e in events)
    assert len({e["id"] for e in events}) == len(events)
    outputs = [e["data"] for e in events if e["event"] == "output"]
    assert outputs[0] == ["start", "line two"]  # multi-line text -> several data lines
    assert ["a"] != outputs[1] and outputs[1] == [" a"]
    assert "data:  a\n" in raw  # one space stripped by parsers, the token keeps its own
    assert [e["event"] for e in events][-1] == "done" and events[-1]["data"] == ["{}"]
    assert any(e["event"] == "logs" and "1/3" in e["data"][0] for e in events)
    assert {e["event"] for e in events} <= {"output", "logs", "error", "done"}
    final = wait_status(client, pred["id"], ("succeeded",))
    assert "".join(final["output"]) == "start\nline two a 1 2"


def test_stream_opened_after_completion_replays_everything(client: httpx.Client) -> None:
    pred = client.post("/v1/models/test/counter/predictions", json={"input": {"n": 2}},
                       headers={"Prefer": "wait"}).json()
    assert pred["status"] == "succeeded"
    # A model's own metrics (a language model's token counts) come with the engine's times.
    assert pred["metrics"]["output_token_count"] == 2
    assert pred["metrics"]["predict_time"] >= 0
    events, _ = parse_sse(read_stream(pred["urls"]["stream"]))
    assert ["\n".join(e["data"]) for e in events if e["event"] == "output"] == pred["output"]
    assert events[-1]["event"] == "done"


def test_keepalive_comments_while_waiting(make_engine: Any) -> None:
    engine = make_engine(keepalive=0.05)
    with httpx.Client(base_url=engine.url) as c:
        pred = c.post("/v1/models/test/counter/predictions",
                      json={"input": {"n": 2, "delay": 0.5}}).json()
        raw = read_stream(pred["urls"]["stream"])
    events, comments = parse_sse(raw)
    assert ": keep-alive" in comments
    assert events[-1]["event"] == "done"


def test_failed_and_canceled_streams_end_with_done(client: httpx.Client) -> None:
    pred = client.post("/v1/models/test/counter/predictions",
                       json={"input": {"n": 100, "delay": 0.1}}).json()
    wait_status(client, pred["id"], ("processing",))
    client.post(f"/v1/predictions/{pred['id']}/cancel")
    events, _ = parse_sse(read_stream(pred["urls"]["stream"]))
    assert events[-1]["event"] == "done"
    assert wait_status(client, pred["id"], ("canceled",))["status"] == "canceled"


def test_error_event_carries_json_detail(make_engine: Any) -> None:
    from .models import Counter

    class Breaks(Counter):
        name = "breaks"

        def predict(self, inputs: Any, ctx: Any) -> Any:
            yield "one"
            raise ValueError("broke mid-stream")

    engine = make_engine(models=[Breaks()])
    with httpx.Client(base_url=engine.url) as c:
        pred = c.post("/v1/models/test/breaks/predictions", json={"input": {}}).json()
        events, _ = parse_sse(read_stream(pred["urls"]["stream"]))
    errors = [e for e in events if e["event"] == "error"]
    assert json.loads(errors[0]["data"][0]) == {"detail": "broke mid-stream"}
    assert events[-1]["event"] == "done"
