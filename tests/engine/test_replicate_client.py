"""The official `replicate` 1.0.7 Python client, unchanged, against the engine."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
import replicate
from PIL import Image
from replicate.helpers import FileOutput

from .conftest import TOKEN, AppThread
from .test_files import png_bytes
from .test_webhooks import Receiver


@pytest.fixture
def rc(engine: Any) -> replicate.Client:
    return replicate.Client(api_token=TOKEN, base_url=engine.url)


def test_run_on_version_and_model_refs(rc: replicate.Client, tmp_path: Path) -> None:
    version = rc.models.get("test/echo").latest_version.id
    assert rc.run(f"test/echo:{version}", input={"prompt": "Hello"}) == "hello"
    assert rc.run("test/echo", input={"prompt": "Hello", "case": "upper"}) == "HELLO"
    image = tmp_path / "white.png"
    image.write_bytes(png_bytes("white", 16))
    with image.open("rb") as f:  # uploaded through the Files API, resolved locally
        out = rc.run("test/invert", input={"image": f})
    assert isinstance(out, FileOutput)
    img = Image.open(io.BytesIO(out.read()))
    assert img.size == (16, 16) and img.getpixel((0, 0)) == (0, 0, 0)


def test_run_streaming_version_returns_an_iterator(rc: replicate.Client) -> None:
    version = rc.models.get("test/counter").latest_version.id
    out = rc.run(f"test/counter:{version}", input={"n": 3})
    assert "".join(out) == "start\nline two a 1 2"


def test_stream(rc: replicate.Client) -> None:
    events = list(rc.stream("test/counter", input={"n": 3, "delay": 0.02}))
    assert "".join(str(e) for e in events) == "start\nline two a 1 2"


def test_run_failure_raises_model_error(rc: replicate.Client) -> None:
    with pytest.raises(replicate.exceptions.ModelError, match="kaboom"):
        rc.run("test/boom", input={})
    with pytest.raises(replicate.exceptions.ReplicateError) as info:
        rc.run("test/echo", input={"prompt": 1})
    assert info.value.status == 422


def test_predictions_create_get_list_cancel_wait(rc: replicate.Client) -> None:
    version = rc.models.get("test/echo").latest_version.id
    p = rc.predictions.create(version=version, input={"prompt": "Waited"})
    p.wait()
    assert p.status == "succeeded" and p.output == "waited"
    assert rc.predictions.get(p.id).output == "waited"
    slow = rc.models.predictions.create(model="test/slow", input={"seconds": 60})
    slow.cancel()
    slow.wait()
    assert slow.status == "canceled"
    page = rc.predictions.list()
    assert [x.id for x in page.results][:2] == [slow.id, p.id]
    assert page.next is None and page.previous is None


def test_models_and_versions(rc: replicate.Client) -> None:
    model = rc.models.get("test/echo")
    assert model.owner == "test" and model.name == "echo" and model.visibility == "public"
    names = [m.name for m in rc.models.list().results]
    assert {"echo", "counter", "invert", "off"} <= set(names)
    versions = model.versions.list()
    assert len(versions) == 1
    v = model.versions.get(versions[0].id)
    assert v.cog_version == "0.16.0"
    props = v.openapi_schema["components"]["schemas"]["Input"]["properties"]
    assert props["case"]["enum"] == ["lower", "upper"]


def test_files(rc: replicate.Client) -> None:
    f = rc.files.create(io.BytesIO(b"abc"), filename="a.txt", metadata={"k": "v"})
    assert f.name == "a.txt" and f.size == 3 and f.metadata == {"k": "v"}
    assert rc.files.get(f.id).checksums["sha256"] == f.checksums["sha256"]
    assert f.id in [x.id for x in rc.files.list()]
    assert rc.files.delete(f.id)


def test_webhook_secret_validates_a_real_delivery(make_engine: Any) -> None:
    # the receiver is on loopback: only an engine that allows private addresses calls it
    engine = make_engine(token=TOKEN, allow_private_urls=True)
    rc = replicate.Client(api_token=TOKEN, base_url=engine.url)
    secret = rc.webhooks.default.secret()
    receiver = Receiver()
    with AppThread(receiver.app()) as rx:
        rc.predictions.create(version=rc.models.get("test/echo").latest_version.id,
                              input={"prompt": "hook"}, webhook=rx.url + "/hook",
                              webhook_events_filter=["completed"])
        assert receiver.done.wait(60)
    headers, body = receiver.deliveries[-1]
    replicate.webhooks.validate(headers=headers, body=body.decode(), secret=secret)
    assert json.loads(body)["output"] == "hook"
    with pytest.raises(replicate.webhook.InvalidSignatureError):
        replicate.webhooks.validate(headers=headers, body=body.decode() + " ", secret=secret)
