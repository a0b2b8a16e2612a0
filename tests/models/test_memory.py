"""The local models' memory settings, and each model unloaded by the engine when unused and
loaded again by its next prediction (real weights, over real HTTP)."""

from __future__ import annotations

import base64
import io
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from playground.engine.models import face_enhance, real_esrgan, rembg, smollm2, whisper
from playground.engine.models.base import EngineModel
from playground.engine.runner import LOADING
from playground.engine.server import EngineThread

from .conftest import Ctx

pytestmark = pytest.mark.models

Loader = Callable[[type[EngineModel]], EngineModel]
CHAT = "local/smollm2-135m-instruct"


def data_uri(raw: bytes, kind: str) -> str:
    return f"data:{kind};base64,{base64.b64encode(raw).decode()}"


def run(client: httpx.Client, ref: str, values: dict[str, Any]) -> dict[str, Any]:
    pred: dict[str, Any] = client.post(f"/v1/models/{ref}/predictions", json={"input": values},
                                       headers={"Prefer": "wait=60"}).json()
    end = time.monotonic() + 300
    while pred["status"] not in ("succeeded", "failed", "canceled") and time.monotonic() < end:
        time.sleep(0.1)
        pred = client.get(f"/v1/predictions/{pred['id']}").json()
    return pred


def test_the_chat_context_is_the_one_the_model_json_lists(pulled: None, tmp_path: Path) -> None:
    with EngineThread([smollm2.SmolLM2()], tmp_path / "engine", unload_after=0) as engine, \
            httpx.Client(base_url=engine.url, timeout=120) as client:
        listed = client.get(f"/v1/models/{CHAT}").json()["playground"]["context_tokens"]
        assert listed == smollm2.SmolLM2.context_tokens == 4096
        # llama.cpp refuses a prompt over its context, naming the size it was given
        over = run(client, CHAT, {"prompt": "word " * (listed + 200), "max_tokens": 8})
        assert over["status"] == "failed"
        holds = re.search(r"the model holds (\d+)", over["error"] or "")
        assert holds and int(holds[1]) == listed, over["error"]


def test_the_context_said_is_llama_cpps_own() -> None:
    error = smollm2._plain_error("request (5000 tokens) exceeds the available context size "
                                 "(2048 tokens), try increasing it")
    assert "it is 5000 tokens and the model holds 2048" in str(error)


def test_rembg_runs_without_the_onnxruntime_arena(loaded: Loader, astronaut: Path,
                                                   ctx: Ctx) -> None:
    model = loaded(rembg.Rembg)
    assert isinstance(model, rembg.Rembg)
    model.predict(rembg.Input(image=astronaut, model="u2netp"), ctx)
    for session in model._sessions.values():
        assert session.get_session_options().enable_cpu_mem_arena is False


def test_whisper_weights_are_int8(loaded: Loader) -> None:
    model = loaded(whisper.WhisperTinyEn)
    assert isinstance(model, whisper.WhisperTinyEn)
    assert model._model.model.compute_type.startswith("int8")


def test_every_local_model_unloads_when_unused_and_loads_again(
        pulled: None, tmp_path: Path, astronaut: Path, speech: Path) -> None:
    small = io.BytesIO()
    Image.open(astronaut).resize((128, 128)).save(small, "PNG")
    image = data_uri(small.getvalue(), "image/png")
    cases = {
        CHAT: {"prompt": "What is the capital of France?", "max_tokens": 8, "temperature": 0},
        "local/whisper-tiny-en": {"audio": data_uri(speech.read_bytes(), "audio/wav")},
        "local/rembg": {"image": image},
        "local/real-esrgan": {"image": image, "scale": 2},
        "local/face-enhance": {"img": image, "scale": 2},
    }
    chat, speech_model, matting = smollm2.SmolLM2(), whisper.WhisperTinyEn(), rembg.Rembg()
    models = [chat, speech_model, matting, real_esrgan.RealESRGAN(), face_enhance.FaceEnhance()]
    with EngineThread(models, tmp_path / "engine", unload_after=0.5) as engine, \
            httpx.Client(base_url=engine.url, timeout=120) as client:
        entries = engine.app.state.engine.models
        for _ in ("first use", "after the unload"):
            for ref, values in cases.items():
                pred = run(client, ref, values)
                assert pred["status"] == "succeeded", (ref, pred.get("error"))
                assert pred["logs"].startswith(f"{LOADING}\n"), ref
                assert "load_time" in pred["metrics"], ref
            end = time.monotonic() + 60
            while any(e.loaded for e in entries.values()) and time.monotonic() < end:
                time.sleep(0.1)
            assert not any(e.loaded for e in entries.values())
            # what each held is dropped, for its memory to go back to the system
            assert chat._server is None and speech_model._model is None
            assert not matting._sessions
