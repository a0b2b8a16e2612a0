"""Secret inputs (`x-cog-secret`, `format: password`): the model gets the value; nothing that
outlives the request shows it, as on Replicate. Checked everywhere a prediction goes: the
create response, GET one and the list, the SSE stream, webhooks, logs and errors, the
engine's own log lines, every file in its data folder, and after a restart."""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import Any

import httpx
import pytest

from .conftest import AppThread, wait_status
from .models import Keyed
from .test_streaming import read_stream
from .test_webhooks import Receiver

KEY_A = "r8_sEcReTkEy-A-0123456789"
KEY_B = "hf_sEcReTtOkEn-B-9876543210"
KEY_C = "r8_sEcReTkEy-C-failing-42"
SECRETS = (KEY_A, KEY_B, KEY_C)
PATH = "/v1/models/test/keyed/predictions"
SECRET = "**********"  # as Replicate shows one (Cog's Secret is pydantic's SecretStr)


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:12]


def _clean(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text


def _files(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in folder.rglob("*") if p.is_file())


def test_a_secret_reaches_the_model_and_nothing_else(make_engine: Any, tmp_path: Path,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="playground.engine")
    data = tmp_path / "engine"
    engine = make_engine(data, models=[Keyed()], allow_private_urls=True)
    receiver = Receiver()
    seen: list[str] = []
    with AppThread(receiver.app()) as rx, httpx.Client(base_url=engine.url, timeout=60) as c:
        # the first holds the one worker, so the second is stored while queued
        first = c.post(PATH, json={"input": {"api_key": KEY_A, "seconds": 0.5}})
        second = c.post(PATH, json={"input": {"api_key": KEY_B, "hf_token": KEY_A},
                                    "webhook": rx.url + "/hook"})
        failing = c.post(PATH, json={"input": {"api_key": KEY_C, "prompt": "fail"}})
        for r in (first, second, failing):
            assert r.status_code == 201, r.text
            seen.append(r.text)
            assert r.json()["input"]["api_key"] == SECRET
        assert second.json()["input"]["hf_token"] == SECRET
        done = {r.json()["id"]: wait_status(c, r.json()["id"], ("succeeded", "failed"))
                for r in (first, second, failing)}
        receiver.done.wait(30)
        ok = done[second.json()["id"]]
        assert ok["status"] == "succeeded", ok["error"]
        assert ok["output"] == [_digest(KEY_B) + " ", _digest(KEY_A) + " "]  # the real values
        assert ok["logs"].startswith(f"signing in with {SECRET} and {SECRET}")
        assert done[first.json()["id"]]["output"][0] == _digest(KEY_A) + " "
        bad = done[failing.json()["id"]]
        assert bad["status"] == "failed" and bad["error"] == f"the key {SECRET} was refused"
        seen += [json.dumps(p) for p in done.values()]
        seen.append(c.get("/v1/predictions").text)
        seen += [read_stream(p["urls"]["stream"]) for p in done.values()]
    assert receiver.deliveries
    seen += [body.decode() for _, body in receiver.deliveries]
    for text in seen:
        _clean(text)
    engine.stop()
    _clean(caplog.text)
    stored = _files(data)
    assert all(secret.encode() not in stored for secret in SECRETS)

    again = make_engine(data, models=[Keyed()])
    with httpx.Client(base_url=again.url, timeout=60) as c:
        listing = c.get("/v1/predictions").json()["results"]
        assert len(listing) == 3 and {p["input"]["api_key"] for p in listing} == {SECRET}
        _clean(json.dumps(listing))
