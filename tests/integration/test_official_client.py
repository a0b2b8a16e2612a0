"""The official `replicate` 1.0.7 client, unchanged but for its base URL, on the real models."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import replicate
from engine.openapi_check import check_response
from engine.test_webhooks import Receiver
from replicate.helpers import FileOutput
from replicate.stream import ServerSentEvent

from .conftest import AppThread
from .helpers import CHAT, LONG_CHAT, png, until

pytestmark = [pytest.mark.models, pytest.mark.timeout(120)]

EXPECTED_MODELS = {"smollm2-135m-instruct", "whisper-tiny-en", "real-esrgan", "rembg",
                   "face-enhance", "sd-turbo"}


@pytest.fixture
def rc(engine: Any) -> replicate.Client:
    return replicate.Client(api_token="x", base_url=engine.url)


def test_run_on_a_version_ref_reads_the_upscaled_png(rc: replicate.Client,
                                                      media: dict[str, Path]) -> None:
    version = rc.models.get("local/real-esrgan").latest_version
    assert version is not None
    with media["tiny"].open("rb") as f:  # uploaded by the client through the Files API
        out = rc.run(f"local/real-esrgan:{version.id}", input={"image": f, "scale": 2})
    assert isinstance(out, FileOutput)
    assert out.url.startswith("data:image/png;base64,")  # small outputs are data URIs
    img = png(out.read())
    assert img.size == (80, 64)


def test_run_on_a_model_ref_removes_the_background(rc: replicate.Client,
                                                    media: dict[str, Path]) -> None:
    with media["portrait"].open("rb") as f:
        out = rc.run("local/rembg", input={"image": f})
    assert isinstance(out, FileOutput)
    img = png(b"".join(out))  # read through the iterator this time
    assert img.mode == "RGBA" and img.size == (256, 256)
    alpha = np.asarray(img)[..., 3]
    # The astronaut is kept, the background around her is cut away.
    assert alpha[128, 128] > 200 and alpha[5:30, 5:30].mean() < 60


def test_stream_chat(rc: replicate.Client) -> None:
    events = list(rc.stream(CHAT, input={"prompt": "Name three colors.", "max_tokens": 40,
                                         "temperature": 0}))
    kinds = [e.event for e in events]
    outputs = [e for e in events if e.event == ServerSentEvent.EventType.OUTPUT]
    assert len(outputs) >= 3
    text = "".join(str(e) for e in outputs)
    assert len(text.split()) >= 3 and text == text.lstrip("\n")
    assert ServerSentEvent.EventType.DONE not in kinds[:-1]  # nothing after `done`


def test_predictions_create_get_list_cancel_wait(rc: replicate.Client) -> None:
    model = rc.models.get(CHAT)
    assert model.latest_version is not None
    short = rc.predictions.create(version=model.latest_version.id,
                                  input={"prompt": "Say hi.", "max_tokens": 8})
    short.wait()
    assert short.status == "succeeded" and "".join(short.output).strip()
    assert rc.predictions.get(short.id).status == "succeeded"

    long = rc.models.predictions.create(model=CHAT, input=LONG_CHAT)
    assert until(lambda: bool(rc.predictions.get(long.id).output), timeout=90)
    long.cancel()
    long.wait()
    assert long.status == "canceled"
    got = rc.predictions.get(long.id)
    assert got.status == "canceled" and got.output  # stopped mid-way, output so far kept
    assert len(got.output) < 4000
    ids = [p.id for p in rc.predictions.list().results]
    assert ids.index(long.id) < ids.index(short.id)  # newest first


def test_models_and_versions(rc: replicate.Client) -> None:
    names = {m.name for m in rc.models.list().results}
    assert EXPECTED_MODELS <= names
    model = rc.models.get("local/whisper-tiny-en")
    assert model.owner == "local" and model.latest_version is not None
    versions = model.versions.list()
    assert [v.id for v in versions] == [model.latest_version.id]
    version = model.versions.get(versions[0].id)
    props = version.openapi_schema["components"]["schemas"]["Input"]["properties"]
    assert props["audio"]["format"] == "uri"
    assert props["transcription"]["enum"] == ["plain text", "srt", "vtt"]
    chat = rc.models.get(CHAT).latest_version
    assert chat is not None
    output = chat.openapi_schema["components"]["schemas"]["Output"]
    assert output["x-cog-array-type"] == "iterator"


def test_files_and_a_file_url_as_model_input(rc: replicate.Client, media: dict[str, Path],
                                             engine: Any) -> None:
    f = rc.files.create(media["tiny"], metadata={"purpose": "test"})
    assert f.size == media["tiny"].stat().st_size and f.metadata == {"purpose": "test"}
    assert rc.files.get(f.id).checksums["sha256"] == f.checksums["sha256"]
    url = f.urls["get"]
    assert url.startswith(engine.url)
    out = rc.run("local/real-esrgan", input={"image": url, "scale": 1.5})
    assert png(out.read()).size == (60, 48)
    rc.files.delete(f.id)
    with pytest.raises(replicate.exceptions.ReplicateError) as info:
        rc.files.get(f.id)
    assert info.value.status == 404


def test_webhook_from_a_real_prediction_validates(rc: replicate.Client,
                                                  media: dict[str, Path]) -> None:
    secret = rc.webhooks.default.secret()
    assert secret.key.startswith("whsec_")
    receiver = Receiver()
    with AppThread(receiver.app()) as rx, media["speech"].open("rb") as audio:
        p = rc.models.predictions.create(model="local/whisper-tiny-en", input={"audio": audio},
                                         webhook=rx.url + "/hook",
                                         webhook_events_filter=["start", "completed"])
        assert receiver.done.wait(90)
    headers, body = receiver.deliveries[-1]
    replicate.webhooks.validate(headers=headers, body=body.decode(), secret=secret)  # raises
    payload = json.loads(body)
    assert payload["id"] == p.id and payload["status"] == "succeeded"
    assert "fox" in payload["output"]["transcription"].lower()
    check_response("GET", f"/v1/predictions/{p.id}", 200, payload)  # same shape as a GET
    with pytest.raises(replicate.webhook.InvalidSignatureError):
        replicate.webhooks.validate(headers=headers, body=body.decode().replace("fox", "cat"),
                                    secret=secret)
