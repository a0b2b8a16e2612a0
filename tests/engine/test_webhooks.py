"""Webhook deliveries: Standard Webhooks signatures, event filters, throttling, retries, and
the private-address check (these receivers listen on loopback: the engine here is started with
`allow_private_urls`, the one way to reach them)."""

from __future__ import annotations

import json
import logging
import threading
import time
from typing import Any

import httpx
import pytest
from standardwebhooks import Webhook
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from playground.engine.webhooks import sign

from .conftest import TOKEN, AppThread, wait_status


@pytest.fixture
def engine(make_engine: Any) -> Any:
    return make_engine(token=TOKEN, allow_private_urls=True)


class Receiver:
    """Records deliveries; fails the first `fail_first` of them with a 500."""

    def __init__(self, fail_first: int = 0) -> None:
        self.deliveries: list[tuple[dict[str, str], bytes]] = []
        self.received: list[float] = []  # monotonic receive time of each delivery
        self.fail_first = fail_first
        self.attempts = 0
        self.attempt_ids: list[str] = []
        self.done = threading.Event()

    def app(self) -> Starlette:
        async def hook(request: Request) -> Response:
            self.attempts += 1
            self.attempt_ids.append(request.headers["webhook-id"])
            if self.attempts <= self.fail_first:
                return Response(status_code=500)
            body = await request.body()
            self.deliveries.append((dict(request.headers), body))
            self.received.append(time.monotonic())
            if json.loads(body)["status"] in ("succeeded", "failed", "canceled"):
                self.done.set()
            return Response(status_code=204)

        return Starlette(routes=[Route("/hook", hook, methods=["POST"])])


def test_signature_test_vector() -> None:
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    got = sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, b'{"test": 2432232314}')
    assert got == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_deliveries_are_signed_and_filtered(client: httpx.Client) -> None:
    secret = client.get("/v1/webhooks/default/secret").json()["key"]
    receiver = Receiver()
    with AppThread(receiver.app()) as rx:
        pred = client.post("/v1/models/test/counter/predictions", json={
            "input": {"n": 6, "delay": 0.2}, "webhook": rx.url + "/hook",
            "webhook_events_filter": ["start", "output", "completed"]}).json()
        assert receiver.done.wait(60)
    verifier = Webhook(secret)
    bodies = []
    for headers, body in receiver.deliveries:
        verifier.verify(body, headers)  # raises on a bad signature or timestamp
        bodies.append(json.loads(body))
    assert bodies[0]["status"] == "starting" and bodies[0]["id"] == pred["id"]
    assert bodies[-1]["status"] == "succeeded" and len(bodies[-1]["output"]) == 7
    # output deliveries are throttled to one per 500 ms: fewer than the 7 pieces, and
    # consecutive ones arrive at least ~0.5 s apart (a behavioural bound, small tolerance)
    assert len(bodies) < 2 + 7
    progress = [t for t, b in zip(receiver.received, bodies, strict=True)
                if b["status"] == "processing"]
    assert len(progress) >= 2
    gaps = [b - a for a, b in zip(progress, progress[1:], strict=False)]
    assert min(gaps) >= 0.45, gaps
    ids = [h["webhook-id"] for h, _ in receiver.deliveries]
    assert len(set(ids)) == len(ids)


def test_logs_only_filter_gets_logs_while_output_streams(client: httpx.Client) -> None:
    # the counter logs a progress line and yields a piece each step: output and logs are
    # pending together, and a logs-only subscription must still get its deliveries
    receiver = Receiver()
    with AppThread(receiver.app()) as rx:
        pred = client.post("/v1/models/test/counter/predictions", json={
            "input": {"n": 8, "delay": 0.2}, "webhook": rx.url + "/hook",
            "webhook_events_filter": ["logs"]}).json()
        wait_status(client, pred["id"], ("succeeded",))
        time.sleep(0.8)  # a throttled delivery may still be due
    bodies = [json.loads(body) for _, body in receiver.deliveries]
    assert len(bodies) >= 2, bodies
    assert all(b["status"] == "processing" for b in bodies)  # start/completed not subscribed
    assert "/8" in bodies[-1]["logs"]


def test_output_only_filter_gets_output(client: httpx.Client) -> None:
    receiver = Receiver()
    with AppThread(receiver.app()) as rx:
        pred = client.post("/v1/models/test/counter/predictions", json={
            "input": {"n": 6, "delay": 0.2}, "webhook": rx.url + "/hook",
            "webhook_events_filter": ["output"]}).json()
        wait_status(client, pred["id"], ("succeeded",))
        time.sleep(0.8)
    bodies = [json.loads(body) for _, body in receiver.deliveries]
    assert len(bodies) >= 2, bodies
    assert all(b["status"] == "processing" for b in bodies)
    assert bodies[-1]["output"][0] == "start\nline two"


