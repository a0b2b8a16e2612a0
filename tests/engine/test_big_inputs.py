"""Big inputs: a large body read without holding copies of it (however it is sent), a bound on
how many are read at once, and kept input files that expire with their prediction and stay
under a disk cap. Small bounds are set on each engine, so the tests move kilobytes."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

from .conftest import wait_status
from .models import Echo, Weigh

WEIGH = "/v1/models/test/weigh/predictions"
KiB = 1024


def _uri(data: bytes, mime: str = "application/octet-stream") -> str:
    return f"data:{mime};base64," + base64.b64encode(data).decode()


def _weight(data: bytes) -> str:
    return f"{len(data)} {hashlib.sha256(data).hexdigest()[:16]}"


def _kept_files(data_dir: Path) -> list[Path]:
    return sorted((data_dir / "outputs").glob("*/input-*"))


def test_a_big_body_arrives_whole_however_it_is_sent(make_engine: Any, tmp_path: Path) -> None:
    data_dir = tmp_path / "engine"
    engine = make_engine(data_dir, models=[Weigh()])
    blob = os.urandom(1536 * KiB)  # a body past 1 MiB: read by the spooling reader
    body = json.dumps({"input": {"file": _uri(blob)}})

    def chunked() -> Iterator[bytes]:  # no Content-Length: large only once it arrives
        raw = body.replace("/", "\\/").encode()  # and escaped as PHP's json_encode does
        for i in range(0, len(raw), 7919):
            yield raw[i:i + 7919]

    with httpx.Client(base_url=engine.url, timeout=60) as c:
        for content in (body.encode(), chunked()):
            r = c.post(WEIGH, content=content, headers={"Prefer": "wait",
                                                        "Content-Type": "application/json"})
            assert r.status_code == 201, r.text
            pred = r.json()
            assert pred["output"] == _weight(blob), pred["error"]
            assert c.get(pred["input"]["file"]).content == blob
        # a long data URI that is not a file input means what it said
        echo = make_engine(tmp_path / "echo", models=[Echo()])
        prompt = "data:text/plain;base64," + "QUFB" * (300 * KiB)
        r = httpx.post(echo.url + "/v1/models/test/echo/predictions",
                       json={"input": {"prompt": prompt}}, headers={"Prefer": "wait"})
        assert r.json()["output"] == prompt.lower()
    assert not list((data_dir / "spool").iterdir())  # nothing left behind


def _hold(url: str, path: str) -> socket.socket:
    """A request that declares a large body and waits: the engine has started reading it
    once it answers `100 Continue` (it asks for the body only after taking a slot)."""
    host, port = url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)))
    sock.sendall(f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
                 f"Content-Length: {2 * 1024 * KiB}\r\nExpect: 100-continue\r\n\r\n".encode())
    answer = b""
    while b"\r\n\r\n" not in answer and (part := sock.recv(100)):
        answer += part
    assert answer.startswith(b"HTTP/1.1 100 Continue"), answer
    return sock


def test_large_bodies_past_the_bound_are_told_to_come_back(make_engine: Any) -> None:
    engine = make_engine(models=[Weigh()], max_large_bodies=2)
    big = json.dumps({"input": {"file": _uri(os.urandom(1100 * KiB))}}).encode()
    held = [_hold(engine.url, WEIGH) for _ in range(2)]
    with contextlib.ExitStack() as stack, httpx.Client(base_url=engine.url, timeout=60) as c:
        for sock in held:
            stack.callback(sock.close)
        r = c.post(WEIGH, content=big, headers={"Content-Type": "application/json"})
        assert r.status_code == 429, r.text
        assert r.headers["content-type"] == "application/problem+json"
        assert int(r.headers["retry-after"]) > 0 and "try again" in r.json()["detail"]
        up = c.post("/v1/files", files={"content": ("big.bin", big, "application/octet-stream")})
        assert up.status_code == 429  # uploads share the bound
        small = c.post(WEIGH, json={"input": {"file": _uri(b"small")}})
        assert small.status_code == 201  # a small body never waits for a slot
        for sock in held:
            sock.close()
        deadline = time.monotonic() + 30  # the slots come back once the engine sees them go
        while (r := c.post(WEIGH, content=big, headers={"Content-Type": "application/json"})
               ).status_code == 429 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert r.status_code == 201, r.text


def test_a_kept_input_lasts_while_its_prediction_runs_then_expires(make_engine: Any,
                                                                   tmp_path: Path) -> None:
    data_dir = tmp_path / "engine"
    engine = make_engine(data_dir, models=[Weigh()], keep_inputs_for=0)
    blob = os.urandom(100 * KiB)
    with httpx.Client(base_url=engine.url, timeout=60) as c:
        pred = c.post(WEIGH, json={"input": {"file": _uri(blob), "seconds": 30}}).json()
        url = pred["input"]["file"]
        assert c.get(url).content == blob  # queued or running: kept, whatever the lifetime
        c.post(f"/v1/predictions/{pred['id']}/cancel")
        assert wait_status(c, pred["id"], ("canceled",))["status"] == "canceled"
        assert c.get(url).status_code == 404
        assert _kept_files(data_dir) == []
        again = c.post(WEIGH, json={"input": {"file": url}}, headers={"Prefer": "wait"}).json()
        assert again["status"] == "failed" and "has expired" in again["error"]


def test_kept_inputs_stay_under_the_disk_cap(make_engine: Any, tmp_path: Path) -> None:
    data_dir = tmp_path / "engine"
    engine = make_engine(data_dir, models=[Weigh()], max_kept_inputs=300 * KiB)
    first, second = os.urandom(200 * KiB), os.urandom(200 * KiB)
    with httpx.Client(base_url=engine.url, timeout=60) as c:
        running = c.post(WEIGH, json={"input": {"file": _uri(first), "seconds": 30}}).json()
        r = c.post(WEIGH, json={"input": {"file": _uri(second)}})
        assert r.status_code == 429, r.text  # fits once the running one ends
        assert int(r.headers["retry-after"]) > 0
        c.post(f"/v1/predictions/{running['id']}/cancel")
        wait_status(c, running["id"], ("canceled",))
        r = c.post(WEIGH, json={"input": {"file": _uri(second)}}, headers={"Prefer": "wait"})
        assert r.status_code == 201 and r.json()["output"] == _weight(second)
        kept_url = r.json()["input"]["file"]
        # the ended prediction's input made room
        assert c.get(running["input"]["file"]).status_code == 404
        assert sum(p.stat().st_size for p in _kept_files(data_dir)) <= 300 * KiB
        r = c.post(WEIGH, json={"input": {"file": _uri(os.urandom(400 * KiB))}})
        assert r.status_code == 413 and "300 KiB" in r.json()["detail"]  # it never fits
    engine.stop()
    # a restart knows what is kept, and when it ended
    assert len(_kept_files(data_dir)) == 1
    again = make_engine(data_dir, models=[Weigh()], keep_inputs_for=0)
    assert _kept_files(data_dir) == []
    assert httpx.get(kept_url.replace(engine.url, again.url)).status_code == 404
