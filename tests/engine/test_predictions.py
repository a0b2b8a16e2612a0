"""Predictions over real HTTP: create (every ref form), get, list, wait, cancel, deadlines."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from playground.engine.routes_predictions import parse_cancel_after, parse_wait

from .conftest import wait_status

FIELDS = ("id", "model", "version", "input", "output", "error", "logs", "status",
          "data_removed", "created_at", "started_at", "completed_at", "metrics", "source", "urls")


def version_of(client: httpx.Client, ref: str) -> str:
    return str(client.get(f"/v1/models/{ref}").json()["latest_version"]["id"])


def test_create_on_every_ref_form(client: httpx.Client) -> None:
    version = version_of(client, "test/echo")
    refs = [version, f"test/echo:{version}", "test/echo"]
    for i, ref in enumerate(refs):
        r = client.post("/v1/predictions", json={"version": ref, "input": {"prompt": "Hi"},
                                                 "stream": True, "webhook_completed": None},
                        headers={"Prefer": "wait"})
        assert r.status_code == 201, r.text
        pred = r.json()
        assert pred["status"] == "succeeded" and pred["output"] == "hi"
        assert pred["version"] == version and pred["model"] == "test/echo"
        # load() ran once, on first use, and logged into that prediction
        assert ("loading echo weights" in pred["logs"]) == (i == 0)
    r = client.post("/v1/models/test/echo/predictions",
                    json={"input": {"prompt": "Yo", "repeat": 2, "case": "upper"}},
                    headers={"Prefer": "wait=10"})
    pred = r.json()
    assert pred["output"] == "YO YO"
    for field in FIELDS:
        assert field in pred
    assert pred["source"] == "api" and pred["data_removed"] is False
    assert set(pred["metrics"]) == {"predict_time", "total_time"}
    assert all(isinstance(v, str) and v.startswith("http://") for v in pred["urls"].values())
    assert "stream" not in pred["urls"]
    assert pred["logs"] == "echoing 'Yo'\n"
    assert client.get(pred["urls"]["get"]).json()["output"] == "YO YO"


def test_model_loads_once(engine: Any, client: httpx.Client) -> None:
    for _ in range(3):
        client.post("/v1/models/test/echo/predictions", json={"input": {"prompt": "x"}},
                    headers={"Prefer": "wait"})
    echo = engine.app.state.engine.models["test/echo"].model
    assert echo.loads == 1


def test_unknown_refs_are_404(client: httpx.Client) -> None:
    cases = [
        client.post("/v1/predictions", json={"version": "f" * 64, "input": {}}),
        client.post("/v1/predictions", json={"version": "nobody/nothing", "input": {}}),
        client.post("/v1/predictions", json={"version": "test/echo:" + "0" * 64, "input": {}}),
        client.post("/v1/models/nobody/nothing/predictions", json={"input": {}}),
        client.get("/v1/predictions/doesnotexist"),
        client.post("/v1/predictions/doesnotexist/cancel"),
        client.get("/v1/predictions/..%2F..%2Fetc"),
    ]
    for r in cases:
        assert r.status_code == 404, r.text
        assert r.headers["content-type"] == "application/problem+json"
        assert set(r.json()) >= {"title", "detail", "status"}


def test_validation_errors_are_422_with_invalid_fields(client: httpx.Client) -> None:
    bad: list[tuple[dict[str, Any], str, str]] = [
        ({}, "required", "input"),
        ({"prompt": "x", "nope": 1}, "additional_property_not_allowed", "input"),
        ({"prompt": 3}, "invalid_type", "input.prompt"),
        ({"prompt": "x", "repeat": "2"}, "invalid_type", "input.repeat"),
        ({"prompt": "x", "repeat": 1.5}, "invalid_type", "input.repeat"),
        ({"prompt": "x", "repeat": 9}, "number_lte", "input.repeat"),
        ({"prompt": "x", "repeat": 0}, "number_gte", "input.repeat"),
        ({"prompt": "x", "temperature": -0.1}, "number_gte", "input.temperature"),
        ({"prompt": "x", "case": "title"}, "enum", "input.case"),
        ({"prompt": "x", "repeat": True}, "invalid_type", "input.repeat"),
    ]
    for given, kind, field in bad:
        r = client.post("/v1/models/test/echo/predictions", json={"input": given})
        assert r.status_code == 422, (given, r.text)
        assert r.headers["content-type"] == "application/problem+json"
        fields = r.json()["invalid_fields"]
        assert {"type": kind, "field": field} in [
            {"type": f["type"], "field": f["field"]} for f in fields], (given, fields)
    r = client.post("/v1/models/test/echo/predictions", json={"input": {}})
    assert r.json()["invalid_fields"][0]["description"] == "prompt is required"
    # a file input must be a URL or data URI
    r = client.post("/v1/models/test/invert/predictions", json={"input": {"image": "/etc/passwd"}})
    assert r.status_code == 422
    # optional fields may be null; integers accept 0 as a real bound
    r = client.post("/v1/models/test/echo/predictions",
                    json={"input": {"prompt": "x", "seed": None, "temperature": 0}},
                    headers={"Prefer": "wait"})
    assert r.status_code == 201 and r.json()["status"] == "succeeded"
    # JSON Schema counts 2.0 as an integer
    r = client.post("/v1/models/test/echo/predictions",
                    json={"input": {"prompt": "x", "repeat": 2.0}}, headers={"Prefer": "wait"})
    assert r.json()["output"] == "x x" and r.json()["input"]["repeat"] == 2
    assert client.post("/v1/predictions", content=b"{not json").status_code == 400


def test_prefer_wait_timeout_answers_starting(client: httpx.Client) -> None:
    began = time.monotonic()
    r = client.post("/v1/models/test/slow/predictions", json={"input": {"seconds": 30}},
                    headers={"Prefer": "wait=1"})
    took = time.monotonic() - began
    assert r.status_code == 201
    pred = r.json()
    assert pred["status"] == "starting"
    # answered within N s (the engine keeps 0.4 s in hand): clients time out at N + 0.5 s
    assert 0.5 <= took < 1.5, took
    assert client.get(pred["urls"]["get"]).json()["status"] == "processing"
    client.post(pred["urls"]["cancel"])


def test_cancel_stops_a_running_model_and_a_queued_one(client: httpx.Client) -> None:
    running = client.post("/v1/models/test/slow/predictions",
                          json={"input": {"seconds": 120}}).json()
    queued = client.post("/v1/models/test/slow/predictions",
                         json={"input": {"seconds": 120}}).json()
    assert wait_status(client, running["id"], ("processing",))["status"] == "processing"
    q = client.post(f"/v1/predictions/{queued['id']}/cancel").json()
    assert q["status"] == "canceled" and "started_at" not in q  # Replicate omits it
    client.post(f"/v1/predictions/{running['id']}/cancel")
    done = wait_status(client, running["id"], ("canceled", "succeeded", "failed"))
    assert done["status"] == "canceled" and done["output"] is None
    assert done["completed_at"] and "predict_time" in done["metrics"]
    # canceling a finished prediction changes nothing
    again = client.post(f"/v1/predictions/{running['id']}/cancel")
    assert again.status_code == 200 and again.json()["status"] == "canceled"


def test_cancel_after_sets_a_deadline(client: httpx.Client) -> None:
    r = client.post("/v1/models/test/slow/predictions", json={"input": {"seconds": 120}},
                    headers={"Cancel-After": "5s"})
    pred = r.json()
    assert pred["deadline"] > pred["created_at"]
    done = wait_status(client, pred["id"], ("canceled", "succeeded", "failed"), timeout=60)
    assert done["status"] == "canceled"
    bad = client.post("/v1/models/test/slow/predictions", json={"input": {}},
                      headers={"Cancel-After": "soon"})
    assert bad.status_code == 400


def test_parse_headers() -> None:
    assert parse_cancel_after("30s") == 30
    assert parse_cancel_after("5m") == 300
    assert parse_cancel_after("1h30m") == 5400
    assert parse_cancel_after("90") == 90
    assert parse_cancel_after("1s") == 5  # the minimum
    assert parse_cancel_after(None) is None
    assert parse_wait("wait") == 60
    assert parse_wait("wait=5") == 5
    assert parse_wait("respond-async, wait=500") == 60
    assert parse_wait(None) is None


def test_a_raising_model_fails_and_the_server_lives(client: httpx.Client) -> None:
    pred = client.post("/v1/models/test/boom/predictions", json={"input": {}},
                       headers={"Prefer": "wait"}).json()
    assert pred["status"] == "failed"
    assert pred["error"] == "kaboom: the model exploded"
    assert "RuntimeError" in pred["logs"]
    pred = client.post("/v1/models/test/boom/predictions", json={"input": {"unavailable": True}},
                       headers={"Prefer": "wait"}).json()
    assert pred["status"] == "failed" and "playground models pull boom" in pred["error"]
    ok = client.post("/v1/models/test/echo/predictions", json={"input": {"prompt": "still"}},
                     headers={"Prefer": "wait"}).json()
    assert ok["status"] == "succeeded"


def test_unavailable_model_fails_fast_with_the_fix(client: httpx.Client) -> None:
    model = client.get("/v1/models/test/off").json()
    assert "playground models pull off" in model["description"]
    pred = client.post("/v1/models/test/off/predictions", json={"input": {}}).json()
    assert pred["status"] == "failed"
    assert "playground models pull off" in pred["error"]


def test_list_pages_newest_first_with_absolute_links(client: httpx.Client) -> None:
    ids = [client.post("/v1/models/test/echo/predictions",
                       json={"input": {"prompt": str(i)}}).json()["id"] for i in range(5)]
    page = client.get("/v1/predictions", params={"page_size": 2}).json()
    assert [p["id"] for p in page["results"]] == ids[::-1][:2]
    assert page["previous"] is None and page["next"].startswith("http://")
    seen = [p["id"] for p in page["results"]]
    while page["next"]:
        page = client.get(page["next"]).json()
        seen += [p["id"] for p in page["results"]]
    assert seen == ids[::-1]
    back = client.get(page["previous"]).json()
    assert [p["id"] for p in back["results"]] == ids[::-1][2:4]


@pytest.mark.parametrize("path", ["/v1/account", "/v1/hardware", "/v1/collections",
                                  "/v1/webhooks/default/secret"])
def test_small_endpoints(client: httpx.Client, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 200
    body = r.json()
    if path == "/v1/account":
        assert body == {"type": "user", "username": "local", "name": "Local engine"}
    if path == "/v1/hardware":
        assert body == [{"name": "CPU", "sku": "cpu"}]
    if path.endswith("secret"):
        assert body["key"].startswith("whsec_")