def test_completed_only_filter_and_retry_keeps_the_id(client: httpx.Client) -> None:
    secret = client.get("/v1/webhooks/default/secret").json()["key"]
    receiver = Receiver(fail_first=2)
    with AppThread(receiver.app()) as rx:
        client.post("/v1/models/test/echo/predictions", json={
            "input": {"prompt": "x"}, "webhook": rx.url + "/hook",
            "webhook_events_filter": ["completed"]})
        assert receiver.done.wait(60)
        time.sleep(0.2)
    assert receiver.attempts == 3 and len(receiver.deliveries) == 1
    assert len(set(receiver.attempt_ids)) == 1  # retries keep the webhook-id
    headers, body = receiver.deliveries[0]
    Webhook(secret).verify(body, headers)
    assert json.loads(body)["output"] == "x"


def test_bad_webhook_values_are_422(client: httpx.Client) -> None:
    r = client.post("/v1/models/test/echo/predictions",
                    json={"input": {"prompt": "x"}, "webhook": "ftp://example.com/h"})
    assert r.status_code == 422
    r = client.post("/v1/models/test/echo/predictions",
                    json={"input": {"prompt": "x"}, "webhook": "http://127.0.0.1:9/h",
                          "webhook_events_filter": ["sometimes"]})
    assert r.status_code == 422


def test_no_redirects_followed(client: httpx.Client) -> None:
    hits: list[str] = []

    async def redirect(request: Request) -> Response:
        hits.append("redirect")
        return Response(status_code=307, headers={"location": "/elsewhere"})

    async def elsewhere(request: Request) -> Response:
        hits.append("elsewhere")
        return Response(status_code=204)

    app = Starlette(routes=[Route("/hook", redirect, methods=["POST"]),
                            Route("/elsewhere", elsewhere, methods=["POST"])])
    with AppThread(app) as rx:
        pred = client.post("/v1/models/test/echo/predictions", json={
            "input": {"prompt": "x"}, "webhook": rx.url + "/hook",
            "webhook_events_filter": ["completed"]}).json()
        wait_status(client, pred["id"], ("succeeded",))
        end = time.monotonic() + 10
        while not hits and time.monotonic() < end:
            time.sleep(0.05)
        time.sleep(0.3)
    assert hits == ["redirect"]


def test_loopback_webhook_is_refused_by_default(make_engine: Any,
                                                caplog: pytest.LogCaptureFixture) -> None:
    engine = make_engine()  # the default: no private addresses
    receiver = Receiver()
    with AppThread(receiver.app()) as rx, httpx.Client(base_url=engine.url, timeout=30) as c, \
            caplog.at_level(logging.WARNING, logger="playground.engine"):
        for host in (rx.url, rx.url.replace("127.0.0.1", "localhost")):
            pred = c.post("/v1/models/test/echo/predictions", json={
                "input": {"prompt": "x"}, "webhook": host + "/hook"}).json()
            done = wait_status(c, pred["id"], ("succeeded", "failed"))
            assert done["status"] == "succeeded"  # the prediction runs all the same
        end = time.monotonic() + 5
        while caplog.text.count("refused") < 2 and time.monotonic() < end:
            time.sleep(0.05)
        time.sleep(0.3)
    assert receiver.attempts == 0
    refusals = [r for r in caplog.records if "webhook to" in r.getMessage()]
    assert len(refusals) == 2, caplog.text  # one line per prediction, not one per event
    assert "private or loopback" in refusals[0].getMessage()
    assert all(r.exc_info is None for r in caplog.records)
    assert "Traceback" not in caplog.text


def test_webhook_dns_rebinding_cannot_reach_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    """The webhook sender connects to the address it checked, as URL inputs do: a name that
    answers public first and loopback next never reaches the loopback receiver."""
    from playground.engine.webhooks import WebhookSender

    from .test_fetch import PUBLIC, _fake_dns, _no_internet

    receiver = Receiver()
    attempts: list[Any] = []
    with AppThread(receiver.app()) as rx:
        port = rx.url.rsplit(":", 1)[1]
        _fake_dns(monkeypatch, {"rebind.test": [[PUBLIC], ["127.0.0.1"]]})
        _no_internet(monkeypatch, attempts)
        sender = WebhookSender("whsec_" + "A" * 32)
        try:
            result = sender.deliver(f"http://rebind.test:{port}/hook", {"id": "x"})
        finally:
            sender.close()
    assert result is None  # refused, not retried further
    assert receiver.attempts == 0
    assert attempts == [PUBLIC]  # the one connection went to the checked public address
